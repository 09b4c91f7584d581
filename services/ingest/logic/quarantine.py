"""The quarantine: nothing correctly signed is dropped. Items wait with their reason and are replayed.

A replay re-runs parse → resolve → publish on the kept bytes with today's mapping and rules (the delivery
was verified when it arrived). It is idempotent: the publish goes through the same delivery-key
idempotency as a live delivery, and an item already replayed is not replayed again. A replay that still
fails keeps the item, with the new reason.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal, Protocol

from services.ingest.models.quarantine import QuarantinedDelivery

if TYPE_CHECKING:
    from services.ingest.logic.pipeline import IngestService


class QuarantineStore(Protocol):
    def keep(self, item: QuarantinedDelivery, *, replay: bool) -> None:
        """Create or update the item (same id: one more delivery, or one more replay attempt)."""

    def get(self, quarantine_id: str) -> QuarantinedDelivery | None: ...

    def resolve(
        self, quarantine_id: str, outcome: str, event_ids: list[str], raw_ref: str | None, at: datetime
    ) -> None:
        """Mark it replayed (it leaves the listing; the record expires later)."""

    def waiting_for(self, lookup_key: str) -> list[str]:
        """Ids of the items waiting for this lookup key to exist."""

    def pending(self, reason: str, source: str | None = None) -> Iterator[QuarantinedDelivery]:
        """Pending items with this reason (bodies not loaded), oldest first within a source."""


Result = Literal["replayed", "quarantined", "not_found", "already_replayed", "retry_later"]


@dataclass(frozen=True)
class ReplayResult:
    quarantine_id: str
    result: Result
    reason: str | None = None  # the new reason, when it is still quarantined
    message: str | None = None
    outcome: str | None = None  # accepted, duplicate or ignored, when it was replayed
    event_ids: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in self.__dict__.items() if v not in (None, ())}


class Replayer:
    def __init__(self, ingest: IngestService, store: QuarantineStore, clock: Callable[[], datetime] | None = None):
        self._ingest = ingest
        self._store = store
        self._clock = clock or (lambda: datetime.now(UTC))

    def replay(self, quarantine_id: str) -> ReplayResult:
        item = self._store.get(quarantine_id)
        if item is None:
            return ReplayResult(quarantine_id, "not_found", message="no such quarantine item")
        if item.status != "pending":
            return ReplayResult(quarantine_id, "already_replayed", outcome=item.outcome, event_ids=item.event_ids)
        result = self._ingest.replay(item)
        if result.quarantine_id is not None and result.outcome != "quarantined":
            # Some of its events were published; the others still wait (the item now lists only those).
            published = tuple(str(e) for e in result.body.get("event_ids", []))
            return ReplayResult(quarantine_id, "quarantined", reason=result.reason, event_ids=published)
        if result.outcome in ("accepted", "duplicate", "ignored"):
            event_ids = [str(e) for e in result.body.get("event_ids", [])]
            self._store.resolve(quarantine_id, result.outcome, event_ids, result.raw_ref, self._clock())
            return ReplayResult(quarantine_id, "replayed", outcome=result.outcome, event_ids=tuple(event_ids))
        if result.outcome == "quarantined":
            return ReplayResult(quarantine_id, "quarantined", reason=result.reason, message=result.body.get("message"))
        # e.g. the same delivery is being processed right now, or its source is gone: left as it was
        return ReplayResult(quarantine_id, "retry_later", reason=result.reason, message=result.body.get("message"))

    def replay_waiting(self, lookup_keys: Iterable[str]) -> list[ReplayResult]:
        """Replay the items waiting for any of these lookup keys (a mapping was imported or learned)."""
        ids = dict.fromkeys(qid for key in lookup_keys for qid in self._store.waiting_for(key))
        return [self.replay(qid) for qid in ids]

    def replay_reason(
        self,
        reason: str,
        source: str | None = None,
        keep_going: Callable[[], bool] = lambda: True,
        after: str | None = None,
    ) -> tuple[list[ReplayResult], str | None]:
        """Replay the pending items with this reason in listing order, from after the position ``after``.

        Returns the results and, if time ran out first, the position to continue after (items still failing
        stay listed: continuing from the start would replay them again and never reach the end).
        """
        results: list[ReplayResult] = []
        last: str | None = None
        for item in list(self._store.pending(reason, source)):
            if after is not None and item.listing_key <= after:
                continue
            if not keep_going():
                return results, last
            results.append(self.replay(item.quarantine_id))
            last = item.listing_key
        return results, None
