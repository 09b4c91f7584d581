"""In-memory scoring adapters: health-check schedules and the announcer."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from services.common.models.events import EventEnvelope


class InMemorySchedules:
    """Health-check schedules as the StateTable's CADENCE items and DueIndex keep them."""

    def __init__(self) -> None:
        self.items: dict[str, Any] = {}

    def put_schedule(self, entry: Any) -> None:
        current = self.items.get(entry.account_id)
        if current is not None and current.since > entry.since:
            return  # an older status change arriving late
        last_check = current.last_check_at if current is not None else None
        from dataclasses import replace

        self.items[entry.account_id] = replace(entry, last_check_at=last_check)

    def due(self, now: datetime) -> list[Any]:
        return sorted((e for e in self.items.values() if e.due_at <= now), key=lambda e: e.due_at)

    def reschedule(self, before: Any, after: Any) -> bool:
        current = self.items.get(before.account_id)
        if current is None or current.due_at != before.due_at or current.since != before.since:
            return False
        self.items[after.account_id] = after
        return True


class RecordingAnnouncer:
    """Scoring's announcer: history records, schedules (into ``schedules``) and every published event."""

    def __init__(self, schedules: InMemorySchedules | None = None) -> None:
        self.announcements: list[Any] = []
        self.events: list[EventEnvelope] = []
        self.schedules = schedules

    def announce(self, announcement: Any) -> None:
        self.announcements.append(announcement)
        if announcement.schedule is not None and self.schedules is not None:
            self.schedules.put_schedule(announcement.schedule)
        self.events.append(announcement.event)

    def signal(self, event: EventEnvelope) -> None:
        self.events.append(event)

    def of_type(self, event_type: str) -> list[EventEnvelope]:
        return [e for e in self.events if e.type == event_type]
