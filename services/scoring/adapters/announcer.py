"""What scoring writes and publishes when it announces: history (+ schedule) items, then the bus event."""

from __future__ import annotations

from services.common.models.events import EventEnvelope
from services.scoring.adapters.schedules import ScheduleTable
from services.scoring.adapters.state_table import StateTable
from services.scoring.logic.ports import Publisher
from services.scoring.models.announcement import Announcement


class BusAnnouncer:
    """The ``Announcer`` port: the score-history item and, on a status change, the health-check schedule; then
    the event on the bus (written first, so a failed put is retried with the items already there)."""

    def __init__(self, state: StateTable, publisher: Publisher, schedules: ScheduleTable):
        self._state = state
        self._publisher = publisher
        self._schedules = schedules

    def announce(self, announcement: Announcement) -> None:
        event = announcement.event
        self._state.put_history(event.account_id, event.occurred_at, announcement.history, announcement.expires_at)
        if announcement.schedule is not None:
            self._schedules.put_schedule(announcement.schedule)
        self.signal(event)

    def signal(self, event: EventEnvelope) -> None:
        self._publisher.publish([event])
