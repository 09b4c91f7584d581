"""Seed 004's eleven 0–10 sub-metrics, derived from an account's signals and profile. Pure.

Two steps, so the hot path never touches pydantic: ``extract`` reads the signals and profile once into plain
``Inputs`` (numbers, no validation); ``compute`` turns them into sub-metric values with constants derived
from the ``[health.submetrics]`` config once (``SubmetricModel``). A missing input gives a missing (None)
sub-metric, never a zero: the pillar is the mean of what was measured and ``combine`` re-weights.

| pillar | sub-metric | from (canonical event) | missing when |
|---|---|---|---|
| product | logins | logins_30d ÷ seats vs the segment's per-seat baseline (UsageReported) | no fresh usage/seats |
| product | adoption | features adopted ÷ available vs ``feature_adoption_target`` (UsageReported) | no fresh usage |
| product | active | active users ÷ seats vs ``active_target`` (UsageReported) | no fresh usage/seats |
| product | tickets | 10 − penalty per open ticket by severity − recent escalation (Ticket*) | never (0 open = 10) |
| relationship | executive | days since an exec meeting, × factor after a sponsor change (MeetingHeld, …) | no meeting |
| relationship | meetings | attended share of the latest meetings × recency of the last one (MeetingHeld) | no meeting |
| relationship | nps | mean of each respondent's latest answer in ``nps_lookback_days`` (NpsResponded) | no answer |
| relationship | response | response hours between target and max (ResponseTimeReported) | none in the stale window |
| outcomes | goals, roi, impact | 0–10 as reviewed with the customer (OutcomesReported) | none in the stale window |

``extract`` also counts the expansion inputs (recent department interest, recent premium-tier requests).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple

from services.common.models.config import Expansion, HealthSubmetrics
from services.common.models.events import Severity
from services.common.models.portfolio import Account
from services.common.models.signals import AccountSignals

PRODUCT = ("logins", "adoption", "active", "tickets")
RELATIONSHIP = ("executive", "meetings", "nps", "response")
OUTCOMES = ("goals", "roi", "impact")
SUBMETRICS = PRODUCT + RELATIONSHIP + OUTCOMES  # the stored order (HealthSummary.sub)
PILLAR_OF = {
    name: pillar
    for pillar, names in (("product", PRODUCT), ("relationship", RELATIONSHIP), ("outcomes", OUTCOMES))
    for name in names
}

_DAY = 86_400.0
_SEVERITY_INDEX = {Severity.CRITICAL: 0, Severity.HIGH: 1, Severity.NORMAL: 2, Severity.LOW: 3}


@dataclass(frozen=True, slots=True)
class Cutoffs:
    """Everything ``extract`` derives from "now", computed once per moment rather than once per account."""

    now: datetime
    today: date
    usage_cutoff: datetime
    nps_cutoff: datetime
    response_cutoff: datetime
    outcomes_cutoff: datetime
    department_cutoff: datetime
    premium_cutoff: datetime


@dataclass(frozen=True, slots=True)
class SubmetricModel:
    """``[health.submetrics]`` (and the expansion windows) as plain floats, derived once per config."""

    usage_stale_days: float
    login_baseline: dict[str, float]
    login_baseline_default: float
    adoption_target: float
    active_target: float
    penalty: tuple[float, float, float, float]  # critical, high, normal, low
    escalation_penalty: float
    escalation_days: float
    nps_lookback_days: float
    meeting_fresh: float
    meeting_stale: float
    meeting_log: int
    exec_fresh: float
    exec_stale: float
    exec_change_days: float
    exec_change_factor: float
    response_target: float
    response_max: float
    response_stale_days: float = 90.0
    outcomes_stale_days: float = 200.0
    department_days: float = 90.0
    premium_request_days: float = 90.0
    _cutoffs: list[Cutoffs] = field(default_factory=list, compare=False, repr=False)

    @classmethod
    def from_config(cls, c: HealthSubmetrics, expansion: Expansion | None = None) -> SubmetricModel:
        p = c.ticket_penalty
        x = expansion or Expansion()
        return cls(
            usage_stale_days=float(c.usage_stale_days),
            login_baseline={k: float(v) for k, v in c.login_baseline_per_seat.items()},
            login_baseline_default=float(c.login_baseline_default),
            adoption_target=float(c.feature_adoption_target),
            active_target=float(c.active_target),
            penalty=(float(p.critical), float(p.high), float(p.normal), float(p.low)),
            escalation_penalty=float(c.escalation_penalty),
            escalation_days=float(c.escalation_days),
            nps_lookback_days=float(c.nps_lookback_days),
            meeting_fresh=float(c.meeting_fresh_days),
            meeting_stale=float(c.meeting_stale_days),
            meeting_log=c.meeting_log,
            exec_fresh=float(c.exec_fresh_days),
            exec_stale=float(c.exec_stale_days),
            exec_change_days=float(c.exec_change_days),
            exec_change_factor=float(c.exec_change_factor),
            response_target=float(c.response_target_hours),
            response_max=float(c.response_max_hours),
            response_stale_days=float(c.response_stale_days),
            outcomes_stale_days=float(c.outcomes_stale_days),
            department_days=float(x.department_days),
            premium_request_days=float(x.premium_request_days),
        )

    def cutoffs(self, now: datetime) -> Cutoffs:
        """The cut-offs for ``now``; the last one is kept, so rescoring a page at one moment derives them once."""
        kept = self._cutoffs
        last = kept[0] if kept else None  # one read: other threads may replace it meanwhile
        if last is not None and last.now is now:
            return last

        def ago(days: float) -> datetime:
            return now - timedelta(days=days)

        cutoffs = Cutoffs(
            now=now,
            today=now.date(),
            usage_cutoff=ago(self.usage_stale_days),
            nps_cutoff=ago(self.nps_lookback_days),
            response_cutoff=ago(self.response_stale_days),
            outcomes_cutoff=ago(self.outcomes_stale_days),
            department_cutoff=ago(self.department_days),
            premium_cutoff=ago(self.premium_request_days),
        )
        kept[:] = [cutoffs]
        return cutoffs


class Inputs(NamedTuple):
    """Everything the sub-metrics and expansion read, as plain values (None = not observed).

    A named tuple: ``extract`` builds it from a tuple in one step and ``compute`` unpacks it in one step."""

    segment: str | None = None
    active_users: float | None = None
    seats: float | None = None
    logins_30d: float | None = None
    features_adopted: float | None = None
    features_available: float | None = None
    tickets: tuple[int, int, int, int] = (0, 0, 0, 0)  # open: critical, high, normal, low
    escalation_age_days: float | None = None
    nps: Sequence[float] = ()  # each respondent's latest answer within the lookback
    meetings: str = ""  # latest meetings, oldest first: x missed, a attended, e attended with an executive
    meeting_age_days: float | None = None
    exec_meeting_age_days: float | None = None
    exec_change_age_days: float | None = None
    response_hours: float | None = None
    goals: float | None = None
    roi: float | None = None
    impact: float | None = None
    renewal_in_days: float | None = None
    departments: int = 0  # departments that expressed interest recently (expansion)
    premium_requests: int = 0  # premium-tier features requested recently (expansion)


_NO_TICKETS = (0, 0, 0, 0)

_new_inputs = tuple.__new__  # a named tuple from a plain tuple, without the keyword-handling __new__


def extract(signals: AccountSignals, profile: Account | None, now: datetime, model: SubmetricModel) -> Inputs:
    """Read the signals and profile once into plain numbers (inputs older than their window are dropped).

    The rescoring hot path: field values are read from the models' ``__dict__`` (where pydantic keeps them;
    a dict read costs a third of a model attribute read) and the cut-offs are derived once per moment.
    """
    cutoffs = model.cutoffs(now)
    s = signals.__dict__
    segment = seats = renewal_in_days = None
    if profile is not None:
        p = profile.__dict__
        segment = p["segment"]
        seats = p["licensed_seats"]
        renewal = p["renewal_date"]
        if renewal is not None:
            renewal_in_days = (renewal - cutoffs.today).days * 1.0
    active = logins = adopted = available = None
    usage, usage_at = s["usage"], s["usage_at"]
    if usage and usage_at is not None and usage_at >= cutoffs.usage_cutoff:
        # UsageReported's fields, as validated (non-negative integers); absent ones are left out.
        get = usage.get
        seats = get("licensed_seats") or seats
        active = get("active_users")
        logins = get("logins_30d")
        adopted = get("features_adopted")
        available = get("features_available")
    tickets = _NO_TICKETS
    open_tickets = s["open_tickets"]
    if open_tickets:
        counts = [0, 0, 0, 0]
        index = _SEVERITY_INDEX
        for ticket in open_tickets.values():
            counts[index[ticket.severity]] += 1
        tickets = (counts[0], counts[1], counts[2], counts[3])
    nps: list[float] | tuple[()] = ()
    answers = s["nps"]
    if answers:
        cutoff = cutoffs.nps_cutoff
        nps = []  # a loop, not a comprehension: no function frame for the usual 0–3 answers
        for answer in answers.values():
            if answer.at >= cutoff:
                nps.append(answer.score)
    then = s["last_escalation_at"]
    escalation_age = None
    if then is not None:
        escalation_age = (now - then).total_seconds() / _DAY
        if escalation_age < 0.0:  # stamped a little ahead of now
            escalation_age = 0.0
    then = s["last_meeting_at"]
    meeting_age = None
    if then is not None:
        meeting_age = (now - then).total_seconds() / _DAY
        if meeting_age < 0.0:  # stamped a little ahead of now
            meeting_age = 0.0
    then = s["last_exec_meeting_at"]
    exec_age = None
    if then is not None:
        exec_age = (now - then).total_seconds() / _DAY
        if exec_age < 0.0:  # stamped a little ahead of now
            exec_age = 0.0
    then = s["executive_changed_at"]
    change_age = None
    if then is not None:
        change_age = (now - then).total_seconds() / _DAY
        if change_age < 0.0:  # stamped a little ahead of now
            change_age = 0.0
    response = s["response_hours"]
    if response is not None:
        then = s["response_at"]
        if then is not None and then < cutoffs.response_cutoff:
            response = None
    goals = roi = impact = None
    outcomes = s["outcomes"]
    if outcomes:
        then = s["outcomes_at"]
        if then is None or then >= cutoffs.outcomes_cutoff:
            get = outcomes.get
            goals, roi, impact = get("goals"), get("roi"), get("impact")
    departments = premium = 0
    recent = s["departments"]
    if recent:
        cutoff = cutoffs.department_cutoff
        departments = sum(1 for at in recent.values() if at >= cutoff)
    recent = s["premium_requests"]
    if recent:
        cutoff = cutoffs.premium_cutoff
        premium = sum(1 for at in recent.values() if at >= cutoff)
    return _new_inputs(
        Inputs,
        (
            segment,
            active,
            seats * 1.0 if seats else None,
            logins,
            adopted,
            available,
            tickets,
            escalation_age,
            nps,
            s["meetings"],
            meeting_age,
            exec_age,
            change_age,
            response,
            goals,
            roi,
            impact,
            renewal_in_days,
            departments,
            premium,
        ),
    )


def reported(value: float | None) -> float | None:
    """An outcome as reviewed with the customer, kept to 0–10."""
    return None if value is None else min(10.0, max(0.0, float(value)))


def compute(i: Inputs, m: SubmetricModel) -> list[float | None]:
    """The eleven sub-metrics in ``SUBMETRICS`` order, each monotone in its input (run per account).

    Every transform is spelled out inline, not called: a call per sub-metric would cost more than its arithmetic.
    tests/unit/submetric_reference.py spells the same transforms one function each, and the tests hold the two
    to each other.
    """
    (
        segment,
        active_users,
        seats,
        logins_30d,
        adopted,
        available,
        ticket_counts,
        escalation_age,
        answers,
        log,
        meeting_age,
        exec_age,
        change_age,
        hours,
        goals,
        roi,
        impact,
        _renewal_in_days,
        _departments,
        _premium_requests,
    ) = i
    # min()/max() of the named transforms are spelled as comparisons (same values, NaN included): a builtin
    # call costs more than the arithmetic around it.
    logins = active = adoption = None
    if seats and seats > 0:
        baseline = m.login_baseline.get(segment, m.login_baseline_default) if segment else m.login_baseline_default
        if logins_30d is not None:
            value = 10.0 * (logins_30d if logins_30d > 0.0 else 0.0) / seats / baseline
            logins = value if value < 10.0 else 10.0
        if active_users is not None:
            value = 10.0 * (active_users if active_users > 0.0 else 0.0) / seats / m.active_target
            active = value if value < 10.0 else 10.0
    if adopted is not None and available and available > 0:
        if adopted > available:
            adopted = available
        value = 10.0 * (adopted if adopted > 0.0 else 0.0) / available / m.adoption_target
        adoption = value if value < 10.0 else 10.0

    critical, high, normal, low = ticket_counts
    p = m.penalty
    penalty = critical * p[0] + high * p[1] + normal * p[2] + low * p[3]
    if escalation_age is not None and escalation_age <= m.escalation_days:
        penalty += m.escalation_penalty
    tickets = 10.0 - penalty if penalty < 10.0 else 0.0

    executive = meetings = None
    age = exec_age
    if log or age is not None:
        if age is None or age >= m.exec_stale:
            executive = 0.0
        elif age <= m.exec_fresh:
            executive = 10.0
        else:
            executive = 10.0 * ((m.exec_stale - age) / (m.exec_stale - m.exec_fresh))
        if change_age is not None and change_age <= m.exec_change_days:
            executive *= m.exec_change_factor
    recent = log[-m.meeting_log :] if log else log
    age = meeting_age
    if recent or age is not None:
        attended = (len(recent) - recent.count("x")) / len(recent) if recent else 1.0
        if age is None or age >= m.meeting_stale:
            meetings = 0.0
        elif age <= m.meeting_fresh:
            meetings = 10.0 * attended
        else:
            meetings = 10.0 * attended * ((m.meeting_stale - age) / (m.meeting_stale - m.meeting_fresh))

    nps = None
    if answers:
        value = sum(answers) / len(answers)
        value = value if value > 0.0 else 0.0
        nps = value if value < 10.0 else 10.0
    response = None
    if hours is not None:
        if hours <= m.response_target:
            response = 10.0
        else:
            value = (m.response_max - hours) / (m.response_max - m.response_target)
            response = 10.0 * (value if value > 0.0 else 0.0)
    return [
        logins,
        adoption,
        active,
        tickets,
        executive,
        meetings,
        nps,
        response,
        None if goals is None else reported(goals),
        None if roi is None else reported(roi),
        None if impact is None else reported(impact),
    ]


def inputs_used(i: Inputs) -> dict[str, dict[str, Any]]:
    """What each sub-metric was computed from (for the explanation; only observed inputs are listed)."""

    def r(value: float | None) -> float | None:
        return None if value is None else round(value, 1)

    def present(**values: Any) -> dict[str, Any]:
        return {k: v for k, v in values.items() if v is not None and v != ""}

    critical, high, normal, low = i.tickets
    return {
        "logins": present(logins_30d=i.logins_30d, licensed_seats=i.seats, segment=i.segment),
        "adoption": present(features_adopted=i.features_adopted, features_available=i.features_available),
        "active": present(active_users=i.active_users, licensed_seats=i.seats),
        "tickets": present(
            critical=critical, high=high, normal=normal, low=low, days_since_escalation=r(i.escalation_age_days)
        ),
        "executive": present(
            days_since_exec_meeting=r(i.exec_meeting_age_days), days_since_exec_change=r(i.exec_change_age_days)
        ),
        "meetings": present(recent=i.meetings[-8:], days_since_meeting=r(i.meeting_age_days)),
        "nps": present(answers=len(i.nps) or None, mean=r(sum(i.nps) / len(i.nps)) if i.nps else None),
        "response": present(hours=i.response_hours),
        "goals": present(reported=i.goals),
        "roi": present(reported=i.roi),
        "impact": present(reported=i.impact),
    }
