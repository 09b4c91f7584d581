"""What ingest receives and what it answers."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from services.common.events import EventType


@dataclass(frozen=True)
class WebhookRequest:
    source: str
    headers: dict[str, str]  # lower-cased names
    body: bytes
    received_at: datetime
    method: str = "POST"
    path: str = ""
    url: str = ""  # the full URL the vendor called (scheme://host/path?query): HubSpot signs it


@dataclass(frozen=True)
class AccountRef:
    """How a vendor names the account: its own id, a respondent's email, a domain, or our id."""

    source: str | None = None
    external_id: str | None = None
    email: str | None = None
    account_id: str | None = None


@dataclass(frozen=True)
class VendorEvent:
    """One vendor event mapped to a canonical type, before the account is resolved."""

    type: EventType
    source_event_id: str
    occurred_at: datetime
    account: AccountRef
    data: dict[str, Any]


@dataclass(frozen=True)
class Reply:
    """A vendor-specific success answer (Salesforce expects a SOAP Ack, not JSON)."""

    content_type: str
    body: str


@dataclass(frozen=True)
class Parsed:
    events: list[VendorEvent] = field(default_factory=list)
    ignored: str | None = None  # why a well-formed delivery carries nothing Boomerang uses
    reply: Reply | None = None


@dataclass(frozen=True)
class IngestResult:
    status: int
    body: dict[str, Any]
    reply: Reply | None = None  # when set, answered instead of the JSON body


class WebhookError(Exception):
    """A delivery we refuse; ``status`` and ``code`` become the HTTP answer."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class UnknownSource(WebhookError):
    status = 404
    code = "unknown_source"


class SignatureInvalid(WebhookError):
    status = 401
    code = "invalid_signature"


class MalformedPayload(WebhookError):
    status = 400
    code = "malformed_payload"


class Unmappable(WebhookError):
    status = 422
    code = "unmappable"


class UnknownAccount(WebhookError):
    status = 422
    code = "unknown_account"
