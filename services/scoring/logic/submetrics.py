"""Seed 004's eleven 0–10 sub-metrics, derived from an account's signals and profile. Pure.

Two steps, so the hot path never touches pydantic: ``extract`` reads the signals and profile once into plain
``Inputs`` (numbers, no validation); ``compute`` turns them into sub-metric values with constants derived
from the ``[health.submetrics]`` config once (``SubmetricModel``). A missing input gives a missing (None)
sub-metric, never a zero: the pillar is the mean of what was measured and ``combine`` re-weights.

| pillar | sub-metric | from | missing when |
|---|---|---|---|
| product | logins | logins_30d ÷ licensed seats against the segment's per-seat baseline | no fresh usage / seats |
| product | adoption | features adopted ÷ available against ``feature_adoption_target`` | no fresh usage |
| product | active | active users ÷ licensed seats against ``active_target`` | no fresh usage / seats |
| product | tickets | 10 − penalty per open ticket by severity − recent escalation (inverse) | never (0 open = 10) |
| relationship | executive | days since an exec was in a meeting, × factor after a sponsor change | no meeting |
| relationship | meetings | attended share of the latest meetings × recency of the last attended one | no meeting |
| relationship | nps | mean of each respondent's latest answer within ``nps_lookback_days`` | no answer |
| relationship | response | customer response time between target and max hours | always, today |
| outcomes | goals, roi, impact | 0–10 as reported | always, today |

Response time and the outcomes have no canonical event yet (``AccountSignals.response_hours`` and
``AccountSignals.outcomes`` stay empty); they arrive later with an outcomes event (success plan / QBR:
goals achieved, ROI demonstrated, business impact, each 0–10) and a support response-time field, and
until then they are missing and the score is re-weighted, not lowered.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from services.common.config import HealthSubmetrics
from services.common.events import Severity
from services.common.portfolio import Account
from services.common.signals import AccountSignals

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
class SubmetricModel:
    """``[health.submetrics]`` as plain floats, derived once per config."""

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

    @classmethod
    def from_config(cls, c: HealthSubmetrics) -> SubmetricModel:
        p = c.ticket_penalty
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
        )


@dataclass(slots=True)
class Inputs:
    """Everything the sub-metrics and expansion read, as plain values (None = not observed)."""

    segment: str | None = None
    active_users: float | None = None
    seats: float | None = None
    logins_30d: float | None = None
    features_adopted: float | None = None
    features_available: float | None = None
    tickets: tuple[int, int, int, int] = (0, 0, 0, 0)  # open: critical, high, normal, low
    escalation_age_days: float | None = None
    nps: tuple[float, ...] = ()
    meetings: str = ""  # latest meetings, oldest first: x missed, a attended, e attended with an executive
    meeting_age_days: float | None = None
    exec_meeting_age_days: float | None = None
    exec_change_age_days: float | None = None
    response_hours: float | None = None
    goals: float | None = None
    roi: float | None = None
    impact: float | None = None
    renewal_in_days: float | None = None


def _age(now: datetime, then: datetime | None) -> float | None:
    return None if then is None else max(0.0, (now - then).total_seconds() / _DAY)


def extract(signals: AccountSignals, profile: Account | None, now: datetime, model: SubmetricModel) -> Inputs:
    """Read the signals and profile once into plain numbers (usage older than the stale window is dropped)."""
    inputs = Inputs(segment=profile.segment if profile else None)
    seats = profile.licensed_seats if profile else None
    usage, usage_at = signals.usage, signals.usage_at
    if usage and usage_at is not None and (now - usage_at).total_seconds() <= model.usage_stale_days * _DAY:
        seats = usage.get("licensed_seats") or seats
        inputs.active_users = _num(usage.get("active_users"))
        inputs.logins_30d = _num(usage.get("logins_30d"))
        inputs.features_adopted = _num(usage.get("features_adopted"))
        inputs.features_available = _num(usage.get("features_available"))
    inputs.seats = float(seats) if seats else None
    if signals.open_tickets:
        counts = [0, 0, 0, 0]
        for ticket in signals.open_tickets.values():
            counts[_SEVERITY_INDEX[ticket.severity]] += 1
        inputs.tickets = (counts[0], counts[1], counts[2], counts[3])
    inputs.escalation_age_days = _age(now, signals.last_escalation_at)
    if signals.nps:
        cutoff = now - timedelta(days=model.nps_lookback_days)
        inputs.nps = tuple(float(a.score) for a in signals.nps.values() if a.at >= cutoff)
    inputs.meetings = signals.meetings
    inputs.meeting_age_days = _age(now, signals.last_meeting_at)
    inputs.exec_meeting_age_days = _age(now, signals.last_exec_meeting_at)
    inputs.exec_change_age_days = _age(now, signals.executive_changed_at)
    inputs.response_hours = signals.response_hours
    outcomes = signals.outcomes
    if outcomes:
        inputs.goals, inputs.roi, inputs.impact = (outcomes.get(k) for k in ("goals", "roi", "impact"))
    if profile is not None and profile.renewal_date is not None:
        inputs.renewal_in_days = float((profile.renewal_date - now.date()).days)
    return inputs


def _num(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) else None


# The transforms, one per sub-metric: plain numbers in, 0–10 (or None) out; each monotone in its input.


def ratio_score(numerator: float | None, denominator: float | None, target: float) -> float | None:
    """10 × (numerator ÷ denominator) ÷ target, capped at 10; None without a positive denominator."""
    if numerator is None or not denominator or denominator <= 0:
        return None
    return min(10.0, 10.0 * max(0.0, numerator) / denominator / target)


def recency(age_days: float | None, fresh: float, stale: float) -> float:
    """1 within ``fresh`` days, 0 from ``stale`` days on, linear in between (0 when never)."""
    if age_days is None or age_days >= stale:
        return 0.0
    if age_days <= fresh:
        return 1.0
    return (stale - age_days) / (stale - fresh)


def tickets_score(counts: tuple[int, int, int, int], escalation_age_days: float | None, m: SubmetricModel) -> float:
    p = m.penalty
    penalty = counts[0] * p[0] + counts[1] * p[1] + counts[2] * p[2] + counts[3] * p[3]
    if escalation_age_days is not None and escalation_age_days <= m.escalation_days:
        penalty += m.escalation_penalty
    return max(0.0, 10.0 - penalty)


def nps_score(answers: tuple[float, ...]) -> float | None:
    return min(10.0, max(0.0, sum(answers) / len(answers))) if answers else None


def meetings_score(log: str, age_days: float | None, m: SubmetricModel) -> float | None:
    recent = log[-m.meeting_log :]
    if not recent and age_days is None:
        return None
    attended = (len(recent) - recent.count("x")) / len(recent) if recent else 1.0
    return 10.0 * attended * recency(age_days, m.meeting_fresh, m.meeting_stale)


def executive_score(
    log: str, exec_age_days: float | None, change_age_days: float | None, m: SubmetricModel
) -> float | None:
    if not log and exec_age_days is None:
        return None
    value = 10.0 * recency(exec_age_days, m.exec_fresh, m.exec_stale)
    if change_age_days is not None and change_age_days <= m.exec_change_days:
        value *= m.exec_change_factor
    return value


def response_score(hours: float | None, m: SubmetricModel) -> float | None:
    if hours is None:
        return None
    if hours <= m.response_target:
        return 10.0
    return 10.0 * max(0.0, (m.response_max - hours) / (m.response_max - m.response_target))


def _reported(value: float | None) -> float | None:
    return None if value is None else min(10.0, max(0.0, float(value)))


def compute(i: Inputs, m: SubmetricModel) -> list[float | None]:
    """The eleven sub-metrics in ``SUBMETRICS`` order."""
    baseline = m.login_baseline.get(i.segment, m.login_baseline_default) if i.segment else m.login_baseline_default
    adopted = i.features_adopted
    if adopted is not None and i.features_available is not None:
        adopted = min(adopted, i.features_available)
    return [
        ratio_score(i.logins_30d, i.seats, baseline),
        ratio_score(adopted, i.features_available, m.adoption_target),
        ratio_score(i.active_users, i.seats, m.active_target),
        tickets_score(i.tickets, i.escalation_age_days, m),
        executive_score(i.meetings, i.exec_meeting_age_days, i.exec_change_age_days, m),
        meetings_score(i.meetings, i.meeting_age_days, m),
        nps_score(i.nps),
        response_score(i.response_hours, m),
        _reported(i.goals),
        _reported(i.roi),
        _reported(i.impact),
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
