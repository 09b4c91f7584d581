"""Record one canonical event against its account's signals, exactly once, and rescore the account's health.

Per event: one (eventually consistent) read and one versioned put of the signals item, which carries the
small health summary. Only when the status changes or the score moves by ``[health] announce_delta`` is the
score announced: a HealthChanged event on the bus and one score-history item (docs/cost.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from services.common.config import Health
from services.common.events import EventEnvelope, EventType, HealthChanged, MeetingHeld, new_event
from services.common.portfolio import Account
from services.common.signals import AccountSignals, HealthSummary, short_id
from services.scoring.dal.state_table import ConcurrentUpdate, SignalsStore
from services.scoring.logic import expansion
from services.scoring.logic.health import HealthModel, Scored, assess, explain, summarize
from services.scoring.logic.signals import apply
from services.scoring.logic.submetrics import Inputs

_ATTEMPTS = 5
SOURCE = "boomerang.scoring"


@dataclass(frozen=True)
class Recorded:
    event_id: str
    duplicate: bool
    score: float | None = None
    status: str | None = None
    announced: str | None = None  # why a HealthChanged was emitted ("status" / "delta"), if one was


@dataclass(frozen=True)
class Announcement:
    """A HealthChanged event plus the score-history record written with it."""

    event: EventEnvelope
    history: dict[str, Any]
    expires_at: datetime


class Announcer(Protocol):
    def announce(self, announcement: Announcement) -> None:
        """Write the history record and put the HealthChanged event on the bus (both idempotent)."""


class Profiles(Protocol):
    def account(self, account_id: str) -> Account | None: ...


def track(signals: AccountSignals, event: EventEnvelope, meeting_log: int) -> AccountSignals:
    """Health inputs the generic signals don't keep: the meeting log and the last meeting with an executive.

    Mutates and returns ``signals`` (a fresh copy from ``apply``).
    """
    data = event.data
    if isinstance(data, MeetingHeld):
        mark = "e" if data.attended and data.executive_present else "a" if data.attended else "x"
        signals.meetings = (signals.meetings + mark)[-meeting_log:]
        last = signals.last_exec_meeting_at
        if mark == "e" and (last is None or event.occurred_at > last):
            signals.last_exec_meeting_at = event.occurred_at
    return signals


class SignalRecorder:
    def __init__(
        self,
        store: SignalsStore,
        profiles: Profiles | None = None,
        announcer: Announcer | None = None,
        health: Health | None = None,
    ):
        self._store = store
        self._profiles = profiles
        self._announcer = announcer
        self._health = health or Health()
        self._model = HealthModel.from_config(self._health)
        self._cache: dict[str, Account | None] = {}

    def begin_batch(self) -> None:
        """Profiles are cached per account within a batch only (segment, seats or renewal date may change)."""
        self._cache.clear()

    def profile(self, account_id: str) -> Account | None:
        if self._profiles is None:
            return None
        if account_id not in self._cache:
            self._cache[account_id] = self._profiles.account(account_id)
        return self._cache[account_id]

    def record(self, event: EventEnvelope) -> Recorded:
        """Signals change exactly once per event: optimistic locking plus the ring of recent event ids.

        Every event itself is kept by the bus archive; scoring stores only what the gates and scores read.
        """
        for _ in range(_ATTEMPTS):
            before = self._store.load(event.account_id)
            if before.has_applied(event.event_id):
                self._announce_again(before, event)
                return Recorded(event.event_id, duplicate=True)
            after = track(apply(before, event), event, self._model.sub.meeting_log)
            at = after.updated_at or event.occurred_at
            inputs, scored = assess(after, self.profile(event.account_id), at, self._model)
            after.health, reason = summarize(before.health, scored, at, event.event_id, self._model)
            try:
                self._store.save(before, after)
            except ConcurrentUpdate:
                continue
            if reason is not None:
                previous = before.health or HealthSummary()
                self._announce(event, at, inputs, scored, previous.sub, reason, previous)
            return Recorded(event.event_id, False, scored.score, scored.status, reason)
        raise ConcurrentUpdate(f"account {event.account_id} kept changing; the message will be retried")

    def _announce_again(self, signals: AccountSignals, event: EventEnvelope) -> None:
        """A redelivered event that announced a change: announce it again in case the first try was lost after
        the signals were saved (same event id and history key, so consumers and the table see it once).
        Only while nothing else was applied since; the explanation's "moved" is then empty."""
        summary = signals.health
        short = short_id(event.event_id)
        if summary is None or summary.by != short or not signals.recent_events or signals.recent_events[-1] != short:
            return
        at = signals.updated_at or event.occurred_at
        inputs, scored = assess(signals, self.profile(event.account_id), at, self._model)
        if scored.score is None:
            return
        previous = HealthSummary.model_construct(announced=summary.was, announced_status=summary.was_status)
        self._announce(
            event,
            at,
            inputs,
            scored,
            summary.sub,
            "status" if summary.was_status != scored.status else "delta",
            previous,
        )

    def _announce(
        self,
        event: EventEnvelope,
        at: datetime,
        inputs: Inputs,
        scored: Scored,
        baseline_sub: list[float | None],
        reason: str,
        previous: HealthSummary,
    ) -> None:
        if self._announcer is None or scored.score is None or scored.status is None:
            return
        growth = expansion.score(inputs, scored.status, self._health.expansion)
        explanation = explain(inputs, scored, baseline_sub, reason, growth.as_dict())
        data = HealthChanged(
            score=scored.score,
            status=scored.status,
            previous_score=previous.announced,
            previous_status=previous.announced_status,
            explanation=explanation,
        )
        changed = new_event(
            source=SOURCE,
            source_event_id=event.event_id,
            account_id=event.account_id,
            event_type=EventType.HEALTH_CHANGED,
            data=data,
            occurred_at=at,
            received_at=datetime.now(UTC),
        )
        history = {
            "score": scored.score,
            "status": scored.status,
            "previous_score": previous.announced,
            "previous_status": previous.announced_status,
            "reason": reason,
            "pillars": explanation["pillars"],
            "coverage": scored.coverage,
            "event_id": event.event_id,
            "health_event_id": changed.event_id,
        }
        expires = at + timedelta(days=self._health.history_ttl_days)
        self._announcer.announce(Announcement(event=changed, history=history, expires_at=expires))
