"""One adapter per vendor: verify the delivery, then map it to canonical events.

Each vendor's class subclasses ``Source`` (a Protocol, so its defaults come along) and reads its secret key
from the storage contract: ``secret_key = SOURCE_SECRET_KEYS[name]``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from services.common.storage import SOURCE_SECRET_KEYS
from services.ingest.models.webhook import Parsed, WebhookRequest


class Source(Protocol):
    name: str  # the URL segment: POST /webhooks/<name>
    secret_key: str  # its key in the Boomerang secret: SOURCE_SECRET_KEYS[name], the storage contract's

    def verify(self, request: WebhookRequest, secrets: dict[str, str], now: datetime) -> None:
        """Raise SignatureInvalid unless the delivery is authentic (and fresh, where the vendor allows)."""

    def parse(self, request: WebhookRequest) -> Parsed:
        """Raise MalformedPayload / Unmappable for a body that can't become canonical events."""

    def quarantine_identity(self, request: WebhookRequest) -> bytes:
        """What identifies this delivery in the quarantine: a retry with the same identity finds the same item.

        By default its bytes (vendors retry the same bytes); a vendor that retries with other bytes says what
        stays the same (Salesforce: the notification ids).
        """
        return request.body


#: Every source, in the storage contract's order (each has its key in the secret; a test keeps them in step).
SOURCE_NAMES: tuple[str, ...] = tuple(SOURCE_SECRET_KEYS)


def sources(options: dict[str, dict[str, Any]] | None = None) -> dict[str, Source]:
    """Every source, built with its ``[sources.<name>]`` options from the rules file."""
    from services.ingest.logic.sources.churnzero import ChurnZero
    from services.ingest.logic.sources.delighted import Delighted
    from services.ingest.logic.sources.gainsight import Gainsight
    from services.ingest.logic.sources.generic import Generic
    from services.ingest.logic.sources.hubspot import HubSpot
    from services.ingest.logic.sources.intercom import Intercom
    from services.ingest.logic.sources.salesforce import Salesforce
    from services.ingest.logic.sources.totango import Totango
    from services.ingest.logic.sources.typeform import Typeform
    from services.ingest.logic.sources.zendesk import Zendesk

    options = options or {}
    unknown = sorted(set(options) - set(SOURCE_NAMES))
    if unknown:
        raise ValueError(f"[sources] names unknown source(s) {', '.join(unknown)}; known: {', '.join(SOURCE_NAMES)}")
    classes: list[Any] = [
        Delighted,
        Typeform,
        Zendesk,
        Intercom,
        HubSpot,
        Salesforce,
        Gainsight,
        ChurnZero,
        Totango,
        Generic,
    ]
    return {cls.name: cls(**options.get(cls.name, {})) for cls in classes}
