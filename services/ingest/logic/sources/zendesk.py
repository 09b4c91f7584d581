"""Zendesk Support ticket webhooks (docs/sources/zendesk.md).

Signed as ``X-Zendesk-Webhook-Signature: base64(HMAC-SHA256(signing secret, timestamp + raw body))`` with
the timestamp in ``X-Zendesk-Webhook-Signature-Timestamp`` (ISO-8601, e.g. ``2021-03-25T05:09:27Z``); Zendesk's
"Verifying webhook authenticity" page. Zendesk sets no replay window, so deliveries more than 5 minutes from
now are refused here.

Two kinds of body arrive on the same URL:

- **event subscriptions** (``{"type": "zen:event-type:ticket.created", "id", "time", "account_id", "detail":
  {ticket}, "event": {...}}``): ids are strings and enums are upper-case (``"OPEN"``, ``"URGENT"``). The
  dedupe key is the event's own ``id``.
- **trigger/automation webhooks** whose JSON body the admin pastes from our template (``"boomerang": 1``,
  rendered placeholders such as ``"Open"``, ``"Urgent"``, ``"On-hold"``). The dedupe key is built from the
  ticket id, the template's ``event`` and the ticket's state and update time, so a retried delivery maps to
  the same event id.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from services.common.models.events import EventType, Severity, TicketStatus
from services.common.storage import SOURCE_SECRET_KEYS
from services.ingest.logic.signatures import hmac_b64, require_equal, require_fresh
from services.ingest.logic.sources import Source
from services.ingest.logic.sources.payload import json_body, source_options, validate
from services.ingest.models.errors import MalformedPayload, SignatureInvalid, Unmappable, describe
from services.ingest.models.webhook import AccountRef, Parsed, VendorEvent, WebhookRequest

SIGNATURE_HEADER = "x-zendesk-webhook-signature"
TIMESTAMP_HEADER = "x-zendesk-webhook-signature-timestamp"
EVENT_PREFIX = "zen:event-type:"

PRIORITIES = ("low", "normal", "high", "urgent")
DEFAULT_SEVERITY: dict[str, Severity] = {
    "low": Severity.LOW,
    "normal": Severity.NORMAL,
    "high": Severity.HIGH,
    "urgent": Severity.CRITICAL,
}
# Event payloads say NEW/OPEN/PENDING/HOLD/SOLVED/CLOSED; the {{ticket.status}} placeholder says
# New/Open/Pending/On-hold/Solved/Closed. Both normalize (lower-case, "-"/" " → "_") to these keys.
STATUSES: dict[str, TicketStatus] = {
    "new": TicketStatus.NEW,
    "open": TicketStatus.OPEN,
    "pending": TicketStatus.PENDING,
    "hold": TicketStatus.ON_HOLD,
    "on_hold": TicketStatus.ON_HOLD,
    "solved": TicketStatus.SOLVED,
    "closed": TicketStatus.CLOSED,
}
# Statuses Zendesk can report for a ticket that has left the workflow: acknowledged, not mapped.
GONE_STATUSES = {"deleted", "archived", "scrubbed"}

CREATED = "ticket.created"
STATUS_CHANGED = "ticket.status_changed"
PRIORITY_CHANGED = "ticket.priority_changed"
TAGS_CHANGED = "ticket.tags_changed"


class ZendeskOptions(BaseModel):
    """``[sources.zendesk]`` in the rules file."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    escalation_tags: list[str] = Field(default_factory=lambda: ["escalated"], min_length=1)
    severity_map: dict[str, Severity] = Field(default_factory=dict)

    @field_validator("escalation_tags")
    @classmethod
    def _tags(cls, value: list[str]) -> list[str]:
        tags = [tag.strip().lower() for tag in value]
        if any(not tag or " " in tag for tag in tags):
            raise ValueError("escalation tags must be non-empty Zendesk tags without spaces")
        return tags

    @field_validator("severity_map")
    @classmethod
    def _priorities(cls, value: dict[str, Severity]) -> dict[str, Severity]:
        unknown = sorted(set(value) - set(PRIORITIES))
        if unknown:
            raise ValueError(f"unknown Zendesk priorities {unknown}; use {list(PRIORITIES)}")
        return value


class _Detail(BaseModel):
    """The ticket in an event-subscription payload (ids are strings there, numbers in older samples)."""

    model_config = ConfigDict(extra="ignore")
    id: str | int
    status: str | None = None
    priority: str | None = None
    organization_id: str | int | None = None
    requester_id: str | int | None = None
    subject: str | None = None
    tags: list[str] = Field(default_factory=list)


class _Envelope(BaseModel):
    model_config = ConfigDict(extra="ignore")
    type: str
    id: str = Field(min_length=1)
    time: datetime
    account_id: int | str | None = None
    detail: dict[str, Any] = Field(default_factory=dict)
    event: dict[str, Any] = Field(default_factory=dict)


