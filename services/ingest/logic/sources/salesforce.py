"""Salesforce outbound messages (SOAP), docs/sources/salesforce.md.

Outbound messages are not signed. A delivery is authentic when (a) the endpoint URL carries the shared
token (``?token=...``, compared in constant time with ``salesforce_token``) and (b) its ``OrganizationId`` is
one of the configured ``organization_ids`` (15- or 18-character ids both accepted); a body too broken to name
one is refused as malformed (400) and, like every 400, kept in the quarantine. The XML is parsed with the
standard library after refusing any DOCTYPE, so no entity (internal or external) is ever expanded.

One message carries up to 100 ``Notification`` elements, each with its own ``Id`` (the dedupe key: Salesforce
retries for 24 h, out of order and possibly twice, always with the record's latest field values, so the Ids
also name the message's quarantine item, which keeps the newest body) and an ``sObject`` with the fields the
admin selected. Every accepted message, including one with nothing
Boomerang uses, is answered with the ``<Ack>true</Ack>`` envelope of the outbound messaging WSDL.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit
from xml.parsers import expat

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from services.common.models.events import EventType, Severity, TicketStatus
from services.common.storage import SOURCE_SECRET_KEYS, contact_namespace
from services.ingest.logic.signatures import require_equal
from services.ingest.logic.sources import Source
from services.ingest.logic.sources.payload import source_options
from services.ingest.models.errors import MalformedPayload, SignatureInvalid, Unmappable
from services.ingest.models.webhook import AccountRef, IdentityClaim, Parsed, Reply, VendorEvent, WebhookRequest

SOAP_NS = "http://schemas.xmlsoap.org/soap/envelope/"
OUTBOUND_NS = "http://soap.sforce.com/2005/09/outbound"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"

ACK = Reply(
    content_type="text/xml",
    body=(
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<soapenv:Envelope xmlns:soapenv="{SOAP_NS}">'
        "<soapenv:Body>"
        f'<notificationsResponse xmlns="{OUTBOUND_NS}"><Ack>true</Ack></notificationsResponse>'
        "</soapenv:Body>"
        "</soapenv:Envelope>"
    ),
)

_ID_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
_ALNUM = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")


def id18(value: str) -> str:
    """A Salesforce id in its 18-character form (the 15-character form plus its case checksum).

    Raises ValueError for anything that is not a 15- or 18-character alphanumeric id.
    """
    value = value.strip()
    if len(value) not in (15, 18) or not set(value) <= _ALNUM:
        raise ValueError(f"{value!r} is not a 15- or 18-character Salesforce id")
    base = value[:15]
    suffix = ""
    for chunk in range(3):
        bits = sum(1 << i for i, c in enumerate(base[chunk * 5 : chunk * 5 + 5]) if c.isupper())
        suffix += _ID_CHARS[bits]
    return base + suffix


class _Options(BaseModel):
    """``[sources.salesforce]`` in the rules file."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)

    organization_ids: list[str] = Field(default_factory=list)
    renewal_types: list[str] = Field(default_factory=lambda: ["Renewal"])
    expansion_types: list[str] = Field(default_factory=lambda: ["Expansion", "Upsell", "Existing Customer - Upgrade"])
    won_stages: list[str] = Field(default_factory=lambda: ["Closed Won"])
    risk_field: str = "Renewal_Risk__c"
    risk_values: list[str] = Field(default_factory=lambda: ["true", "yes", "at risk", "high"])
    role_field: str = "CS_Role__c"
    champion_values: list[str] = Field(default_factory=lambda: ["Champion"])
    executive_values: list[str] = Field(default_factory=lambda: ["Executive Sponsor", "Executive"])
    critical_priorities: list[str] = Field(default_factory=lambda: ["Critical"])
    case_statuses: dict[str, TicketStatus] = Field(default_factory=dict)

    @field_validator("organization_ids")
    @classmethod
    def _ids(cls, values: list[str]) -> list[str]:
        return [id18(v) for v in values]

    @field_validator(
        "renewal_types",
        "expansion_types",
        "won_stages",
        "risk_values",
        "champion_values",
        "executive_values",
        "critical_priorities",
    )
    @classmethod
    def _folded(cls, values: list[str]) -> list[str]:
        return [v.strip().lower() for v in values]

    @field_validator("case_statuses")
    @classmethod
    def _folded_keys(cls, values: dict[str, TicketStatus]) -> dict[str, TicketStatus]:
        return {k.strip().lower(): v for k, v in values.items()}

    @model_validator(mode="after")
    def _consistent(self) -> _Options:
        both = set(self.renewal_types) & set(self.expansion_types)
        if both:
            raise ValueError(f"{sorted(both)} are both renewal_types and expansion_types")
        roles = set(self.champion_values) & set(self.executive_values)
        if roles:
            raise ValueError(f"{sorted(roles)} are both champion_values and executive_values")
        return self


