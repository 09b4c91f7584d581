"""Delighted survey webhooks.

Signed as ``X-Delighted-Webhook-Signature: sha256=<hex>``: HMAC-SHA256 of the raw body keyed with the
account's private API key (Delighted's webhook docs). Delighted sends no timestamp, so replays are caught
by deduplication instead. The response webhook fires again when a comment or answer is added: the
``.updated`` delivery keeps the response id, so triggers never fire twice for one answer.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from services.common.models.events import EventType
from services.common.storage import SOURCE_SECRET_KEYS
from services.ingest.logic.signatures import hmac_hex, require_equal
from services.ingest.logic.sources import Source
from services.ingest.logic.sources.payload import json_body, validate
from services.ingest.models.webhook import AccountRef, Parsed, VendorEvent, WebhookRequest

SIGNATURE_HEADER = "x-delighted-webhook-signature"


class _Person(BaseModel):
    model_config = ConfigDict(extra="ignore")
    id: str | int | None = None
    email: str | None = None
    name: str | None = None


class _Response(BaseModel):
    model_config = ConfigDict(extra="ignore")
    id: str | int
    person: _Person
    survey_type: str = "nps"
    score: int = Field(ge=0, le=10)
    comment: str | None = None
    created_at: int | None = None
    updated_at: int | None = None


class _Envelope(BaseModel):
    model_config = ConfigDict(extra="ignore")
    event_type: str
    event_id: str | None = None
    event_data: dict[str, object]


class _ResponseDelivery(BaseModel):
    """A survey-response delivery, read from the raw bytes in one pass (the common case)."""

    model_config = ConfigDict(extra="ignore")
    event_type: Literal["survey_response.created", "survey_response.updated"]
    event_data: _Response


class Delighted(Source):
    name = "delighted"
    secret_key = SOURCE_SECRET_KEYS[name]

    def verify(self, request: WebhookRequest, secrets: dict[str, str], now: datetime) -> None:
        expected = "sha256=" + hmac_hex(secrets[self.secret_key], request.body)
        require_equal(expected, request.headers.get(SIGNATURE_HEADER), "X-Delighted-Webhook-Signature")

    def parse(self, request: WebhookRequest) -> Parsed:
        try:
            delivery = _ResponseDelivery.model_validate_json(request.body)
        except ValidationError:
            # Not a well-formed survey response: another event type to acknowledge, or a clear error.
            envelope = validate(_Envelope, json_body(request.body))
            if envelope.event_type not in ("survey_response.created", "survey_response.updated"):
                return Parsed(ignored=f"{envelope.event_type} carries no survey answer")
            validate(_Response, envelope.event_data)  # raises MalformedPayload saying what is wrong
            raise
        kind = "updated" if delivery.event_type == "survey_response.updated" else "created"
        response = delivery.event_data
        if response.survey_type.lower() != "nps":
            return Parsed(ignored=f"survey type {response.survey_type!r} is not NPS")

        stamp = response.updated_at if kind == "updated" else response.created_at
        occurred = datetime.fromtimestamp(stamp, UTC) if stamp else request.received_at
        response_id = str(response.id)
        email = (response.person.email or "").strip().lower() or None
        return Parsed(
            events=[
                VendorEvent(
                    type=EventType.NPS_RESPONDED,
                    source_event_id=response_id if kind == "created" else f"{response_id}@{stamp}",
                    occurred_at=occurred,
                    account=AccountRef(
                        email=email,
                        source=self.name,
                        external_id=str(response.person.id) if response.person.id else None,
                    ),
                    data={
                        "response_id": response_id,
                        "score": response.score,
                        "respondent_email": email,
                        "respondent_name": response.person.name,
                        "comment": response.comment,
                        "survey": "delighted-nps",
                    },
                )
            ]
        )
