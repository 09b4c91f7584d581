"""Puts canonical events on the Boomerang bus."""

from __future__ import annotations

from typing import Any

from services.common.adapters.aws import client
from services.common.models.errors import BusPublishError
from services.common.models.events import BusSource, EventEnvelope

_MAX_ENTRIES = 10  # PutEvents accepts at most 10 entries per call
# ... and at most 256 KB per call in total (1 MB since 2026; the older limit is kept: moto and older regions).
_MAX_REQUEST_BYTES = 256 * 1024


class EventBusPublisher:
    def __init__(self, source: BusSource, bus_name: str, events_client: Any = None):
        self._source = source.value
        self._bus = bus_name
        self._client = events_client

    def publish(self, events: list[EventEnvelope]) -> None:
        events_client = self._client or client("events")
        for entries in _chunks([self._entry(event) for event in events]):
            response = events_client.put_events(Entries=entries)
            if response.get("FailedEntryCount"):
                failed = [e for e in response.get("Entries", []) if e.get("ErrorCode")]
                raise BusPublishError(f"{len(failed)} event(s) not accepted by the bus: {failed[:3]}")

    def _entry(self, event: EventEnvelope) -> dict[str, Any]:
        return {
            "EventBusName": self._bus,
            "Source": self._source,
            "DetailType": event.type.value,
            "Detail": event.detail(),
            "Time": event.occurred_at,
            "Resources": [f"boomerang:account:{event.account_id}"],
        }


def entry_size(entry: dict[str, Any]) -> int:
    """PutEvents' size of an entry: its strings in UTF-8, plus 14 bytes for the time."""
    strings = [entry["Source"], entry["DetailType"], entry["Detail"], *entry.get("Resources", [])]
    return sum(len(s.encode()) for s in strings) + 14


def _chunks(entries: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """At most 10 entries and 256 KB per PutEvents call."""
    chunks: list[list[dict[str, Any]]] = []
    size = 0
    for entry in entries:
        bytes_ = entry_size(entry)
        if not chunks or len(chunks[-1]) == _MAX_ENTRIES or size + bytes_ > _MAX_REQUEST_BYTES:
            chunks.append([])
            size = 0
        chunks[-1].append(entry)
        size += bytes_
    return chunks
