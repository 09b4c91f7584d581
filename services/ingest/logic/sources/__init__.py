"""One adapter per vendor: verify the delivery, then map it to canonical events."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from services.ingest.models.webhook import Parsed, WebhookRequest


class Source(Protocol):
    name: str

    def verify(self, request: WebhookRequest, secrets: dict[str, str], now: datetime) -> None:
        """Raise SignatureInvalid unless the delivery is authentic (and fresh, where the vendor allows)."""

    def parse(self, request: WebhookRequest) -> Parsed:
        """Raise MalformedPayload / Unmappable for a body that can't become canonical events."""


def sources(options: dict[str, dict[str, Any]] | None = None) -> dict[str, Source]:
    """Every source, built with its ``[sources.<name>]`` options from the rules file."""
    from services.ingest.logic.sources.delighted import Delighted
    from services.ingest.logic.sources.generic import Generic

    options = options or {}
    classes: list[Any] = [Delighted, Generic]
    return {cls.name: cls(**options.get(cls.name, {})) for cls in classes}
