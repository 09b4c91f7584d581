"""How each canonical event changes an account's signals. Pure: old signals + event → new signals."""

from __future__ import annotations

from datetime import datetime

from services.common.models.events import (
    PEAK_EVENT_TYPES,
    ChampionChanged,
    CompetitorMentioned,
    DepartmentInterestExpressed,
    EventEnvelope,
    ExecutiveChanged,
    FeatureRequested,
    InterventionEnded,
    InterventionStarted,
    MeetingHeld,
    NpsResponded,
    OutcomesReported,
    PaymentLate,
    RenewalRiskFlagged,
    RenewalSigned,
    ResponseTimeReported,
    Severity,
    TicketEscalated,
    TicketOpened,
    TicketStatus,
    TicketUpdated,
    UsageReported,
)
from services.common.models.signals import RECENT_EVENTS, AccountSignals, Intervention, NpsAnswer, OpenTicket, short_id

_MAX_COMPETITORS = 20
# The signals item is written on every event and stays under 2 KB (two write units): these lists keep only
# the newest few entries, which is all the expansion signals and the escalation rule read.
_MAX_DEPARTMENTS = 6
_MAX_PREMIUM_REQUESTS = 6
_MAX_INTERVENTIONS = 4
_KEY_LENGTH = 40


def apply(signals: AccountSignals, event: EventEnvelope) -> AccountSignals:
    s = signals.model_copy(deep=True)
    data = event.data
    at = event.occurred_at
    if isinstance(data, TicketOpened | TicketUpdated):
        _ticket(s, data.ticket_id, data.severity, data.status, at)
    elif isinstance(data, TicketEscalated):
        existing = s.open_tickets.get(data.ticket_id)
        severity = max(data.severity, existing.severity, key=_rank) if existing else data.severity
        _ticket(s, data.ticket_id, severity, TicketStatus(existing.status) if existing else TicketStatus.OPEN, at)
        if s.last_escalation_at is None or at > s.last_escalation_at:
            s.last_escalation_at = at
    elif isinstance(data, NpsResponded):
        key = data.contact_id or data.respondent_email or data.response_id
        previous = s.nps.get(key)
        if previous is None or at >= previous.at:
            s.nps[key] = NpsAnswer(score=data.score, at=at, contact_id=data.contact_id)
    elif isinstance(data, RenewalRiskFlagged):
        if s.renewal_risk_at is None or at >= s.renewal_risk_at:
            s.renewal_risk, s.renewal_risk_reason, s.renewal_risk_at = data.at_risk, data.reason, at
    elif isinstance(data, RenewalSigned):
        if s.renewal_risk_at is None or at >= s.renewal_risk_at:
            s.renewal_risk, s.renewal_risk_reason, s.renewal_risk_at = False, None, at
    elif isinstance(data, UsageReported):
        if s.usage_at is None or at >= s.usage_at:
            s.usage = {k: v for k, v in data.model_dump().items() if v is not None}
            s.usage_at = at
    elif isinstance(data, MeetingHeld):
        if data.attended and (s.last_meeting_at is None or at > s.last_meeting_at):
            s.last_meeting_at = at
    elif isinstance(data, ExecutiveChanged):
        s.executive_changed_at = max(filter(None, (s.executive_changed_at, at)))
    elif isinstance(data, ChampionChanged):
        s.champion_changed_at = max(filter(None, (s.champion_changed_at, at)))
    elif isinstance(data, CompetitorMentioned):
        s.competitor_mentions = [*s.competitor_mentions, data.competitor][-_MAX_COMPETITORS:]
    elif isinstance(data, PaymentLate):
        s.last_payment_late_at = max(filter(None, (s.last_payment_late_at, at)))
    elif isinstance(data, OutcomesReported):
        if s.outcomes_at is None or at >= s.outcomes_at:
            reported = {"goals": data.goals_achieved, "roi": data.roi_demonstrated, "impact": data.business_impact}
            # A review that scores only some outcomes keeps the others from the previous review.
            s.outcomes = {**s.outcomes, **{k: v for k, v in reported.items() if v is not None}}
            s.outcomes_at = at
    elif isinstance(data, ResponseTimeReported):
        if s.response_at is None or at >= s.response_at:
            s.response_hours, s.response_at = data.response_hours, at
    elif isinstance(data, DepartmentInterestExpressed):
        s.departments = _newest(s.departments, _key(data.department), at, _MAX_DEPARTMENTS)
    elif isinstance(data, FeatureRequested):
        if data.premium:
            s.premium_requests = _newest(s.premium_requests, _key(data.feature), at, _MAX_PREMIUM_REQUESTS)
    elif isinstance(data, InterventionStarted):
        plan = Intervention(playbook=data.playbook, started_at=at, review_by=data.review_by)
        s.interventions = dict(
            sorted({**s.interventions, data.plan_id[:_KEY_LENGTH]: plan}.items(), key=lambda kv: kv[1].started_at)[
                -_MAX_INTERVENTIONS:
            ]
        )
    elif isinstance(data, InterventionEnded):
        s.interventions.pop(data.plan_id[:_KEY_LENGTH], None)
    if event.type in PEAK_EVENT_TYPES:
        previous_peak = s.last_peak_at.get(event.type.value)
        if previous_peak is None or at > previous_peak:
            s.last_peak_at[event.type.value] = at
    s.events_seen += 1
    s.recent_events = [*s.recent_events, short_id(event.event_id)][-RECENT_EVENTS:]
    s.updated_at = max(filter(None, (s.updated_at, at)))
    return s


def _key(text: str) -> str:
    return " ".join(text.split()).lower()[:_KEY_LENGTH]


def _newest(seen: dict[str, datetime], key: str, at: datetime, keep: int) -> dict[str, datetime]:
    """``key`` seen at ``at`` (the later of two sightings wins), keeping the ``keep`` most recent keys."""
    merged = {**seen, key: max(at, seen[key]) if key in seen else at}
    return dict(sorted(merged.items(), key=lambda kv: kv[1])[-keep:])


_ORDER = [Severity.LOW, Severity.NORMAL, Severity.HIGH, Severity.CRITICAL]


def _rank(severity: Severity) -> int:
    return _ORDER.index(severity)


def _ticket(s: AccountSignals, ticket_id: str, severity: Severity, status: TicketStatus, at: object) -> None:
    existing = s.open_tickets.get(ticket_id)
    if existing and at < existing.updated_at:  # type: ignore[operator]
        return  # an older update arriving late must not reopen or downgrade a ticket
    if not status.is_open:
        s.open_tickets.pop(ticket_id, None)
        return
    s.open_tickets[ticket_id] = OpenTicket(
        severity=severity, status=status.value, since=existing.since if existing else at, updated_at=at
    )
