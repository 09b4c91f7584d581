"""The quarantine: nothing correctly signed is dropped. Items wait with their reason and are replayed.

A replay re-runs parse → resolve → publish on the kept bytes with today's mapping and rules (the delivery
was verified when it arrived). It is idempotent: the publish goes through the same delivery-key
idempotency as a live delivery, and an item already replayed is not replayed again. A replay that still
fails keeps the item, with the new reason.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime

from services.ingest.logic.ports import Clock, QuarantineStore, Replays, ReplayTelemetry
from services.ingest.models.errors import RetryLater
from services.ingest.models.quarantine import ReplayAnswer, ReplayRequest, ReplayResult


class Replayer:
    def __init__(
        self,
        ingest: Replays,
        store: QuarantineStore,
        clock: Clock | None = None,
        telemetry: ReplayTelemetry | None = None,
    ):
        self._ingest = ingest
        self._store = store
        self._clock = clock or (lambda: datetime.now(UTC))
        self._telemetry = telemetry

    # ------------------------------------------------------------------ what the QuarantineReplay function asks
    def answer(self, request: ReplayRequest, keep_going: Callable[[], bool]) -> ReplayAnswer:
        """A direct request: the items by id, or every pending item with a reason while ``keep_going()``."""
        if request.ids:
            answer = ReplayAnswer([self.replay(qid) for qid in request.ids])
        else:
            assert request.reason is not None  # ReplayRequest gives ids or a reason
            results, following = self.replay_reason(request.reason, request.source, keep_going, request.after)
            answer = ReplayAnswer(results, following)
        self._report(answer.results)
        return answer

    def mapping_arrived(self, lookup_key: str) -> list[ReplayResult]:
        """A mapping was imported or learned: replay what waited for it.

        Raises RetryLater when an item was left as it was (its source is unknown to this deployment, e.g. while
        a deployment that adds it rolls out), so the stream delivers the record again.
        """
        results = self.replay_waiting([lookup_key])
        self._report(results)
        if any(r.result == "retry_later" for r in results):
            raise RetryLater(f"{lookup_key}: a waiting delivery's source is unknown here; retrying the record")
        return results

    # ------------------------------------------------------------------ replays
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
        # Refused before parsing: its source is not in this deployment's code. Left as it was.
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

    def _report(self, results: list[ReplayResult]) -> None:
        if self._telemetry is not None:
            self._telemetry.replayed(results)