class _Trigger(BaseModel):
    """The body of docs/sources/zendesk.md's trigger template, after Zendesk renders the placeholders."""

    model_config = ConfigDict(extra="ignore")
    boomerang: Literal[1, "1"]
    event: Literal["ticket_created", "ticket_updated", "ticket_escalated"]
    ticket_id: str = Field(min_length=1)
    status: str = ""
    priority: str = ""
    tags: str | list[str] = ""
    organization_id: str = ""
    requester_email: str = ""
    subject: str | None = None
    updated_at: str = Field(min_length=1)

    @field_validator("ticket_id", "organization_id", mode="before")
    @classmethod
    def _text(cls, value: object) -> object:
        return str(value) if isinstance(value, int) else value


class Zendesk(Source):
    name = "zendesk"
    secret_key = SOURCE_SECRET_KEYS[name]

    def __init__(self, **options: Any):
        self.options = source_options(ZendeskOptions, self.name, options)
        self.severities = {**DEFAULT_SEVERITY, **self.options.severity_map}
        self.escalation_tags = set(self.options.escalation_tags)

    # --- authenticity ---------------------------------------------------------------------------------

    def verify(self, request: WebhookRequest, secrets: dict[str, str], now: datetime) -> None:
        timestamp = request.headers.get(TIMESTAMP_HEADER, "").strip()
        if not timestamp:
            raise SignatureInvalid("missing X-Zendesk-Webhook-Signature-Timestamp")
        expected = hmac_b64(secrets[self.secret_key], timestamp.encode() + request.body)
        require_equal(expected, request.headers.get(SIGNATURE_HEADER), "X-Zendesk-Webhook-Signature")
        try:
            sent_at = _timestamp(timestamp)
        except ValueError as exc:
            raise SignatureInvalid("X-Zendesk-Webhook-Signature-Timestamp is not an ISO-8601 time") from exc
        require_fresh(sent_at, now, "X-Zendesk-Webhook-Signature-Timestamp")

    # --- mapping --------------------------------------------------------------------------------------

    def parse(self, request: WebhookRequest) -> Parsed:
        body = json_body(request.body)
        if not isinstance(body, dict):
            raise MalformedPayload("expected a JSON object")
        if "boomerang" in body:
            return self.parse_trigger(validate(_Trigger, body))
        if isinstance(body.get("type"), str) and body["type"].startswith(EVENT_PREFIX):
            return self.parse_event(validate(_Envelope, body))
        raise MalformedPayload(
            "not a Zendesk event (type: zen:event-type:…) nor the Boomerang trigger template "
            '("boomerang": 1); see docs/sources/zendesk.md'
        )

    def parse_event(self, envelope: _Envelope) -> Parsed:
        kind = envelope.type.removeprefix(EVENT_PREFIX)
        if kind not in (CREATED, STATUS_CHANGED, PRIORITY_CHANGED, TAGS_CHANGED):
            return Parsed(ignored=f"{envelope.type} carries nothing Boomerang uses")
        try:
            ticket = _Detail.model_validate(envelope.detail)
        except ValidationError as exc:
            raise MalformedPayload(f"detail.{describe(exc)}") from exc
        ticket_id = str(ticket.id)
        occurred = _aware(envelope.time)
        account = self._account(ticket.organization_id, None)
        current = envelope.event.get("current")

        status_text = current if kind == STATUS_CHANGED and isinstance(current, str) else ticket.status
        if status_text and _norm(status_text) in GONE_STATUSES:
            return Parsed(ignored=f"ticket {ticket_id} is {status_text.lower()}; nothing to track")
        priority_text = current if kind == PRIORITY_CHANGED and isinstance(current, str) else ticket.priority

        if kind == TAGS_CHANGED:
            added = _added_tags(envelope.event)
            hit = sorted(added & self.escalation_tags)
            if not hit:
                return Parsed(ignored=f"ticket {ticket_id}: no escalation tag added")
            return Parsed(events=[self._escalated(envelope.id, ticket_id, priority_text, hit, occurred, account)])

        severity = self.severity(priority_text)
        status = self.status(status_text, default=TicketStatus.NEW if kind == CREATED else None)
        if kind == CREATED:
            events = [_opened(envelope.id, ticket_id, severity, status, ticket.subject, occurred, account)]
            hit = sorted({t.lower() for t in ticket.tags} & self.escalation_tags)
            if hit:
                events.append(self._escalated(envelope.id, ticket_id, priority_text, hit, occurred, account))
            return Parsed(events=events)
        return Parsed(events=[_updated(envelope.id, ticket_id, severity, status, occurred, account)])

    def parse_trigger(self, body: _Trigger) -> Parsed:
        try:
            occurred = _timestamp(body.updated_at)
        except ValueError as exc:
            raise MalformedPayload(
                f"updated_at: {body.updated_at!r} is not an ISO-8601 time; use {{{{ticket.updated_at_with_timestamp}}}}"
            ) from exc
        ticket_id = body.ticket_id.strip()
        account = self._account(body.organization_id, body.requester_email)
        tags = body.tags.split() if isinstance(body.tags, str) else body.tags
        hit = sorted({t.lower() for t in tags} & self.escalation_tags)
        if body.status and _norm(body.status) in GONE_STATUSES:
            return Parsed(ignored=f"ticket {ticket_id} is {body.status.lower()}; nothing to track")

        if body.event == "ticket_escalated":
            reason = hit or ["trigger"]
            return Parsed(
                events=[self._escalated(f"trigger:{ticket_id}", ticket_id, body.priority, reason, occurred, account)]
            )
        severity = self.severity(body.priority)
        events: list[VendorEvent] = []
        if body.event == "ticket_created":
            status = self.status(body.status, default=TicketStatus.NEW)
            key = f"trigger:{ticket_id}:created"
            events.append(_opened(key, ticket_id, severity, status, body.subject, occurred, account))
        else:
            status = self.status(body.status, default=None)
            # Zendesk renders updated_at to the minute: status and priority keep two different changes in the
            # same minute apart, while a retry of one delivery keeps its key.
            key = f"trigger:{ticket_id}:updated:{body.updated_at}:{status}:{severity}"
            events.append(_updated(key, ticket_id, severity, status, occurred, account))
        if hit:
            # One escalation per ticket: later updates of a still-tagged ticket map to the same event id.
            events.append(self._escalated(f"trigger:{ticket_id}", ticket_id, body.priority, hit, occurred, account))
        return Parsed(events=events)

    # --- the pieces -----------------------------------------------------------------------------------

    def severity(self, priority: str | None) -> Severity:
        """Zendesk priority → Severity; a ticket without a priority is normal."""
        key = _norm(priority or "")
        if key in ("", "none", "_", "-"):
            return self.severities["normal"]
        if key not in self.severities:
            raise Unmappable(f"Zendesk priority {priority!r} is not one of {list(PRIORITIES)}")
        return self.severities[key]

    @staticmethod
    def status(status: str | None, default: TicketStatus | None) -> TicketStatus:
        key = _norm(status or "")
        if not key and default is not None:
            return default
        if key not in STATUSES:
            raise Unmappable(f"Zendesk status {status!r} is not one of new/open/pending/hold/solved/closed")
        return STATUSES[key]

    def _account(self, organization_id: str | int | None, email: str | None) -> AccountRef:
        org = str(organization_id).strip() if organization_id is not None else ""
        org = "" if org in ("0", "None", "null") else org
        mail = (email or "").strip().lower() or None
        if not org and not mail:
            raise Unmappable(
                "the ticket has no organization (and no requester email); add the requester to an organization "
                "or send {{ticket.requester.email}}"
            )
        return AccountRef(source=self.name, external_id=org or None, email=mail)

    def _escalated(
        self,
        key: str,
        ticket_id: str,
        priority: str | None,
        tags: list[str],
        occurred: datetime,
        account: AccountRef,
    ) -> VendorEvent:
        # An escalation is at least high, whatever the priority says.
        severity = max(self.severity(priority), Severity.HIGH, key=_RANK.index)
        return VendorEvent(
            type=EventType.TICKET_ESCALATED,
            source_event_id=key,
            occurred_at=occurred,
            account=account,
            data={"ticket_id": ticket_id, "severity": severity, "reason": "tagged " + ", ".join(tags)},
        )


