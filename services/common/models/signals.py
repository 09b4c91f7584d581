"""What scoring remembers about an account and the trigger gates read (StateTable ``SIGNALS`` item)."""

from __future__ import annotations

import zlib
from datetime import date, datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from services.common.models.events import Severity
from services.common.storage import PK, SIGNALS_ATTRIBUTE, SK, Sk, account_key


class _State(BaseModel):
    model_config = ConfigDict(extra="ignore", defer_build=True)


class OpenTicket(_State):
    severity: Severity
    status: str
    since: AwareDatetime
    updated_at: AwareDatetime


class NpsAnswer(_State):
    score: int
    at: AwareDatetime
    contact_id: str | None = None


class Intervention(_State):
    """An active intervention plan (InterventionStarted, not yet InterventionEnded)."""

    playbook: str
    started_at: AwareDatetime
    review_by: date | None = None


class HealthSummary(_State):
    """The last health score, kept small: the signals item is written on every event (docs/cost.md).

    The full explanation is rebuilt from the signals when a HealthChanged is emitted.
    """

    score: float | None = None
    status: Literal["green", "yellow", "red"] | None = None
    since: AwareDatetime | None = Field(default=None, description="when the status last changed")
    low: bool = Field(default=False, description="insufficient data: below the configured coverage")
    pillars: list[float | None] = Field(default_factory=list, description="product, relationship, outcomes")
    sub: list[float | None] = Field(default_factory=list, description="sub-metrics, in submetrics.SUBMETRICS order")
    announced: float | None = Field(default=None, description="score of the last HealthChanged (delta baseline)")
    announced_status: Literal["green", "yellow", "red"] | None = None
    by: str | None = Field(default=None, description="short id of the event that caused the last HealthChanged")
    was: float | None = Field(default=None, description="previous_score of the last HealthChanged")
    was_status: Literal["green", "yellow", "red"] | None = None
    xq: bool = Field(default=False, description="expansion-qualified as of the latest score (crossings emit once)")
    xby: str | None = Field(default=None, description="short id of the event whose score crossed the threshold")


class AccountSignals(_State):
    account_id: str
    version: int = 0
    open_tickets: dict[str, OpenTicket] = Field(default_factory=dict)
    last_escalation_at: AwareDatetime | None = None
    nps: dict[str, NpsAnswer] = Field(default_factory=dict, description="latest answer per respondent")
    renewal_risk: bool = False
    renewal_risk_reason: str | None = None
    renewal_risk_at: AwareDatetime | None = None
    last_peak_at: dict[str, AwareDatetime] = Field(default_factory=dict)
    usage: dict[str, Any] = Field(default_factory=dict)
    usage_at: AwareDatetime | None = None
    last_meeting_at: AwareDatetime | None = None
    executive_changed_at: AwareDatetime | None = None
    champion_changed_at: AwareDatetime | None = None
    competitor_mentions: list[str] = Field(default_factory=list)
    last_payment_late_at: AwareDatetime | None = None
    # Health inputs kept by scoring's recorder (services/scoring/logic/recorder.py):
    meetings: str = Field(default="", description="latest meetings, oldest first: x missed, a attended, e with exec")
    last_exec_meeting_at: AwareDatetime | None = None
    response_hours: float | None = Field(default=None, description="customer response time (ResponseTimeReported)")
    response_at: AwareDatetime | None = None
    outcomes: dict[str, float] = Field(default_factory=dict, description="goals / roi / impact 0–10 (OutcomesReported)")
    outcomes_at: AwareDatetime | None = None
    departments: dict[str, AwareDatetime] = Field(
        default_factory=dict, description="department → latest interest (DepartmentInterestExpressed), newest kept"
    )
    premium_requests: dict[str, AwareDatetime] = Field(
        default_factory=dict, description="premium-tier feature → latest request (FeatureRequested), newest kept"
    )
    interventions: dict[str, Intervention] = Field(default_factory=dict, description="active plans by plan id")
    health: HealthSummary | None = None
    events_seen: int = 0
    recent_events: list[str] = Field(default_factory=list, description="short ids of the latest events applied")
    updated_at: AwareDatetime | None = None

    def has_applied(self, event_id: str) -> bool:
        return short_id(event_id) in self.recent_events

    def critical_tickets(self) -> dict[str, OpenTicket]:
        return {k: t for k, t in self.open_tickets.items() if t.severity is Severity.CRITICAL}

    def nps_answers_since(self, since: datetime) -> list[NpsAnswer]:
        return [a for a in self.nps.values() if a.at >= since]


RECENT_EVENTS = 32  # SQS redelivers within minutes; 32 events per account covers that window


def short_id(event_id: str) -> str:
    # 48 bits of the (uuid5) event id: collisions within one account's last 32 events are negligible,
    # and the short form keeps the signals item under 2 KB (2 write units).
    return event_id.replace("-", "")[:12]


def signals_key(account_id: str) -> dict[str, str]:
    return {PK: account_key(account_id), SK: Sk.SIGNALS}


def pack_signals(signals: AccountSignals) -> bytes:
    """The item's ``z`` attribute: the signals JSON (defaults left out), zlib-compressed.

    The item is written on every event, and DynamoDB bills a write unit per KB: a busy account's JSON is
    ~1.7 KB (2 units), compressed ~0.75 KB (1 unit) — $0.63 per 1M webhooks (docs/cost.md).
    """
    return zlib.compress(signals.model_dump_json(exclude_defaults=True).encode(), 6)


def unpack_signals(item: dict[str, Any], account_id: str) -> AccountSignals:
    """The signals a StateTable ``SIGNALS`` item holds (``z``, or the uncompressed ``signals`` it replaced)."""
    if not item:
        return AccountSignals(account_id=account_id)
    packed = item.get(SIGNALS_ATTRIBUTE)
    if packed is not None:
        return AccountSignals.model_validate_json(zlib.decompress(bytes(packed)))
    return AccountSignals.model_validate_json(item["signals"])
