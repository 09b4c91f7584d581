"""Boomerang's own webhook format, for any tool or script (docs/webhooks.md, "generic").

Body: one event ``{"id", "type", "occurred_at", "account": {...}, "data": {...}}`` or ``{"events": [...]}``.
Signed Stripe-style: ``Boomerang-Signature: t=<unix>,v1=<hex>`` where v1 = HMAC-SHA256 of
``"<t>.<raw body>"`` with the generic signing secret; deliveries more than 5 minutes old are refused.
"""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError, model_validator

from services.common.models.events import CATALOG, PRODUCED_BY_BOOMERANG, EventType
from services.common.storage import SOURCE_SECRET_KEYS
from services.ingest.logic.signatures import hmac_hex, parse_stripe_style, require_equal, require_fresh
from services.ingest.logic.sources import Source
from services.ingest.logic.sources.payload import json_body, validate
from services.ingest.models.errors import MalformedPayload, SignatureInvalid, Unmappable, describe
from services.ingest.models.webhook import AccountRef, Parsed, VendorEvent, WebhookRequest

SIGNATURE_HEADER = "boomerang-signature"

# Boomerang's own decisions and scores are never accepted from outside.
_INTERNAL = PRODUCED_BY_BOOMERANG


class _Account(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str | None = None
    source: str | None = None
    external_id: str | None = None
    email: str | None = None

    @model_validator(mode="after")
    def _one_way(self) -> _Account:
        if not (self.id or self.email or (self.source and self.external_id)):
            raise ValueError("give the account as id, email, or source + external_id")
        return self


class _Event(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(min_length=1, max_length=200)
    type: EventType
    occurred_at: AwareDatetime
    account: _Account
    data: dict[str, object] = Field(default_factory=dict)


class _Batch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    events: list[_Event] = Field(min_length=1, max_length=100)


class Generic(Source):
    name = "generic"
    secret_key = SOURCE_SECRET_KEYS[name]

    def verify(self, request: WebhookRequest, secrets: dict[str, str], now: datetime) -> None:
        timestamp, signatures = parse_stripe_style(request.headers.get(SIGNATURE_HEADER))
        require_fresh(datetime.fromtimestamp(timestamp, UTC), now, "Boomerang-Signature timestamp")
        expected = hmac_hex(secrets[self.secret_key], f"{timestamp}.".encode() + request.body)
        for candidate in signatures:
            try:
                require_equal(expected, candidate, "Boomerang-Signature")
                return
            except SignatureInvalid:
                continue
        raise SignatureInvalid("Boomerang-Signature does not match")

    def parse(self, request: WebhookRequest) -> Parsed:
        body = json_body(request.body)
        items = (
            validate(_Batch, body).events if isinstance(body, dict) and "events" in body else [validate(_Event, body)]
        )
        events = []
        for index, item in enumerate(items):
            if item.type in _INTERNAL:
                raise Unmappable(f"events[{index}].type: {item.type} is produced by Boomerang, not accepted")
            try:
                data = CATALOG[item.type].model_validate(item.data).model_dump(mode="json")
            except ValidationError as exc:
                raise MalformedPayload(f"events[{index}].data: {describe(exc)}") from exc
            account = item.account
            events.append(
                VendorEvent(
                    type=item.type,
                    source_event_id=item.id,
                    occurred_at=item.occurred_at,
                    account=AccountRef(
                        account_id=account.id,
                        email=account.email,
                        source=account.source,
                        external_id=account.external_id,
                    ),
                    data=data,
                )
            )
        return Parsed(events=events)