_RANK = [Severity.LOW, Severity.NORMAL, Severity.HIGH, Severity.CRITICAL]


def _opened(
    key: str,
    ticket_id: str,
    severity: Severity,
    status: TicketStatus,
    subject: str | None,
    occurred: datetime,
    account: AccountRef,
) -> VendorEvent:
    data = {"ticket_id": ticket_id, "severity": severity, "status": status, "subject": subject}
    return VendorEvent(EventType.TICKET_OPENED, key, occurred, account, data)


def _updated(
    key: str, ticket_id: str, severity: Severity, status: TicketStatus, occurred: datetime, account: AccountRef
) -> VendorEvent:
    data = {"ticket_id": ticket_id, "severity": severity, "status": status}
    return VendorEvent(EventType.TICKET_UPDATED, key, occurred, account, data)


def _norm(text: str) -> str:
    return text.strip().lower().replace("-", "_").replace(" ", "_")


def _added_tags(event: dict[str, Any]) -> set[str]:
    """Tags added by a ``ticket.tags_changed`` event: ``{"added": {"tags": [...]}, "removed": {...}}``."""
    added = event.get("added")
    if isinstance(added, dict):
        added = added.get("tags")
    if not isinstance(added, list):
        return set()
    return {str(tag).strip().lower() for tag in added}


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _timestamp(text: str) -> datetime:
    """ISO-8601 as Zendesk writes it (``2021-03-25T05:09:27Z``, ``2013-12-12T05:35Z``, ``…+0100``)."""
    text = text.strip()
    if text.isdigit():
        return datetime.fromtimestamp(int(text), UTC)
    return _aware(datetime.fromisoformat(text))
