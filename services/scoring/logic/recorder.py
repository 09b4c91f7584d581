"""Record one canonical event against its account's signals, exactly once."""

from __future__ import annotations

from dataclasses import dataclass

from services.common.events import EventEnvelope
from services.scoring.dal.state_table import ConcurrentUpdate, SignalsStore
from services.scoring.logic.signals import apply

_ATTEMPTS = 5


@dataclass(frozen=True)
class Recorded:
    event_id: str
    duplicate: bool


class SignalRecorder:
    def __init__(self, store: SignalsStore):
        self._store = store

    def record(self, event: EventEnvelope) -> Recorded:
        """Signals change exactly once per event: optimistic locking plus the ring of recent event ids.

        Every event itself is kept by the bus archive; scoring stores only what the gates and scores read.
        """
        for _ in range(_ATTEMPTS):
            before = self._store.load(event.account_id)
            duplicate = before.has_applied(event.event_id)
            if not duplicate:
                try:
                    self._store.save(before, apply(before, event))
                except ConcurrentUpdate:
                    continue
            return Recorded(event.event_id, duplicate=duplicate)
        raise ConcurrentUpdate(f"account {event.account_id} kept changing; the message will be retried")
