"""What ingest receives and what it answers."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, NamedTuple

from services.common.models.events import EventType


@dataclass(slots=True)  # built per delivery: a frozen field costs a call each (see IngestResult)
class WebhookRequest:
    source: str
    headers: dict[str, str]  # lower-cased names
    body: bytes
    received_at: datetime
    method: str = "POST"
    path: str = ""
    url: str = ""  # the full URL the vendor called (scheme://host/path?query): HubSpot signs it


@dataclass(slots=True)  # built per delivery: a frozen field costs a call each (see IngestResult)
class AccountRef:
    """How a vendor names the account: its own id, a respondent's email, a domain, or our id.

    ``contact_external_id`` is the vendor's id of the person (``source``'s contact namespace): a contact
    event that names only the person resolves through it (``LOOKUP#<source>:contact#<id>``).
    """

    source: str | None = None
    external_id: str | None = None
    email: str | None = None
    account_id: str | None = None
    contact_external_id: str | None = None
    domain: str | None = None


class Identity(NamedTuple):  # a tuple: built for every event on the hot path, ten times cheaper than a dataclass
    """Ours: the account an event is about, and the contact when the vendor named a person we know."""

    account_id: str
    contact_id: str | None = None


@dataclass(frozen=True)
class IdentityClaim:
    """A vendor record tied to something we know: ``(source, external_id)`` is the one ``evidence`` names.

    Ingest records the mapping only when the evidence resolves to exactly one account (and, for a contact
    claim, one contact) and no other account already holds that vendor id: learned, never guessed.
    """

    source: str  # the lookup namespace: "hubspot" (a company) or contact_namespace("hubspot") (a person)
    external_id: str
    evidence: AccountRef
    source_event_id: str  # the vendor event that taught it (kept with the mapping)


@dataclass(slots=True)  # built per delivery: a frozen field costs a call each (see IngestResult)
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


@dataclass(slots=True)  # built per delivery: a frozen field costs a call each (see IngestResult)
class Parsed:
    events: list[VendorEvent] = field(default_factory=list)
    ignored: str | None = None  # why a well-formed delivery carries nothing Boomerang uses
    reply: Reply | None = None
    claims: list[IdentityClaim] = field(default_factory=list)  # vendor ids this delivery ties to our records


Outcome = Literal["accepted", "duplicate", "ignored", "quarantined", "rejected"]


@dataclass(slots=True)  # not frozen: built for every delivery, and frozen fields cost a call each
class IngestResult:
    status: int
    body: dict[str, Any]
    reply: Reply | None = None  # when set, answered instead of the JSON body
    outcome: Outcome = "rejected"
    reason: str | None = None  # the error code of a rejected or quarantined delivery
    quarantine_id: str | None = None
    raw_ref: str | None = None  # where the accepted body is archived (not told to the vendor)
    notes: dict[str, int] = field(default_factory=dict)  # counts for metrics, e.g. identities learned
