"""Ports every service's logic may need, declared once (each service's ``logic/ports.py`` adds its own)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from services.common.models.events import EventEnvelope

#: Now, as the logic sees it (injected: tests and replays choose the moment).
Clock = Callable[[], datetime]


class Publisher(Protocol):
    def publish(self, events: list[EventEnvelope]) -> None:
        """Put the events on the bus (at-least-once; consumers deduplicate on event id); raise if any is refused."""
