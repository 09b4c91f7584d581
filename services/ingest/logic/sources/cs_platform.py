"""Shared adapter for CS platforms whose outbound call carries a JSON body the admin writes.

Gainsight (Rules Engine / Journey Orchestrator "Call External API"), ChurnZero (Play webhook step) and
Totango (SuccessPlay "call a webhook" action) sign nothing, so the call is authenticated with a shared token
in a header (``token_header``, default ``X-Boomerang-Token``, or ``Authorization: Bearer <token>``), compared
in constant time with the platform's secret. The body is Boomerang's documented template
(docs/sources/cs-platforms.md)::

    {"event": "onboarding_completed", "event_id": "...", "occurred_at": "...",
     "account_id": "<the platform's account id>", "contact_email": "...", ...fields of the event}

A JSON array (or ``{"events": [...]}``) of such objects is accepted too. Merge fields that render empty
(``""``) count as absent. ``event_id`` is the dedupe key; without one, the hash of the event's JSON is used,
so a retried delivery still maps to the same event. Admins may rename events with
``event_names = {their_name = "CanonicalType"}`` (or ``"ignore"`` to acknowledge and drop them).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from datetime import UTC, date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from services.common.models.events import CATALOG, PRODUCED_BY_BOOMERANG, EventType
from services.ingest.logic.sources import Source
from services.ingest.logic.sources.payload import json_body, source_options
from services.ingest.models.errors import MalformedPayload, SignatureInvalid, Unmappable, describe
from services.ingest.models.webhook import AccountRef, Parsed, VendorEvent, WebhookRequest

IGNORE = "ignore"
MAX_EVENTS = 100

# Boomerang's own decisions (and scores it computes) are never accepted from outside.
INTERNAL = PRODUCED_BY_BOOMERANG

# Event names understood out of the box (after normalizing: lower case, spaces and dashes → "_").
DEFAULT_EVENT_NAMES: dict[str, EventType] = {
    "onboarding_completed": EventType.ONBOARDING_COMPLETED,
    "milestone_completed": EventType.ONBOARDING_COMPLETED,
    "usage_reported": EventType.USAGE_REPORTED,
    "usage_snapshot": EventType.USAGE_REPORTED,
    "renewal_risk_flagged": EventType.RENEWAL_RISK_FLAGGED,
    "risk_flagged": EventType.RENEWAL_RISK_FLAGGED,
    "health_risk": EventType.RENEWAL_RISK_FLAGGED,
    "champion_changed": EventType.CHAMPION_CHANGED,
    "executive_changed": EventType.EXECUTIVE_CHANGED,
    "executive_sponsor_changed": EventType.EXECUTIVE_CHANGED,
    "meeting_held": EventType.MEETING_HELD,
    "meeting_logged": EventType.MEETING_HELD,
    "competitor_mentioned": EventType.COMPETITOR_MENTIONED,
    "renewal_signed": EventType.RENEWAL_SIGNED,
    "renewal_closed": EventType.RENEWAL_SIGNED,
    "expansion_signed": EventType.EXPANSION_SIGNED,
    "expansion_closed": EventType.EXPANSION_SIGNED,
    "outcomes_reported": EventType.OUTCOMES_REPORTED,
    "success_plan_reviewed": EventType.OUTCOMES_REPORTED,
    "response_time_reported": EventType.RESPONSE_TIME_REPORTED,
    "department_interest": EventType.DEPARTMENT_INTEREST_EXPRESSED,
    "department_interest_expressed": EventType.DEPARTMENT_INTEREST_EXPRESSED,
    "feature_requested": EventType.FEATURE_REQUESTED,
    "feature_request": EventType.FEATURE_REQUESTED,
    "intervention_started": EventType.INTERVENTION_STARTED,
    "playbook_started": EventType.INTERVENTION_STARTED,
    "cta_opened": EventType.INTERVENTION_STARTED,
    "intervention_ended": EventType.INTERVENTION_ENDED,
    "playbook_completed": EventType.INTERVENTION_ENDED,
    "cta_closed": EventType.INTERVENTION_ENDED,
}

# Keys of the envelope; every other key is a field of the event's data.
_ENVELOPE_KEYS = frozenset({"event", "event_id", "occurred_at", "account_id", "contact_email", "data"})


def normalize_name(name: str) -> str:
    return re.sub(r"[\s\-]+", "_", name.strip()).lower()


class CsPlatformOptions(BaseModel):
    """``[sources.gainsight]`` / ``[sources.churnzero]`` / ``[sources.totango]`` in the rules file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    token_header: str = Field(default="X-Boomerang-Token", min_length=1, pattern=r"^[A-Za-z0-9!#$%&'*+.^_`|~-]+$")
    event_names: dict[str, str] = Field(default_factory=dict)

    @field_validator("event_names")
    @classmethod
    def _known_types(cls, value: dict[str, str]) -> dict[str, str]:
        allowed = sorted(t.value for t in EventType if t not in INTERNAL)
        for their_name, target in value.items():
            if not normalize_name(their_name):
                raise ValueError("event_names: an event name is empty")
            if target == IGNORE:
                continue
            if target not in allowed or EventType(target) in INTERNAL:
                raise ValueError(
                    f"event_names[{their_name!r}] = {target!r} is not a canonical event type; "
                    f"use one of {', '.join(allowed)} or {IGNORE!r}"
                )
        return value


