"""Every port ingest's logic needs, as Protocols; services/ingest/adapters/ implements them, wiring.py plugs them in.

``Publisher`` (the bus) and ``Clock`` are shared by every service: declared once in services/common/logic/ports.py.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Protocol

from services.common.logic.ports import Clock, Publisher
from services.ingest.logic.raw import RawDelivery
from services.ingest.models.quarantine import QuarantinedDelivery, ReplayResult
from services.ingest.models.webhook import Identity, IngestResult

__all__ = [
    "Archive",
    "Clock",
    "DeliveryTelemetry",
    "IdentityLookup",
    "Once",
    "Publisher",
    "QuarantineStore",
    "ReplayTelemetry",
    "Replays",
    "Secrets",
]

#: Reads the Boomerang secret's keys (the adapter caches the value; a rotated secret is seen within minutes).
Secrets = Callable[[], dict[str, str]]


class Archive(Protocol):
    """The raw-body archive (Firehose → S3)."""

    def reference(self, raw: RawDelivery) -> str:
        """The ``raw_ref`` the body will have (known before it is stored, so events can carry it)."""

    def begin(self, raw: RawDelivery) -> Callable[[], str]:
        """Start keeping the body; the returned function waits for it (and raises if it failed)."""


class Once(Protocol):
    """Runs ``action`` once per key; a repeat returns the first result and ``True`` (a duplicate)."""

    def __call__(self, key: str, action: Callable[[], dict[str, object]]) -> tuple[dict[str, object], bool]: ...


class IdentityLookup(Protocol):
    """The PortfolioTable's lookups: a vendor's names for our accounts and contacts."""

    def find(self, namespace: str, external_id: str) -> Identity | None:
        """The record ``LOOKUP#<namespace>#<external_id>`` names, if any."""

    def account_exists(self, account_id: str) -> bool: ...

    def remember(self, namespace: str, external_id: str, identity: Identity, learned_from: str) -> bool:
        """Create the lookup unless one exists already (then nothing is written and False is returned)."""


class QuarantineStore(Protocol):
    """Where correctly signed deliveries wait until they can be used (QuarantineTable)."""

    def keep(self, item: QuarantinedDelivery, *, replay: bool) -> None:
        """Create or update the item (same id: one more delivery, or one more replay attempt; the newest body
        is kept, the first receipt time stays)."""

    def get(self, quarantine_id: str) -> QuarantinedDelivery | None: ...

    def resolve(
        self, quarantine_id: str, outcome: str, event_ids: list[str], raw_ref: str | None, at: datetime
    ) -> None:
        """Mark it replayed (it leaves the listing; the record expires later)."""

    def waiting_for(self, lookup_key: str) -> list[str]:
        """Ids of the items waiting for this lookup key to exist."""

    def pending(self, reason: str, source: str | None = None) -> Iterator[QuarantinedDelivery]:
        """Pending items with this reason (bodies not loaded), oldest first within a source."""


class Replays(Protocol):
    """What the Replayer needs of the ingest service: parse → resolve → publish a kept delivery again."""

    def replay(self, item: QuarantinedDelivery) -> IngestResult: ...


class DeliveryTelemetry(Protocol):
    """What is counted and logged of each live delivery (EMF per source, one log line without personal data)."""

    def delivery(self, source: str, result: IngestResult) -> None: ...


class ReplayTelemetry(Protocol):
    """What is counted and logged of each replay."""

    def replayed(self, results: list[ReplayResult]) -> None: ...
