"""HubSpot CRM webhooks (Webhooks API v3 signature), docs/sources/hubspot.md.

Signed as ``X-HubSpot-Signature-v3``: base64(HMAC-SHA256(app client secret, method + URI + raw body +
timestamp)) with ``X-HubSpot-Request-Timestamp`` in milliseconds; requests more than 5 minutes away from
now are refused. Before signing, HubSpot URL-decodes ``%3A %2F %3F %40 %21 %24 %27 %28 %29 %2A %2C %3B``
in the URI (HubSpot's "Validating requests" page), so the URI is decoded the same way here.

The body is a JSON array of change events (up to 100). Only property changes are used: a deal's
``dealstage``, a company's risk property and a contact's role property. Deal events name only the deal
(``objectId``), not its company: they must carry ``associatedCompanyId`` (added by a relay or a workflow
webhook, see the docs) or they are refused as unmappable, never guessed. Contact events resolve through
the contact id (``LOOKUP#hubspot:contact#<id>``: imported from contacts.csv or learned).

Identities are learned from a company's ``domain`` and a contact's ``email`` changes, and from a known
contact's event that names its company (``associatedCompanyId``).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, RootModel, field_validator, model_validator

from services.common.models.events import EventType
from services.common.storage import SOURCE_SECRET_KEYS, contact_namespace
from services.ingest.logic.signatures import hmac_b64, require_equal, require_fresh
from services.ingest.logic.sources import Source
from services.ingest.logic.sources.payload import json_body, source_options, validate
from services.ingest.models.errors import MalformedPayload, SignatureInvalid, Unmappable
from services.ingest.models.webhook import AccountRef, IdentityClaim, Parsed, VendorEvent, WebhookRequest

SIGNATURE_HEADER = "x-hubspot-signature-v3"
TIMESTAMP_HEADER = "x-hubspot-request-timestamp"
# HubSpot's default properties whose changes teach Boomerang which company / contact an id is.
DOMAIN_PROPERTY = "domain"
EMAIL_PROPERTY = "email"

# The characters HubSpot decodes in the request URI before it signs (and only these).
_DECODED = {
    "%3A": ":",
    "%2F": "/",
    "%3F": "?",
    "%40": "@",
    "%21": "!",
    "%24": "$",
    "%27": "'",
    "%28": "(",
    "%29": ")",
    "%2A": "*",
    "%2C": ",",
    "%3B": ";",
}
_ENCODED = re.compile("|".join(_DECODED), re.IGNORECASE)

# objectTypeId of the generic ``object.*`` subscriptions.
_OBJECT_TYPES = {"0-1": "contact", "0-2": "company", "0-3": "deal"}

Kind = Literal["deal", "company", "contact"]


def signed_uri(url: str) -> str:
    """The request URI as HubSpot signs it: the listed percent-escapes decoded, everything else as sent."""
    return _ENCODED.sub(lambda m: _DECODED[m.group(0).upper()], url)


class _Options(BaseModel):
    """``[sources.hubspot]`` in the rules file."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)

    closed_won_stages: list[str] = Field(default_factory=lambda: ["closedwon"], min_length=1)
    # pipeline id → the ids of its stages. HubSpot stage ids are unique in a portal, so a stage id names
    # its pipeline: that is how a deal webhook (which carries only the new stage) is placed in a pipeline.
    renewal_pipelines: dict[str, list[str]] = Field(default_factory=dict)
    expansion_pipelines: dict[str, list[str]] = Field(default_factory=dict)
    risk_property: str = "renewal_risk"
    risk_values: list[str] = Field(default_factory=lambda: ["true", "yes", "at_risk", "at risk", "high"])
    role_property: str = "cs_role"
    champion_values: list[str] = Field(default_factory=lambda: ["champion"])
    executive_values: list[str] = Field(default_factory=lambda: ["executive_sponsor", "executive"])

    @field_validator("risk_values", "champion_values", "executive_values")
    @classmethod
    def _folded(cls, values: list[str]) -> list[str]:
        return [v.strip().lower() for v in values]

    @model_validator(mode="after")
    def _consistent(self) -> _Options:
        won = set(self.closed_won_stages)
        seen: dict[str, str] = {}
        for option in ("renewal_pipelines", "expansion_pipelines"):
            for pipeline, stages in getattr(self, option).items():
                where = f"{option}[{pipeline!r}]"
                if not won & set(stages):
                    raise ValueError(
                        f"{where} lists no stage from closed_won_stages {sorted(won)}, so no deal in it "
                        "could ever count as won; list the pipeline's closed-won stage id in both"
                    )
                for stage in stages:
                    if stage in seen and seen[stage] != where:
                        raise ValueError(f"stage {stage!r} is in both {seen[stage]} and {where}")
                    seen[stage] = where
        both = set(self.champion_values) & set(self.executive_values)
        if both:
            raise ValueError(f"{sorted(both)} are both champion_values and executive_values")
        return self