def parse_options(options: dict[str, Any], source: str) -> CsPlatformOptions:
    return source_options(CsPlatformOptions, source, options)


def parse_time(value: Any, fallback: datetime, where: str) -> datetime:
    """ISO 8601 date or date-time (naive means UTC), or Unix seconds / milliseconds; absent → ``fallback``."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return fallback
    if isinstance(value, bool):
        raise MalformedPayload(f"{where}: expected an ISO 8601 date-time or a Unix timestamp")
    number: float | None = None
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str) and re.fullmatch(r"\d{9,14}(\.\d+)?", value.strip()):
        number = float(value.strip())
    if number is not None:
        seconds = number / 1000 if number > 1e11 else number  # Totango and friends send epoch milliseconds
        return datetime.fromtimestamp(seconds, UTC)
    if not isinstance(value, str):
        raise MalformedPayload(f"{where}: expected an ISO 8601 date-time or a Unix timestamp")
    text = value.strip()
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        try:
            day = date.fromisoformat(text)
        except ValueError as exc:
            raise MalformedPayload(f"{where}: {text!r} is not an ISO 8601 date-time or a Unix timestamp") from exc
        parsed = datetime(day.year, day.month, day.day)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _blank_to_none(value: Any) -> Any:
    if isinstance(value, str):
        stripped = value.strip()
        return stripped or None
    return value


class CsPlatformSource(Source):
    """Base for the admin-defined-JSON platforms; subclasses set ``name``, and ``secret_key`` from the contract."""

    name: str = ""
    secret_key: str = ""

    def __init__(self, **options: Any):
        self.options = parse_options(options, self.name)
        self._header = self.options.token_header.lower()
        names: dict[str, EventType | None] = dict(DEFAULT_EVENT_NAMES)
        for their_name, target in self.options.event_names.items():
            names[normalize_name(their_name)] = None if target == IGNORE else EventType(target)
        self._event_names = names
        self._canonical = {t.value.lower(): t for t in EventType if t not in INTERNAL}

    # -- verify -------------------------------------------------------------------------------------------

    def verify(self, request: WebhookRequest, secrets: dict[str, str], now: datetime) -> None:
        expected = secrets[self.secret_key].encode()
        candidates = []
        header = request.headers.get(self._header)
        if header:
            candidates.append(header.strip())
        scheme, _, credentials = (request.headers.get("authorization") or "").strip().partition(" ")
        if scheme.lower() == "bearer" and credentials.strip():
            candidates.append(credentials.strip())
        if not candidates:
            raise SignatureInvalid(f"missing {self.options.token_header} header (or Authorization: Bearer <token>)")
        matched = False
        for candidate in candidates:  # compare every candidate, each in constant time
            matched |= hmac.compare_digest(expected, candidate.encode())
        if not matched:
            raise SignatureInvalid(f"{self.options.token_header} / Authorization token does not match")

    # -- parse --------------------------------------------------------------------------------------------

    def parse(self, request: WebhookRequest) -> Parsed:
        body = json_body(request.body)
        if isinstance(body, dict) and isinstance(body.get("events"), list):
            body = body["events"]
        items = body if isinstance(body, list) else [body]
        if not items:
            raise MalformedPayload("no events in the body")
        if len(items) > MAX_EVENTS:
            raise MalformedPayload(f"at most {MAX_EVENTS} events per call, got {len(items)}")
        events: list[VendorEvent] = []
        ignored: list[str] = []
        for index, item in enumerate(items):
            where = f"events[{index}]." if isinstance(body, list) and len(items) > 1 else ""
            event = self._event(item, where, request.received_at)
            if isinstance(event, str):
                ignored.append(event)
            else:
                events.append(event)
        if not events:
            return Parsed(ignored="; ".join(ignored))
        return Parsed(events=events)

    def _event_type(self, raw_name: Any, where: str) -> EventType | None:
        """The canonical type, or None when the admin mapped the name to "ignore"."""
        if not isinstance(raw_name, str) or not raw_name.strip():
            raise MalformedPayload(f"{where}event: required, the name of what happened (e.g. onboarding_completed)")
        key = normalize_name(raw_name)
        if key in self._event_names:
            return self._event_names[key]
        if key in self._canonical:
            return self._canonical[key]
        known = ", ".join(sorted(k for k, v in self._event_names.items() if v is not None))
        raise Unmappable(
            f"{where}event: {raw_name!r} is not a known {self.name} event; send one of {known}, "
            f"or map it with [sources.{self.name}].event_names"
        )

    def _event(self, item: Any, where: str, received_at: datetime) -> VendorEvent | str:
        if not isinstance(item, dict):
            raise MalformedPayload(f"{where or 'body'}: expected a JSON object")
        event_type = self._event_type(item.get("event"), where)
        if event_type is None:
            return f"event {item.get('event')!r} is mapped to {IGNORE!r} in [sources.{self.name}].event_names"

        account_id = _blank_to_none(item.get("account_id"))
        email = _blank_to_none(item.get("contact_email"))
        if account_id is not None and not isinstance(account_id, str | int):
            raise MalformedPayload(f"{where}account_id: expected the {self.name} account id as a string")
        if email is not None and not isinstance(email, str):
            raise MalformedPayload(f"{where}contact_email: expected an email address")
        if account_id is None and email is None:
            raise MalformedPayload(f"{where}account_id: required (the {self.name} account id), or give contact_email")

        data = self._data(item, event_type, where)
        event_id = _blank_to_none(item.get("event_id"))
        if event_id is None:
            digest = hashlib.sha256(json.dumps(item, sort_keys=True, separators=(",", ":")).encode()).hexdigest()
            event_id = f"sha256:{digest[:40]}"
        elif not isinstance(event_id, str | int) or len(str(event_id)) > 200:
            raise MalformedPayload(f"{where}event_id: expected a string of at most 200 characters")

        return VendorEvent(
            type=event_type,
            source_event_id=str(event_id),
            occurred_at=parse_time(item.get("occurred_at"), received_at, f"{where}occurred_at"),
            account=AccountRef(
                source=self.name,
                external_id=str(account_id) if account_id is not None else None,
                email=email.lower() if email else None,
            ),
            data=data,
        )

    def _data(self, item: dict[str, Any], event_type: EventType, where: str) -> dict[str, Any]:
        model = CATALOG[event_type]
        nested = item.get("data")
        if nested is not None and not isinstance(nested, dict):
            raise MalformedPayload(f"{where}data: expected a JSON object")
        fields = {k: v for k, v in item.items() if k not in _ENVELOPE_KEYS}
        fields.update(nested or {})
        # Only the event's own fields: templates often carry context (account name, CSM) Boomerang doesn't need.
        values = {k: _blank_to_none(v) for k, v in fields.items() if k in model.model_fields}
        values = {k: v for k, v in values.items() if v is not None}
        try:
            return model.model_validate(values).model_dump(mode="json")
        except ValidationError as exc:
            raise MalformedPayload(f"{where}{describe(exc)} (for {event_type.value})") from exc
