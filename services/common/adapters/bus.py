"""Puts canonical events on the Boomerang bus."""

from __future__ import annotations

import os
from typing import Any

from services.common.adapters.dynamo import client
from services.common.events import EventEnvelope

_MAX_ENTRIES = 10  # PutEvents accepts at most 10 entries per call


class BusPublishError(Exception):
    pass


class EventBusPublisher:
    def __init__(self, source: str, bus_name: str | None = None, events_client: Any = None):
        self._source = source
        self._bus = bus_name or os.environ["EVENT_BUS_NAME"]
        self._client = events_client

    def publish(self, events: list[EventEnvelope]) -> None:
        events_client = self._client or client("events")
        for start in range(0, len(events), _MAX_ENTRIES):
            chunk = events[start : start + _MAX_ENTRIES]
            entries = [
                {
                    "EventBusName": self._bus,
                    "Source": self._source,
                    "DetailType": event.type.value,
                    "Detail": event.detail(),
                    "Time": event.occurred_at,
                    "Resources": [f"boomerang:account:{event.account_id}"],
                }
                for event in chunk
            ]
            response = events_client.put_events(Entries=entries)
            if response.get("FailedEntryCount"):
                failed = [e for e in response.get("Entries", []) if e.get("ErrorCode")]
                raise BusPublishError(f"{len(failed)} event(s) not accepted by the bus: {failed[:3]}")
