"""A correctly signed delivery Boomerang could not use yet, as the quarantine keeps it."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from services.ingest.models.errors import QUARANTINED

#: Why a delivery is in the quarantine: the error codes of the refusals that keep it.
REASONS: tuple[str, ...] = tuple(refusal.code for refusal in QUARANTINED)
Reason = Literal["malformed_payload", "unmappable", "unknown_account"]  # REASONS, for the request model

Status = Literal["pending", "replayed"]
#: What became of one replay (``retry_later``: left as it was, its source unknown to this deployment).
Result = Literal["replayed", "quarantined", "not_found", "already_replayed", "retry_later"]


def quarantine_id(source: str, identity: bytes) -> str:
    """Derived from what identifies the delivery (its bytes, unless its source says otherwise: ``Source.
    quarantine_identity``): a vendor retrying the same delivery finds the same item, not a new one."""
    digest = hashlib.sha256(source.encode() + b"\x1f" + identity).hexdigest()
    return f"{source}-{digest[:20]}"


def listing_key(source: str, received_at: datetime, quarantine_id: str) -> str:
    """Where a pending item sorts in the listing (the ByReason index's sort key)."""
    return f"{source}#{received_at.isoformat()}#{quarantine_id}"


@dataclass(frozen=True)
class QuarantinedDelivery:
    quarantine_id: str
    source: str
    reason: str  # one of REASONS
    message: str  # what is wrong, as the vendor was told
    received_at: datetime  # when the delivery first arrived
    body: bytes
    content_type: str | None
    path: str  # the URL path it was posted to (no query: a Salesforce token must not be kept)
    verified: str  # how its authenticity was established at receipt (replays do not re-verify)
    waiting_for: tuple[str, ...] = ()  # unknown_account: the lookup keys whose arrival resolves it
    pending_events: tuple[str, ...] = ()  # the vendor event ids still to publish; empty means all
    status: Status = "pending"
    deliveries: int = 1  # how often the vendor sent it
    attempts: int = 0  # how often it was replayed
    last_seen_at: datetime | None = None
    outcome: str | None = None  # after a replay: accepted, duplicate or ignored
    event_ids: tuple[str, ...] = field(default_factory=tuple)
    raw_ref: str | None = None

    @property
    def listing_key(self) -> str:
        return listing_key(self.source, self.received_at, self.quarantine_id)


class ReplayRequest(BaseModel):
    """A direct invocation of the QuarantineReplay function (what ``boomerang quarantine replay`` sends)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    ids: list[str] = Field(default_factory=list, max_length=1000)
    reason: Reason | None = None
    source: str | None = None
    after: str | None = None  # a bulk replay continues after this listing position (the last answer's `next`)

    @model_validator(mode="after")
    def _one_target(self) -> ReplayRequest:
        if bool(self.ids) == bool(self.reason):
            raise ValueError("give either ids or a reason (bulk replay), not both or neither")
        if self.source and not self.reason:
            raise ValueError("source narrows a bulk replay by reason; it needs a reason")
        return self


@dataclass(frozen=True)
class ReplayResult:
    quarantine_id: str
    result: Result
    reason: str | None = None  # the new reason, when it is still quarantined
    message: str | None = None
    outcome: str | None = None  # accepted, duplicate or ignored, when it was replayed
    event_ids: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in self.__dict__.items() if v not in (None, ())}


@dataclass(frozen=True)
class ReplayAnswer:
    """The QuarantineReplay function's answer to a direct request."""

    results: list[ReplayResult]
    following: str | None = None  # a bulk replay that ran out of time continues after this listing position

    def as_dict(self) -> dict[str, Any]:
        answer: dict[str, Any] = {"results": [r.as_dict() for r in self.results], "more": self.following is not None}
        if self.following is not None:
            answer["next"] = self.following  # sent back as `after` to continue
        return answer
