"""What scoring writes and publishes when it announces: history (+ schedule) items, then the bus event."""

from __future__ import annotations

from typing import Any

from services.common.events import EventEnvelope
from services.scoring.dal.schedules import ScheduleTable
from services.scoring.logic.recorder import Announcement


class BusAnnouncer:
    """The score-history item and, on a status change, the health-check schedule; then the event on the bus
    (the publisher and the schedule table are created on first use)."""

    def __init__(self, state: Any, publisher: Any = None, schedules: ScheduleTable | None = None):
        self._state = state
        self._publisher = publisher
        self._schedules = schedules

    def announce(self, announcement: Announcement) -> None:
        event = announcement.event
        self._state.put_history(event.account_id, event.occurred_at, announcement.history, announcement.expires_at)
        if announcement.schedule is not None:
            if self._schedules is None:
                self._schedules = ScheduleTable(self._state.name, self._state.db)
            self._schedules.put_schedule(announcement.schedule)
        self.signal(event)

    def signal(self, event: EventEnvelope) -> None:
        if self._publisher is None:
            from services.common.adapters.bus import EventBusPublisher

            self._publisher = EventBusPublisher("boomerang.scoring")
        self._publisher.publish([event])