class _Event(BaseModel):
    model_config = ConfigDict(extra="ignore")
    eventId: int | str
    subscriptionType: str = Field(min_length=1)
    objectId: int | str
    occurredAt: int = Field(ge=0)
    portalId: int | str | None = None
    objectTypeId: str | None = None
    propertyName: str | None = None
    propertyValue: str | None = None
    associatedCompanyId: int | str | None = None


class _Batch(RootModel[list[_Event]]):
    pass


class HubSpot(Source):
    name = "hubspot"
    secret_key = SOURCE_SECRET_KEYS[name]

    def __init__(self, **options: Any):
        self.options = source_options(_Options, self.name, options)
        self._pipeline_of: dict[str, tuple[str, EventType]] = {}
        for pipeline, stages in self.options.renewal_pipelines.items():
            self._pipeline_of.update({s: (pipeline, EventType.RENEWAL_SIGNED) for s in stages})
        for pipeline, stages in self.options.expansion_pipelines.items():
            self._pipeline_of.update({s: (pipeline, EventType.EXPANSION_SIGNED) for s in stages})

    def verify(self, request: WebhookRequest, secrets: dict[str, str], now: datetime) -> None:
        stamp = (request.headers.get(TIMESTAMP_HEADER) or "").strip()
        if not stamp.isdigit():
            raise SignatureInvalid("missing or non-numeric X-HubSpot-Request-Timestamp (milliseconds)")
        require_fresh(datetime.fromtimestamp(int(stamp) / 1000, UTC), now, "X-HubSpot-Request-Timestamp")
        if not request.url:
            raise SignatureInvalid("the request URL HubSpot signed is unknown; cannot check X-HubSpot-Signature-v3")
        message = (request.method.upper() + signed_uri(request.url)).encode() + request.body + stamp.encode()
        require_equal(
            hmac_b64(secrets[self.secret_key], message), request.headers.get(SIGNATURE_HEADER), "X-HubSpot-Signature-v3"
        )

    def parse(self, request: WebhookRequest) -> Parsed:
        body = json_body(request.body)
        if not isinstance(body, list):
            raise MalformedPayload("body must be a JSON array of HubSpot events")
        items = validate(_Batch, body).root
        events: list[VendorEvent] = []
        skipped: list[str] = []
        claims: list[IdentityClaim] = []
        for item in items:
            claim = self._claim(item)
            if claim is not None:
                claims.append(claim)
            event = self._map(item)
            if isinstance(event, VendorEvent):
                events.append(event)
                if event.account.external_id and event.account.contact_external_id:
                    # A known person names their company: learn the company id (docs/sources/hubspot.md).
                    evidence = AccountRef(source=self.name, contact_external_id=event.account.contact_external_id)
                    claims.append(IdentityClaim(self.name, event.account.external_id, evidence, str(item.eventId)))
            elif claim is None:
                skipped.append(event)
        if not events:
            reasons = "; ".join(dict.fromkeys(skipped)) or "empty batch"
            if claims and not skipped:
                reasons = "only ids to learn (company domains, contact emails)"
            return Parsed(ignored=f"no HubSpot event Boomerang uses: {reasons}", claims=claims)
        return Parsed(events=events, claims=claims)

    def _claim(self, item: _Event) -> IdentityClaim | None:
        """A company's domain or a contact's email ties HubSpot's id to one of ours (never the reverse)."""
        kind, action = self._kind(item)
        value = (item.propertyValue or "").strip()
        if action != "propertyChange" or not value:
            return None
        if kind == "company" and item.propertyName == DOMAIN_PROPERTY:
            return IdentityClaim(self.name, str(item.objectId), AccountRef(domain=value), str(item.eventId))
        if kind == "contact" and item.propertyName == EMAIL_PROPERTY:
            namespace = contact_namespace(self.name)
            return IdentityClaim(namespace, str(item.objectId), AccountRef(email=value), str(item.eventId))
        return None

    def _kind(self, item: _Event) -> tuple[Kind | None, str]:
        obj, _, action = item.subscriptionType.partition(".")
        if obj == "object":
            obj = _OBJECT_TYPES.get(item.objectTypeId or "", obj)
        if obj in ("deal", "company", "contact"):
            return obj, action  # type: ignore[return-value]
        return None, action

    def _map(self, item: _Event) -> VendorEvent | str:
        """The canonical event, or why this event is skipped."""
        kind, action = self._kind(item)
        prop = item.propertyName or ""
        what = f"{item.subscriptionType}" + (f" ({prop})" if prop else "")
        if kind is None or action != "propertyChange":
            return what
        value = (item.propertyValue or "").strip()
        occurred = datetime.fromtimestamp(item.occurredAt / 1000, UTC)
        object_id = str(item.objectId)

        if kind == "deal" and prop == "dealstage":
            if not value:
                return f"{what} without a stage"
            pipeline, peak = self._pipeline_of.get(value, (None, None))
            if peak is not None and value in self.options.closed_won_stages:
                # The deal is the contract; HubSpot's stage event carries no amount, so ARR is left unset.
                return self._event(item, peak, occurred, self._company(item, "deal"), {"contract_id": object_id})
            data: dict[str, Any] = {"deal_id": object_id, "stage": value, "pipeline": pipeline}
            return self._event(item, EventType.DEAL_STAGE_CHANGED, occurred, self._company(item, "deal"), data)

        if kind == "company" and prop == self.options.risk_property:
            at_risk = value.lower() in self.options.risk_values
            data = {"at_risk": at_risk, "reason": f"HubSpot {prop} = {value!r}" if value else f"HubSpot {prop} cleared"}
            return self._event(item, EventType.RENEWAL_RISK_FLAGGED, occurred, object_id, data)

        if kind == "contact" and prop == self.options.role_property:
            role = value.lower()
            if role in self.options.champion_values:
                peak = EventType.CHAMPION_CHANGED
            elif role in self.options.executive_values:
                peak = EventType.EXECUTIVE_CHANGED
            else:
                # Only the new value is sent: a contact leaving a role can't be told apart from any other edit.
                return f"{what} = {value!r} is not a champion or executive value"
            company = str(item.associatedCompanyId) if item.associatedCompanyId not in (None, "") else None
            return self._event(item, peak, occurred, company, {"change": "joined"}, contact=object_id)

        return what

    def _company(self, item: _Event, kind: str) -> str:
        if item.associatedCompanyId in (None, ""):
            raise Unmappable(
                f"event {item.eventId}: HubSpot {kind} webhooks name only the {kind} (objectId {item.objectId}), "
                "not its company; send associatedCompanyId with the event (docs/sources/hubspot.md)"
            )
        return str(item.associatedCompanyId)

    def _event(
        self,
        item: _Event,
        kind: EventType,
        occurred: datetime,
        company_id: str | None,
        data: dict[str, Any],
        contact: str | None = None,
    ) -> VendorEvent:
        return VendorEvent(
            type=kind,
            source_event_id=str(item.eventId),
            occurred_at=occurred,
            account=AccountRef(source=self.name, external_id=company_id, contact_external_id=contact),
            data=data,
        )
