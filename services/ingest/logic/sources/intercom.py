"""Intercom conversation and ticket webhooks (docs/sources/intercom.md).

Signed as ``X-Hub-Signature: sha1=<hex>``: HMAC-SHA1 of the raw body keyed with the app's client secret
(Intercom's "Webhook models → Signed notifications"). Intercom sends no timestamp, so replays are caught by
deduplication on the notification id (``notif_…``), which stays the same when Intercom retries a delivery.

Body: ``{"type": "notification_event", "app_id", "id", "topic", "created_at", "delivery_attempts",
"data": {"type": "notification_event_data", "item": {...}}}`` where ``item`` is a Conversation or a Ticket
(for ``ticket.closed`` the Ticket is nested under ``item.ticket``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from services.common.models.events import EventType, Severity, TicketStatus
from services.common.storage import SOURCE_SECRET_KEYS
from services.ingest.logic.signatures import hmac_hex, require_equal
from services.ingest.logic.sources import Source
from services.ingest.logic.sources.payload import json_body, source_options, validate
from services.ingest.models.errors import MalformedPayload, Unmappable, describe
from services.ingest.models.webhook import AccountRef, Parsed, VendorEvent, WebhookRequest

SIGNATURE_HEADER = "x-hub-signature"

# Conversation topics → the status the conversation is in afterwards (None: read it from the item).
CONVERSATION_OPENED = "conversation.user.created"
CONVERSATION_STATUS: dict[str, TicketStatus | None] = {
    "conversation.admin.closed": TicketStatus.CLOSED,
    "conversation.admin.opened": TicketStatus.OPEN,
    "conversation.admin.snoozed": TicketStatus.ON_HOLD,
    "conversation.admin.unsnoozed": TicketStatus.OPEN,
    "conversation.priority.updated": None,
}
CONVERSATION_TAGGED = "conversation_part.tag.created"

TICKET_OPENED = "ticket.created"
TICKET_STATUS: dict[str, TicketStatus | None] = {
    "ticket.state.updated": None,
    "ticket.resolved": TicketStatus.SOLVED,
    "ticket.closed": TicketStatus.CLOSED,
}

# Conversation ``state`` and ticket state categories (``ticket_state`` is a string before API 2.14 and an
# object with a ``category`` from 2.14 on).
STATES: dict[str, TicketStatus] = {
    "open": TicketStatus.OPEN,
    "snoozed": TicketStatus.ON_HOLD,
    "closed": TicketStatus.CLOSED,
    "submitted": TicketStatus.NEW,
    "in_progress": TicketStatus.OPEN,
    "waiting_on_customer": TicketStatus.PENDING,
    "on_hold": TicketStatus.ON_HOLD,
    "resolved": TicketStatus.SOLVED,
}


class IntercomOptions(BaseModel):
    """``[sources.intercom]`` in the rules file."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    escalation_tags: list[str] = Field(default_factory=lambda: ["escalated"], min_length=1)
    priority_severity: Severity = Severity.HIGH

    @field_validator("escalation_tags")
    @classmethod
    def _tags(cls, value: list[str]) -> list[str]:
        tags = [tag.strip().lower() for tag in value]
        if any(not tag for tag in tags):
            raise ValueError("escalation tags must be non-empty tag names")
        return tags


class _Tag(BaseModel):
    model_config = ConfigDict(extra="ignore")
    name: str


class _TagList(BaseModel):
    model_config = ConfigDict(extra="ignore")
    tags: list[_Tag] = Field(default_factory=list)


class _Person(BaseModel):
    model_config = ConfigDict(extra="ignore")
    type: str | None = None
    id: str | None = None
    email: str | None = None


class _Source(BaseModel):
    model_config = ConfigDict(extra="ignore")
    subject: str | None = None
    author: _Person | None = None


class _Contacts(BaseModel):
    model_config = ConfigDict(extra="ignore")
    contacts: list[_Person] = Field(default_factory=list)


class _Company(BaseModel):
    model_config = ConfigDict(extra="ignore")
    id: str


class _Item(BaseModel):
    """The parts of a Conversation or Ticket that Boomerang reads."""

    model_config = ConfigDict(extra="ignore")
    type: str
    id: str
    created_at: int | None = None
    updated_at: int | None = None
    # conversations
    state: str | None = None
    priority: str | None = None
    title: str | None = None
    source: _Source | None = None
    tags: _TagList | None = None
    tags_added: _TagList | None = None
    # tickets
    ticket_id: str | None = None
    ticket_state: str | dict[str, Any] | None = None
    ticket_attributes: dict[str, Any] = Field(default_factory=dict)
    # both
    contacts: _Contacts | None = None
    company: _Company | None = None
    company_id: str | None = None

    @field_validator("id", "ticket_id", "company_id", mode="before")
    @classmethod
    def _text(cls, value: object) -> object:
        return str(value) if isinstance(value, int) else value


class _Data(BaseModel):
    model_config = ConfigDict(extra="ignore")
    item: dict[str, Any]


class _Notification(BaseModel):
    model_config = ConfigDict(extra="ignore")
    type: str
    id: str | None = None  # null on ping
    topic: str = Field(min_length=1)
    app_id: str | None = None
    created_at: int | None = None
    data: _Data


