"""Verify → parse → resolve the account → canonical events → publish. No AWS here: adapters are injected."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Protocol

from services.common.events import CATALOG, EventEnvelope, new_event
from services.ingest.logic.sources import Source
from services.ingest.models.webhook import (
    AccountRef,
    IngestResult,
    Parsed,
    UnknownAccount,
    UnknownSource,
    VendorEvent,
    WebhookError,
    WebhookRequest,
)


class IdentityLookup(Protocol):
    def account_for(self, source: str, external_id: str) -> str | None: ...
    def contact_for_email(self, email: str) -> tuple[str, str | None] | None: ...
    def account_exists(self, account_id: str) -> bool: ...


class Publisher(Protocol):
    def publish(self, events: list[EventEnvelope]) -> None: ...


class Once(Protocol):
    """Runs ``action`` once per key; a repeat returns the first result and ``True`` (a duplicate)."""

    def __call__(self, key: str, action: Callable[[], dict[str, object]]) -> tuple[dict[str, object], bool]: ...


class InProgress(WebhookError):
    status = 409
    code = "in_progress"


class SourceNotConfigured(WebhookError):
    status = 503
    code = "source_not_configured"


class IngestService:
    def __init__(
        self,
        sources: Mapping[str, Source],
        secrets: Callable[[], dict[str, str]],
        identities: IdentityLookup,
        publisher: Publisher,
        once: Once | None = None,
    ):
        self._sources = sources
        self._secrets = secrets
        self._identities = identities
        self._publisher = publisher
        # The Lambda handler passes Powertools Idempotency; without it every delivery is published.
        self._once: Once = once or (lambda _key, action: (action(), False))

    def accept(self, request: WebhookRequest) -> IngestResult:
        try:
            envelopes, parsed = self._normalize(request)
        except WebhookError as exc:
            return IngestResult(exc.status, {"error": exc.code, "message": exc.message})
        if parsed.ignored:
            return IngestResult(200, {"accepted": 0, "ignored": parsed.ignored}, parsed.reply)

        def publish() -> dict[str, object]:
            self._publisher.publish(envelopes)
            return {"accepted": len(envelopes), "event_ids": [e.event_id for e in envelopes]}

        try:
            answer, duplicate = self._once(delivery_key(request.source, parsed), publish)
        except InProgress as exc:
            return IngestResult(exc.status, {"error": exc.code, "message": exc.message})
        if duplicate:
            return IngestResult(200, {**answer, "duplicate": True}, parsed.reply)
        return IngestResult(202 if parsed.reply is None else 200, answer, parsed.reply)

    def _normalize(self, request: WebhookRequest) -> tuple[list[EventEnvelope], Parsed]:
        source = self._sources.get(request.source)
        if source is None:
            known = ", ".join(sorted(self._sources))
            raise UnknownSource(f"no webhook source {request.source!r}; known sources: {known}")
        secrets = self._secrets()
        secret_key = source.secret_key
        if not secrets.get(secret_key):
            raise SourceNotConfigured(f"{source.name} has no {secret_key} in the Boomerang secret yet")
        source.verify(request, secrets, request.received_at)
        parsed = source.parse(request)
        envelopes = [self._canonical(source.name, event, request.received_at) for event in parsed.events]
        return envelopes, parsed

    def _canonical(self, source: str, event: VendorEvent, received_at: datetime) -> EventEnvelope:
        account_id, contact_id = self._resolve(event.account)
        data = dict(event.data)
        if contact_id and "contact_id" in CATALOG[event.type].model_fields and not data.get("contact_id"):
            data["contact_id"] = contact_id
        return new_event(
            source=source,
            source_event_id=event.source_event_id,
            account_id=account_id,
            event_type=event.type,
            data=data,
            occurred_at=event.occurred_at,
            received_at=received_at,
        )

    def _resolve(self, ref: AccountRef) -> tuple[str, str | None]:
        """Our account id (and contact id when known). Never guesses: unresolved means UnknownAccount."""
        if ref.account_id:
            if self._identities.account_exists(ref.account_id):
                return ref.account_id, None
            raise UnknownAccount(f"unknown account id {ref.account_id!r}")
        if ref.email:
            found = self._identities.contact_for_email(ref.email)
            if found:
                return found
        if ref.source and ref.external_id:
            account_id = self._identities.account_for(ref.source, ref.external_id)
            if account_id:
                return account_id, None
        if ref.email and "@" in ref.email:
            account_id = self._identities.account_for("domain", ref.email.rsplit("@", 1)[1])
            if account_id:
                return account_id, None
        raise UnknownAccount("no account matches this event's respondent or ids; import the mapping and resend")


def delivery_key(source: str, parsed: Parsed) -> str:
    """The vendor's own ids for what this delivery carries: a redelivery has the same key."""
    ids = "\x1f".join(sorted(e.source_event_id for e in parsed.events))
    return hashlib.sha256(f"{source}\x1f{ids}".encode()).hexdigest()