# Salesforce's standard Case statuses and priorities; case_statuses adds to / overrides the statuses.
_STATUSES = {
    "new": TicketStatus.NEW,
    "working": TicketStatus.OPEN,
    "escalated": TicketStatus.OPEN,
    "on hold": TicketStatus.ON_HOLD,
    "waiting on customer": TicketStatus.PENDING,
    "closed": TicketStatus.CLOSED,
}
_PRIORITIES = {"high": Severity.HIGH, "medium": Severity.NORMAL, "low": Severity.LOW}


@dataclass(frozen=True)
class _Notification:
    id: str
    type: str
    fields: dict[str, str | None]


def _refuse_doctype(body: bytes) -> None:
    """Refuse DTDs before ElementTree sees the body: no DOCTYPE means no entity can be declared."""

    def refuse(*_: Any) -> None:
        raise MalformedPayload("XML with a DOCTYPE or entity declaration is refused")

    parser = expat.ParserCreate()
    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    try:
        parser.Parse(body, True)
    except expat.ExpatError as exc:
        raise MalformedPayload(f"body is not well-formed XML: {exc}") from exc


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


class _Message:
    """A parsed ``notifications`` message."""

    def __init__(self, body: bytes):
        if not body:
            raise MalformedPayload("empty body; expected a SOAP outbound message")
        _refuse_doctype(body)
        try:
            root = ET.fromstring(body)
        except ET.ParseError as exc:  # pragma: no cover - expat already accepted it
            raise MalformedPayload(f"body is not well-formed XML: {exc}") from exc
        notifications = root.find(f"./{{{SOAP_NS}}}Body/{{{OUTBOUND_NS}}}notifications")
        if notifications is None:
            raise MalformedPayload("not a Salesforce outbound message: no soapenv:Body/notifications element")
        self.organization_id = (notifications.findtext(f"{{{OUTBOUND_NS}}}OrganizationId") or "").strip()
        self.notifications: list[_Notification] = []
        for index, element in enumerate(notifications.findall(f"{{{OUTBOUND_NS}}}Notification")):
            note_id = (element.findtext(f"{{{OUTBOUND_NS}}}Id") or "").strip()
            sobject = element.find(f"{{{OUTBOUND_NS}}}sObject")
            if not note_id or sobject is None:
                raise MalformedPayload(f"Notification[{index}] needs an Id and an sObject")
            kind = _local(sobject.get(f"{{{XSI_NS}}}type", "")).rpartition(":")[2]
            fields: dict[str, str | None] = {}
            for child in sobject:
                nil = child.get(f"{{{XSI_NS}}}nil") == "true"
                fields[_local(child.tag)] = None if nil else (child.text or "").strip()
            self.notifications.append(_Notification(note_id, kind, fields))


