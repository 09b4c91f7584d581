"""Every port scoring's logic uses, as Protocols; the adapters (services/scoring/adapters) implement them.

``Publisher`` and ``Clock`` are the shared ones (services/common/logic/ports.py), re-exported so that scoring's
logic takes all its ports from here.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, Protocol

from services.common.logic.ports import Clock, Publisher
from services.common.models.events import EventEnvelope
from services.common.models.portfolio import Account
from services.common.models.signals import AccountSignals
from services.scoring.models.announcement import Announcement
from services.scoring.models.schedule import Schedule

__all__ = ["Announcer", "Clock", "Profiles", "Publisher", "Refresher", "Schedules", "SignalsStore"]


class SignalsStore(Protocol):
    def load(self, account_id: str) -> AccountSignals: ...

    def save(self, before: AccountSignals, after: AccountSignals) -> None:
        """Replace ``before`` by ``after``; ConcurrentUpdate if someone else wrote in between."""


class Profiles(Protocol):
    def account(self, account_id: str) -> Account | None: ...


class Announcer(Protocol):
    def announce(self, announcement: Announcement) -> None:
        """Write the history record (and the schedule) and put the HealthChanged event on the bus (idempotent)."""

    def signal(self, event: EventEnvelope) -> None:
        """Put an ExpansionSignal on the bus (same event id when repeated)."""


class Schedules(Protocol):
    """The health-check schedules, as the cadence job reads and moves them on."""

    def due(self, now: datetime) -> Iterable[Schedule]:
        """Every schedule due at or before ``now`` (from the due index, oldest first per shard)."""

    def reschedule(self, before: Schedule, after: Schedule) -> bool:
        """Replace ``before`` by ``after`` unless scoring moved it meanwhile (then False: its schedule wins)."""


class Refresher(Protocol):
    def refresh(self, account_id: str, now: datetime) -> Any:
        """Rescore the account as of ``now`` (``services.scoring.logic.recorder.Refreshed``)."""
