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
        for _ in range(_ATTEMPTS):
            before = self._store.load(event.account_id)
            try:
                stored = self._store.save(before, apply(before, event), event)
            except ConcurrentUpdate:
                continue
            return Recorded(event.event_id, duplicate=not stored)
        raise ConcurrentUpdate(f"account {event.account_id} kept changing; the message will be retried")