class Intercom(Source):
    name = "intercom"
    secret_key = SOURCE_SECRET_KEYS[name]

    def __init__(self, **options: Any):
        self.options = source_options(IntercomOptions, self.name, options)
        self.escalation_tags = set(self.options.escalation_tags)

    def verify(self, request: WebhookRequest, secrets: dict[str, str], now: datetime) -> None:
        expected = "sha1=" + hmac_hex(secrets[self.secret_key], request.body, "sha1")
        require_equal(expected, request.headers.get(SIGNATURE_HEADER), "X-Hub-Signature")

    def parse(self, request: WebhookRequest) -> Parsed:
        notification = validate(_Notification, json_body(request.body))
        if notification.type != "notification_event":
            raise MalformedPayload(f"type: expected 'notification_event', got {notification.type!r}")
        topic = notification.topic
        if topic == "ping":
            return Parsed(ignored="ping")
        known = {CONVERSATION_OPENED, CONVERSATION_TAGGED, TICKET_OPENED, *CONVERSATION_STATUS, *TICKET_STATUS}
        if topic not in known:
            return Parsed(ignored=f"topic {topic} carries nothing Boomerang uses")
        if not notification.id:
            raise MalformedPayload("id: the notification has no id to deduplicate on")

        raw = notification.data.item
        if topic == "ticket.closed" and isinstance(raw.get("ticket"), dict):
            raw = raw["ticket"]  # API 2.15+: the Ticket is nested for this topic only
        try:
            item = _Item.model_validate(raw)
        except ValidationError as exc:
            raise MalformedPayload(f"data.item.{describe(exc)}") from exc
        events = self.map(topic, notification, item)
        if not events:
            return Parsed(ignored=f"{topic}: no escalation tag ({', '.join(sorted(self.escalation_tags))}) added")
        return Parsed(events=events)

    # --- mapping --------------------------------------------------------------------------------------

    def map(self, topic: str, notification: _Notification, item: _Item) -> list[VendorEvent]:
        key = notification.id or ""
        stamp = notification.created_at or item.updated_at or item.created_at
        if stamp is None:
            raise MalformedPayload("created_at: the notification carries no time")
        occurred = datetime.fromtimestamp(stamp, UTC)
        account = self.account(item)
        ticket_id = item.id
        severity = self.severity(item)

        if topic in (CONVERSATION_OPENED, TICKET_OPENED):
            status = self.status(item) or (TicketStatus.NEW if topic == TICKET_OPENED else TicketStatus.OPEN)
            events = [
                VendorEvent(
                    type=EventType.TICKET_OPENED,
                    source_event_id=key,
                    occurred_at=occurred,
                    account=account,
                    data={"ticket_id": ticket_id, "severity": severity, "status": status, "subject": _subject(item)},
                )
            ]
            hit = self.escalation_hit(item.tags)
            if hit:
                events.append(self._escalated(key, ticket_id, severity, hit, occurred, account))
            return events
        if topic == CONVERSATION_TAGGED:
            hit = self.escalation_hit(item.tags_added or item.tags)
            if not hit:
                return []
            return [self._escalated(key, ticket_id, severity, hit, occurred, account)]

        fixed = CONVERSATION_STATUS.get(topic) or TICKET_STATUS.get(topic)
        after = fixed or self.status(item)
        if after is None:
            raise Unmappable(f"{topic}: the {item.type} carries no state to map")
        return [
            VendorEvent(
                type=EventType.TICKET_UPDATED,
                source_event_id=key,
                occurred_at=occurred,
                account=account,
                data={"ticket_id": ticket_id, "severity": severity, "status": after},
            )
        ]

    def severity(self, item: _Item) -> Severity:
        """Intercom marks a conversation ``priority`` or ``not_priority``; tickets carry no priority."""
        return self.options.priority_severity if item.priority == "priority" else Severity.NORMAL

    @staticmethod
    def status(item: _Item) -> TicketStatus | None:
        state = item.ticket_state if item.ticket_state is not None else item.state
        if isinstance(state, dict):
            state = state.get("category")
        if state is None:
            return None
        if not isinstance(state, str) or state.lower() not in STATES:
            raise Unmappable(f"Intercom state {state!r} is not one of {sorted(STATES)}")
        return STATES[state.lower()]

    def escalation_hit(self, tags: _TagList | None) -> list[str]:
        names = {tag.name.strip().lower() for tag in tags.tags} if tags else set()
        return sorted(names & self.escalation_tags)

    def account(self, item: _Item) -> AccountRef:
        company = item.company.id if item.company else item.company_id
        email = None
        if item.source and item.source.author and item.source.author.type in ("user", "lead", "contact"):
            email = item.source.author.email
        if not email and item.contacts:
            email = next((c.email for c in item.contacts.contacts if c.email), None)
        email = (email or "").strip().lower() or None
        if not company and not email:
            raise Unmappable(f"the {item.type} names no company and no contact email; Boomerang can't tell whose it is")
        return AccountRef(source=self.name, external_id=company or None, email=email)

    def _escalated(
        self, key: str, ticket_id: str, severity: Severity, tags: list[str], occurred: datetime, account: AccountRef
    ) -> VendorEvent:
        return VendorEvent(
            type=EventType.TICKET_ESCALATED,
            source_event_id=key,
            occurred_at=occurred,
            account=account,
            data={
                "ticket_id": ticket_id,
                "severity": Severity.CRITICAL if severity == Severity.CRITICAL else Severity.HIGH,
                "reason": "tagged " + ", ".join(tags),
            },
        )


def _subject(item: _Item) -> str | None:
    title = item.ticket_attributes.get("_default_title_") or item.title
    if not title and item.source:
        title = item.source.subject
    return str(title) if title else None
