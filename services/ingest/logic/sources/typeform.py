"""Typeform form-response webhooks, mapped to NPS answers.

Signed as ``Typeform-Signature: sha256=<base64>``: base64 of HMAC-SHA256 of the raw body keyed with the
webhook's secret (Typeform's "Secure your webhooks" page). Typeform sends no timestamp, so replays are caught
by deduplication on the response ``token``. The body is ``{"event_id", "event_type": "form_response",
"form_response": {"form_id", "token", "submitted_at", "hidden", "answers", "definition"}}``; answers are
matched by their field ``ref``. The respondent is found by email (an email question or a hidden field), so
the account comes from contacts.csv.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from services.common.models.events import EventType
from services.common.storage import SOURCE_SECRET_KEYS
from services.ingest.logic.signatures import hmac_b64, require_equal
from services.ingest.logic.sources import Source
from services.ingest.logic.sources.payload import json_body, source_options, validate
from services.ingest.models.errors import Unmappable
from services.ingest.models.webhook import AccountRef, Parsed, VendorEvent, WebhookRequest

SIGNATURE_HEADER = "typeform-signature"


class TypeformOptions(BaseModel):
    """``[sources.typeform]`` in the rules file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    nps_field_ref: str | None = Field(default=None, min_length=1)
    email_field_ref: str | None = Field(default=None, min_length=1)
    email_hidden_field: str | None = Field(default="email", min_length=1)
    comment_field_ref: str | None = Field(default=None, min_length=1)
    forms: list[str] | None = None

    @model_validator(mode="after")
    def _distinct(self) -> TypeformOptions:
        if self.nps_field_ref and self.nps_field_ref in (self.email_field_ref, self.comment_field_ref):
            raise ValueError("nps_field_ref must be a different question from email_field_ref / comment_field_ref")
        if self.forms is not None and not all(f.strip() for f in self.forms):
            raise ValueError("forms: form ids must not be empty")
        return self


class _Field(BaseModel):
    model_config = ConfigDict(extra="ignore")
    id: str | None = None
    ref: str | None = None
    type: str | None = None


class _Answer(BaseModel):
    model_config = ConfigDict(extra="allow")
    type: str
    field: _Field


class _Definition(BaseModel):
    model_config = ConfigDict(extra="ignore")
    id: str | None = None
    title: str | None = None


class _FormResponse(BaseModel):
    model_config = ConfigDict(extra="ignore")
    form_id: str = Field(min_length=1)
    token: str = Field(min_length=1)
    submitted_at: AwareDatetime
    hidden: dict[str, Any] = Field(default_factory=dict)
    answers: list[_Answer] = Field(default_factory=list)
    definition: _Definition | None = None


class _Envelope(BaseModel):
    model_config = ConfigDict(extra="ignore")
    event_id: str | None = None
    event_type: str
    form_response: dict[str, Any] | None = None


def _value(answer: _Answer) -> Any:
    """An answer's value sits under a key named after its type: ``{"type": "number", "number": 9}``."""
    extra = answer.model_extra or {}
    return extra.get(answer.type)


class Typeform(Source):
    name = "typeform"
    secret_key = SOURCE_SECRET_KEYS[name]

    def __init__(self, **options: Any):
        self.options = source_options(TypeformOptions, self.name, options)

    def verify(self, request: WebhookRequest, secrets: dict[str, str], now: datetime) -> None:
        expected = "sha256=" + hmac_b64(secrets[self.secret_key], request.body)
        require_equal(expected, request.headers.get(SIGNATURE_HEADER), "Typeform-Signature")

    def parse(self, request: WebhookRequest) -> Parsed:
        envelope = validate(_Envelope, json_body(request.body))
        if envelope.event_type != "form_response":
            return Parsed(ignored=f"{envelope.event_type} is not a completed form response")
        response = validate(_FormResponse, envelope.form_response)
        options = self.options
        if options.forms is not None and response.form_id not in options.forms:
            return Parsed(ignored=f"form {response.form_id!r} is not in [sources.typeform].forms")
        if not options.nps_field_ref:
            raise Unmappable(
                "set [sources.typeform].nps_field_ref to the ref of the form's NPS / opinion-scale question"
            )

        by_ref = {a.field.ref: a for a in response.answers if a.field.ref}
        nps = by_ref.get(options.nps_field_ref)
        if nps is None:
            raise Unmappable(f"the response has no answer to the NPS question (ref {options.nps_field_ref!r})")
        score = _value(nps)
        if isinstance(score, bool) or not isinstance(score, int) or not 0 <= score <= 10:
            raise Unmappable(f"answer to {options.nps_field_ref!r} is {score!r}, not an NPS score from 0 to 10")

        email = self._email(response, by_ref)
        if not email:
            raise Unmappable(
                "no respondent email: set [sources.typeform].email_field_ref (an email question) or "
                "email_hidden_field (a hidden field filled with the contact's email)"
            )
        comment = None
        if options.comment_field_ref and options.comment_field_ref in by_ref:
            text = _value(by_ref[options.comment_field_ref])
            comment = (text.strip() or None) if isinstance(text, str) else None

        return Parsed(
            events=[
                VendorEvent(
                    type=EventType.NPS_RESPONDED,
                    source_event_id=response.token,
                    occurred_at=response.submitted_at,
                    account=AccountRef(email=email),
                    data={
                        "response_id": response.token,
                        "score": score,
                        "respondent_email": email,
                        "comment": comment,
                        "survey": f"typeform:{response.form_id}",
                    },
                )
            ]
        )

    def _email(self, response: _FormResponse, by_ref: dict[str, _Answer]) -> str | None:
        options = self.options
        candidates: list[Any] = []
        if options.email_field_ref and options.email_field_ref in by_ref:
            candidates.append(_value(by_ref[options.email_field_ref]))
        if options.email_hidden_field:
            candidates.append(response.hidden.get(options.email_hidden_field))
        if not options.email_field_ref:
            # No email question named: the form's first email answer, if it has one.
            candidates.extend(_value(a) for a in response.answers if a.type == "email")
        for candidate in candidates:
            if isinstance(candidate, str) and "@" in candidate:
                return candidate.strip().lower()
        return None