class Salesforce(Source):
    name = "salesforce"
    secret_key = SOURCE_SECRET_KEYS[name]

    def __init__(self, **options: Any):
        self.options = source_options(_Options, self.name, options)
        self._statuses = {**_STATUSES, **self.options.case_statuses}

    def verify(self, request: WebhookRequest, secrets: dict[str, str], now: datetime) -> None:
        tokens = parse_qs(urlsplit(request.url).query).get("token", [])
        require_equal(secrets[self.secret_key], tokens[0] if len(tokens) == 1 else None, "token in the endpoint URL")
        if not self.options.organization_ids:
            return  # token only: documented; organization_ids is strongly recommended
        try:
            org = _Message(request.body).organization_id
        except MalformedPayload:
            # The token authenticated it; a body that names no organization can't be checked further, and
            # parse() refuses it the same way: a 400 whose body is kept in the quarantine, never expanded.
            return
        try:
            org18 = id18(org)
        except ValueError:
            raise SignatureInvalid("missing or invalid OrganizationId") from None
        if org18 not in self.options.organization_ids:
            raise SignatureInvalid(f"OrganizationId {org} is not one of the configured organization_ids")

    def quarantine_identity(self, request: WebhookRequest) -> bytes:
        """The message's Notification Ids: Salesforce retries them with the records' latest field values."""
        try:
            notifications = _Message(request.body).notifications
        except MalformedPayload:
            return request.body
        if not notifications:
            return request.body
        return b"notifications:" + ",".join(sorted(n.id for n in notifications)).encode()

    def parse(self, request: WebhookRequest) -> Parsed:
        message = _Message(request.body)
        events: list[VendorEvent] = []
        skipped: list[str] = []
        claims: list[IdentityClaim] = []
        for note in message.notifications:
            claims.extend(self._claims(note))
            event = self._map(note, request.received_at)
            if isinstance(event, VendorEvent):
                events.append(event)
            else:
                skipped.append(event)
        if not events:
            reasons = "; ".join(dict.fromkeys(skipped)) or "no notifications"
            return Parsed(ignored=f"no Salesforce notification Boomerang uses: {reasons}", reply=ACK, claims=claims)
        return Parsed(events=events, reply=ACK, claims=claims)

    def _claims(self, note: _Notification) -> list[IdentityClaim]:
        """An Account's Website, a Contact's Email: what ties Salesforce's ids to ours (docs/sources)."""
        f = note.fields
        record_id, account_id = _safe_id18(f.get("Id")), _safe_id18(f.get("AccountId"))
        if note.type == "Account" and record_id and (f.get("Website") or "").strip():
            return [IdentityClaim(self.name, record_id, AccountRef(domain=f["Website"]), note.id)]
        email = (f.get("Email") or "").strip().lower()
        if note.type != "Contact" or not email:
            return []
        evidence = AccountRef(email=email)
        claims = [IdentityClaim(contact_namespace(self.name), record_id, evidence, note.id)] if record_id else []
        if account_id:
            claims.append(IdentityClaim(self.name, account_id, evidence, note.id))
        return claims

    def _map(self, note: _Notification, received_at: datetime) -> VendorEvent | str:
        f = note.fields
        if note.type == "Opportunity":
            return self._opportunity(note, received_at)
        if note.type == "Account":
            if self.options.risk_field not in f:
                return f"Account without {self.options.risk_field}"
            value = (f[self.options.risk_field] or "").strip()
            data = {
                "at_risk": value.lower() in self.options.risk_values,
                "reason": f"Salesforce {self.options.risk_field} = {value!r}" if value else "risk cleared",
            }
            return self._event(note, EventType.RENEWAL_RISK_FLAGGED, received_at, "Id", data)
        if note.type == "Contact":
            if self.options.role_field not in f:
                return f"Contact without {self.options.role_field}"
            role = (f[self.options.role_field] or "").strip().lower()
            if role in self.options.champion_values:
                kind = EventType.CHAMPION_CHANGED
            elif role in self.options.executive_values:
                kind = EventType.EXECUTIVE_CHANGED
            else:
                return f"Contact {self.options.role_field} = {role!r} is not a champion or executive value"
            name = f.get("Name") or " ".join(p for p in (f.get("FirstName"), f.get("LastName")) if p) or None
            data = {"change": "joined", "name": name, "title": f.get("Title") or None}
            email = (f.get("Email") or "").strip().lower() or None
            contact = _safe_id18(f.get("Id"))
            return self._event(note, kind, received_at, "AccountId", data, email=email, contact=contact)
        if note.type == "Case":
            return self._case(note, received_at)
        return f"{note.type or 'unknown object'} notifications"

    def _opportunity(self, note: _Notification, received_at: datetime) -> VendorEvent | str:
        f = note.fields
        stage = (f.get("StageName") or "").strip()
        won = (f.get("IsWon") or "").lower() == "true" or stage.lower() in self.options.won_stages
        kind_of_deal = (f.get("Type") or "").strip().lower()
        amount = _number(f.get("Amount"), note, "Amount")
        if won and kind_of_deal in self.options.renewal_types:
            data: dict[str, Any] = {"contract_id": note.fields.get("Id") or None, "arr": amount}
            return self._event(note, EventType.RENEWAL_SIGNED, received_at, "AccountId", data)
        if won and kind_of_deal in self.options.expansion_types:
            data = {"contract_id": note.fields.get("Id") or None, "added_arr": amount}
            return self._event(note, EventType.EXPANSION_SIGNED, received_at, "AccountId", data)
        if not stage:
            return "Opportunity without StageName"
        if not f.get("Id"):
            raise MalformedPayload(f"Notification {note.id}: Opportunity without Id")
        data = {"deal_id": f["Id"], "stage": stage, "pipeline": f.get("Type") or None, "amount": amount}
        return self._event(note, EventType.DEAL_STAGE_CHANGED, received_at, "AccountId", data)

    def _case(self, note: _Notification, received_at: datetime) -> VendorEvent | str:
        f = note.fields
        ticket = f.get("CaseNumber") or f.get("Id")
        if not ticket:
            raise MalformedPayload(f"Notification {note.id}: Case without Id or CaseNumber")
        priority = (f.get("Priority") or "").strip().lower()
        severity = (
            Severity.CRITICAL
            if priority in self.options.critical_priorities
            else _PRIORITIES.get(priority, Severity.NORMAL)
        )
        raw_status = (f.get("Status") or "").strip().lower()
        if (f.get("IsClosed") or "").lower() == "true":
            status = TicketStatus.CLOSED
        else:
            status = self._statuses.get(raw_status, TicketStatus.OPEN)
        created, modified = f.get("CreatedDate"), f.get("LastModifiedDate")
        opened = created == modified if created and modified else status is TicketStatus.NEW
        if opened:
            data: dict[str, Any] = {
                "ticket_id": ticket,
                "severity": severity,
                "status": status,
                "subject": f.get("Subject") or None,
            }
            return self._event(note, EventType.TICKET_OPENED, received_at, "AccountId", data)
        data = {"ticket_id": ticket, "severity": severity, "status": status}
        return self._event(note, EventType.TICKET_UPDATED, received_at, "AccountId", data)

    def _event(
        self,
        note: _Notification,
        kind: EventType,
        received_at: datetime,
        account_field: str,
        data: dict[str, Any],
        email: str | None = None,
        contact: str | None = None,
    ) -> VendorEvent:
        raw = note.fields.get(account_field)
        try:
            account = id18(raw) if raw else None
        except ValueError:
            raise MalformedPayload(f"Notification {note.id}: {account_field} {raw!r} is not a Salesforce id") from None
        if account is None and email is None and contact is None:
            raise Unmappable(
                f"Notification {note.id}: the {note.type} has no {account_field}; add {account_field} to the "
                "outbound message's fields (docs/sources/salesforce.md)"
            )
        return VendorEvent(
            type=kind,
            source_event_id=note.id,
            occurred_at=_when(note.fields.get("LastModifiedDate"), note) or received_at,
            account=AccountRef(source=self.name, external_id=account, email=email, contact_external_id=contact),
            data={k: (v.value if isinstance(v, TicketStatus | Severity) else v) for k, v in data.items()},
        )


def _safe_id18(value: str | None) -> str | None:
    try:
        return id18(value) if value else None
    except ValueError:
        return None


def _number(value: str | None, note: _Notification, field: str) -> float | None:
    if not value:
        return None
    try:
        number = float(value)
    except ValueError:
        raise MalformedPayload(f"Notification {note.id}: {field} {value!r} is not a number") from None
    return number if number >= 0 else None


def _when(value: str | None, note: _Notification) -> datetime | None:
    if not value:
        return None
    try:
        stamp = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise MalformedPayload(f"Notification {note.id}: LastModifiedDate {value!r} is not a dateTime") from None
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)
