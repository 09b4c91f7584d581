"""Verify → parse → learn identities → resolve the account → canonical events → archive + publish.

No AWS here: the adapters are injected through the ports (services/ingest/logic/ports.py). What each answer means:

* 404 unknown source, 401 bad signature (nothing is kept or published), 503 source secret not configured;
* 400 malformed / 422 unmappable / 422 unknown account: the delivery is kept in the quarantine (answer
  carries its ``quarantine_id``); a batch where only some events' accounts are unknown publishes the
  others (202) and quarantines the rest;
* 200 ignored (well formed, nothing Boomerang uses) or duplicate (same vendor ids as an earlier delivery);
* 202 accepted (200 with the vendor's own reply, e.g. Salesforce's SOAP Ack): the raw body is archived and
  every event on the bus carries its ``raw_ref``. Identical deliveries in flight at the same moment all get it,
  with the same event ids (there is no "still being processed" answer).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import UTC, datetime

from pydantic import ValidationError

from services.common.models.events import CATALOG, EventEnvelope, new_event
from services.ingest.logic.fit import fit, may_exceed
from services.ingest.logic.identities import learn, resolve
from services.ingest.logic.ports import (
    Archive,
    DeliveryTelemetry,
    IdentityLookup,
    Once,
    Publisher,
    QuarantineStore,
    Secrets,
)
from services.ingest.logic.raw import RawDelivery
from services.ingest.logic.sources import Source
from services.ingest.models.errors import (
    QUARANTINED,
    SourceNotConfigured,
    UnknownAccount,
    UnknownSource,
    Unmappable,
    WebhookError,
    describe,
)
from services.ingest.models.quarantine import QuarantinedDelivery, quarantine_id
from services.ingest.models.webhook import IngestResult, VendorEvent, WebhookRequest


class IngestService:
    def __init__(
        self,
        sources: Mapping[str, Source],
        secrets: Secrets,
        identities: IdentityLookup,
        publisher: Publisher,
        once: Once | None = None,
        *,
        archive: Archive,
        quarantine: QuarantineStore,
        telemetry: DeliveryTelemetry | None = None,
    ):
        self._sources = sources
        self._secrets = secrets
        self._identities = identities
        self._publisher = publisher
        # wiring passes Powertools Idempotency (adapters/idempotency.py); without it every delivery is published.
        self._once: Once = once or (lambda _key, action: (action(), False))
        self._archive = archive
        self._quarantine = quarantine
        self._telemetry = telemetry  # the function counts and logs each live delivery; tests and benchmarks need not

    def accept(self, request: WebhookRequest) -> IngestResult:
        """A live delivery: verify it, then process it; what it came to is counted and logged."""
        source = self._sources.get(request.source)
        try:
            if source is None:
                known = ", ".join(sorted(self._sources))
                raise UnknownSource(f"no webhook source {request.source!r}; known sources: {known}")
            secrets = self._secrets()
            if not secrets.get(source.secret_key):
                raise SourceNotConfigured(f"{source.name} has no {source.secret_key} in the Boomerang secret yet")
            source.verify(request, secrets, request.received_at)
        except WebhookError as exc:
            result = _refused(exc)
        else:
            result = self._process(source, request, None)
        if self._telemetry is not None:
            self._telemetry.delivery(request.source, result)
        return result

    def replay(self, item: QuarantinedDelivery) -> IngestResult:
        """Parse → resolve → publish a quarantined delivery again, with today's mappings and rules."""
        source = self._sources.get(item.source)
        if source is None:
            return _refused(UnknownSource(f"no webhook source {item.source!r} any more"))
        request = WebhookRequest(
            source=item.source,
            headers={"content-type": item.content_type} if item.content_type else {},
            body=item.body,
            received_at=item.received_at,
            path=item.path,
        )
        return self._process(source, request, item.verified, replaying=item)

    # ------------------------------------------------------------------ the work after verification
    def _process(
        self,
        source: Source,
        request: WebhookRequest,
        verified: str | None,
        replaying: QuarantinedDelivery | None = None,
    ) -> IngestResult:
        """``verified`` says how the delivery was authenticated; None: just now, by ``source.verify``."""
        notes: dict[str, int] = {}
        try:
            parsed = source.parse(request)
            if parsed.claims:
                for outcome in learn(parsed.claims, self._identities, source.name):
                    note = f"identity_{outcome}"
                    notes[note] = notes.get(note, 0) + 1
            events = parsed.events
            if replaying is not None and replaying.pending_events:
                events = [e for e in events if e.source_event_id in replaying.pending_events]
            if not events:
                why = parsed.ignored or "nothing left to publish"
                return IngestResult(200, {"accepted": 0, "ignored": why}, parsed.reply, "ignored", notes=notes)
            # A replay is archived now, not at the original receipt: its raw_ref names the hour it is filed in.
            stored_at = None if replaying is None else datetime.now(UTC)
            content_type = request.headers.get("content-type")
            raw = RawDelivery.new(source.name, request.received_at, content_type, request.body, stored_at)
            raw_ref = self._archive.reference(raw)
            envelopes, unknown = self._canonical(source.name, events, request.received_at, raw_ref)
            if not envelopes:
                raise unknown[0][1] if len(unknown) == 1 else _all_unknown(unknown)
            if may_exceed(request.body):
                envelopes = [fit(e) for e in envelopes]
        except QUARANTINED as exc:
            return self._keep(source, request, exc, verified, replaying, notes=notes)

        def publish() -> dict[str, object]:
            # The body is stored while the events are put on the bus (a webhook → DM hop saved); the answer
            # waits for both. If either fails the vendor gets a 5xx and retries the same bytes: same raw_ref.
            stored = self._archive.begin(raw)
            try:
                self._publisher.publish(envelopes)
            finally:
                stored()
            return {"accepted": len(envelopes), "event_ids": [e.event_id for e in envelopes]}

        # Twins in flight at the same moment all publish (the same event ids: consumers apply each once) and all
        # answer 202; a later redelivery finds the completed record (services/ingest/adapters/idempotency.py).
        answer, duplicate = self._once(delivery_key(source.name, [e.source_event_id for e in envelopes]), publish)
        kept_id: str | None = None
        if unknown:
            # Published what we could place; the rest waits for its mapping.
            kept = self._keep(
                source,
                request,
                _all_unknown(unknown),
                verified,
                replaying,
                pending=tuple(event.source_event_id for event, _ in unknown),
            )
            kept_id = kept.quarantine_id
            answer = {**answer, "quarantined": len(unknown), "quarantine_id": kept_id}
        reason = UnknownAccount.code if unknown else None
        if duplicate:
            body = {**answer, "duplicate": True}
            return IngestResult(200, body, parsed.reply, "duplicate", reason, kept_id, raw_ref, notes)
        status = 202 if parsed.reply is None else 200
        return IngestResult(status, answer, parsed.reply, "accepted", reason, kept_id, raw_ref, notes)

    def _canonical(
        self, source: str, events: list[VendorEvent], received_at: datetime, raw_ref: str
    ) -> tuple[list[EventEnvelope], list[tuple[VendorEvent, UnknownAccount]]]:
        envelopes: list[EventEnvelope] = []
        unknown: list[tuple[VendorEvent, UnknownAccount]] = []
        for event in events:
            try:
                identity = resolve(event.account, self._identities)
            except UnknownAccount as exc:
                unknown.append((event, exc))
                continue
            data = event.data
            if identity.contact_id and event.type in _NAMES_A_CONTACT and not data.get("contact_id"):
                data = {**data, "contact_id": identity.contact_id}
            try:
                envelope = new_event(
                    source=source,
                    source_event_id=event.source_event_id,
                    account_id=identity.account_id,
                    event_type=event.type,
                    data=data,
                    occurred_at=event.occurred_at,
                    received_at=received_at,
                    raw_ref=raw_ref,
                )
            except ValidationError as exc:
                raise Unmappable(f"event {event.source_event_id}: {describe(exc)}") from exc
            envelopes.append(envelope)
        return envelopes, unknown

    def _keep(
        self,
        source: Source,
        request: WebhookRequest,
        exc: WebhookError,
        verified: str | None,
        replaying: QuarantinedDelivery | None,
        pending: tuple[str, ...] = (),
        notes: dict[str, int] | None = None,
    ) -> IngestResult:
        if verified is None:
            verified = f"authenticated by the {source.name} adapter's check at {request.received_at.isoformat()}"
        if replaying is not None:
            kept_as = replaying.quarantine_id
        else:  # a vendor retrying it (the same identity: for most vendors the same bytes) finds this item
            kept_as = quarantine_id(source.name, source.quarantine_identity(request))
        item = QuarantinedDelivery(
            quarantine_id=kept_as,
            source=source.name,
            reason=exc.code,
            message=exc.message,
            received_at=request.received_at,
            body=request.body,
            content_type=request.headers.get("content-type"),
            path=request.path,
            verified=verified,
            waiting_for=exc.waiting_for if isinstance(exc, UnknownAccount) else (),
            pending_events=pending,
        )
        self._quarantine.keep(item, replay=replaying is not None)
        body = {"error": exc.code, "message": exc.message, "quarantine_id": item.quarantine_id}
        return IngestResult(exc.status, body, None, "quarantined", exc.code, item.quarantine_id, notes=notes or {})


# Event types whose data can name the contact the vendor's respondent or person resolved to.
_NAMES_A_CONTACT = frozenset(t for t, model in CATALOG.items() if "contact_id" in model.model_fields)


def _refused(exc: WebhookError) -> IngestResult:
    return IngestResult(exc.status, {"error": exc.code, "message": exc.message}, None, "rejected", exc.code)


def _all_unknown(unknown: list[tuple[VendorEvent, UnknownAccount]]) -> UnknownAccount:
    waiting = tuple(dict.fromkeys(key for _, exc in unknown for key in exc.waiting_for))
    ids = ", ".join(event.source_event_id for event, _ in unknown[:5]) + (" …" if len(unknown) > 5 else "")
    return UnknownAccount(f"{len(unknown)} event(s) ({ids}) name no account we know: {unknown[0][1].message}", waiting)


def delivery_key(source: str, source_event_ids: list[str]) -> str:
    """The vendor's own ids for what this delivery carries: a redelivery has the same key."""
    ids = "\x1f".join(sorted(source_event_ids))
    return hashlib.sha256(f"{source}\x1f{ids}".encode()).hexdigest()
