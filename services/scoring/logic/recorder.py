"""Record one canonical event against its account's signals, exactly once, and rescore the account's health.

Per event: one (eventually consistent) read and one versioned put of the signals item, which carries the
small health summary. Only when the status changes or the score moves by ``[health] announce_delta`` is the
score announced: a HealthChanged event on the bus and one score-history item (docs/cost.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from services.common.models.config import Health
from services.common.models.events import (
    EventEnvelope,
    EventType,
    ExpansionReason,
    ExpansionSignal,
    HealthChanged,
    MeetingHeld,
    event_id_for,
)
from services.common.models.portfolio import Account
from services.common.models.signals import AccountSignals, HealthSummary, short_id
from services.scoring.logic import cadence, expansion
from services.scoring.logic.emit import SOURCE, scoring_event
from services.scoring.logic.expansion import ExpansionResult
from services.scoring.logic.health import HealthModel, Scored, assess, explain, summarize
from services.scoring.logic.ports import Announcer, Profiles, SignalsStore
from services.scoring.logic.signals import apply
from services.scoring.logic.submetrics import Inputs
from services.scoring.models.announcement import Announcement
from services.scoring.models.errors import ConcurrentUpdate

_ATTEMPTS = 5


@dataclass(frozen=True)
class Recorded:
    event_id: str
    duplicate: bool
    score: float | None = None
    status: str | None = None
    announced: str | None = None  # why a HealthChanged was emitted ("status" / "delta"), if one was
    expansion: bool = False  # an ExpansionSignal was emitted (the account crossed the threshold)

    def counts(self) -> tuple[str, ...]:
        """What happened, as the ScoringQueue handler counts it (one each)."""
        return (
            "event_duplicate" if self.duplicate else "event_recorded",
            *(("health_changed",) if self.announced else ()),
            *(("expansion_signal",) if self.expansion else ()),
        )


@dataclass(frozen=True)
class Refreshed:
    """An account rescored as of a moment (no event), for the cadence job."""

    signals: AccountSignals
    scored: Scored
    announced: str | None


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
            outcome = self._rescore(before, after, at, event.event_id)
            if outcome is None:
                continue
            scored, reason, growth = outcome
            return Recorded(event.event_id, False, scored.score, scored.status, reason, growth is not None)
        raise ConcurrentUpdate(f"account {event.account_id} kept changing; the message will be retried")

    def refresh(self, account_id: str, now: datetime) -> Refreshed:
        """Rescore an account as of ``now`` with no new event: inputs age (usage goes stale, meetings recede),
        so a silent account's score moves too. Saved (and announced) only when the health summary changed."""
        cause = event_id_for(SOURCE, f"refresh:{account_id}:{now.isoformat()}", EventType.HEALTH_CHANGED)
        for _ in range(_ATTEMPTS):
            before = self._store.load(account_id)
            after = before.model_copy(deep=True)
            outcome = self._rescore(before, after, now, cause, save_if_unchanged=False)
            if outcome is None:
                continue
            scored, reason, _ = outcome
            return Refreshed(after, scored, reason)
        raise ConcurrentUpdate(f"account {account_id} kept changing; the cadence job will retry")

    def _rescore(
        self,
        before: AccountSignals,
        after: AccountSignals,
        at: datetime,
        cause_id: str,
        save_if_unchanged: bool = True,
    ) -> tuple[Scored, str | None, ExpansionResult | None] | None:
        """Score ``after`` as of ``at``, save it (None when someone else wrote first), then announce."""
        account_id = after.account_id
        profile = self.profile(account_id)
        inputs, scored = assess(after, profile, at, self._model)
        growth = expansion.score(inputs, scored.status, self._health.expansion, scored.insufficient)
        after.health, reason = summarize(before.health, scored, at, cause_id, self._model, growth.qualified)
        if save_if_unchanged or after.health != before.health:
            try:
                self._store.save(before, after)
            except ConcurrentUpdate:
                return None
        previous = before.health or HealthSummary()
        if reason is not None:
            self._announce(account_id, cause_id, at, inputs, scored, previous.sub, reason, previous, after.health)
        crossed = growth.qualified and not previous.xq
        if crossed:
            self._signal_expansion(account_id, cause_id, at, scored, growth, profile)
        return scored, reason, growth if crossed else None

    def _announce_again(self, signals: AccountSignals, event: EventEnvelope) -> None:
        """A redelivered event that announced a change (or an expansion crossing): announce it again in case the
        first try was lost after the signals were saved (same event id and history key, so consumers and the
        table see it once). Only while nothing else was applied since; the explanation's "moved" is then empty."""
        summary = signals.health
        short = short_id(event.event_id)
        if summary is None or not signals.recent_events or signals.recent_events[-1] != short:
            return
        if summary.by != short and summary.xby != short:
            return
        at = signals.updated_at or event.occurred_at
        profile = self.profile(event.account_id)
        inputs, scored = assess(signals, profile, at, self._model)
        if scored.score is None:
            return
        if summary.by == short:
            previous = HealthSummary.model_construct(announced=summary.was, announced_status=summary.was_status)
            reason = "status" if summary.was_status != scored.status else "delta"
            self._announce(event.account_id, event.event_id, at, inputs, scored, summary.sub, reason, previous, summary)
        if summary.xby == short and summary.xq:
            growth = expansion.score(inputs, scored.status, self._health.expansion, scored.insufficient)
            if growth.qualified:
                self._signal_expansion(event.account_id, event.event_id, at, scored, growth, profile)

    def _announce(
        self,
        account_id: str,
        cause_id: str,
        at: datetime,
        inputs: Inputs,
        scored: Scored,
        baseline_sub: list[float | None],
        reason: str,
        previous: HealthSummary,
        summary: HealthSummary | None,
    ) -> None:
        if self._announcer is None or scored.score is None or scored.status is None:
            return
        growth = expansion.score(inputs, scored.status, self._health.expansion, scored.insufficient)
        explanation = explain(inputs, scored, baseline_sub, reason, growth.as_dict())
        data = HealthChanged(
            score=scored.score,
            status=scored.status,
            previous_score=previous.announced,
            previous_status=previous.announced_status,
            explanation=explanation,
        )
        changed = scoring_event(EventType.HEALTH_CHANGED, account_id, cause_id, data, at)
        history = {
            "score": scored.score,
            "status": scored.status,
            "previous_score": previous.announced,
            "previous_status": previous.announced_status,
            "reason": reason,
            "pillars": explanation["pillars"],
            "moved": explanation["moved"],
            "coverage": scored.coverage,
            "event_id": cause_id,
            "health_event_id": changed.event_id,
        }
        schedule = None
        if reason == "status":
            since = summary.since if summary is not None and summary.since is not None else at
            profile = self.profile(account_id)
            schedule = cadence.schedule(
                account_id,
                scored.status,
                scored.score,
                since,
                at,
                self._health.cadence,
                csm_member_id=profile.csm_id if profile else None,
            )
        expires = at + timedelta(days=self._health.history_ttl_days)
        self._announcer.announce(Announcement(event=changed, history=history, expires_at=expires, schedule=schedule))

    def _signal_expansion(
        self,
        account_id: str,
        cause_id: str,
        at: datetime,
        scored: Scored,
        growth: ExpansionResult,
        profile: Account | None,
    ) -> None:
        if self._announcer is None:
            return
        data = ExpansionSignal(
            score=growth.score,
            threshold=self._health.expansion.threshold,
            reasons=[ExpansionReason(**reason) for reason in growth.reasons()],
            health_score=scored.score,
            status=scored.status,
            account_name=profile.name if profile else None,
            ae_member_id=profile.ae_id if profile else None,
            csm_member_id=profile.csm_id if profile else None,
            renewal_date=profile.renewal_date if profile else None,
        )
        self._announcer.signal(scoring_event(EventType.EXPANSION_SIGNAL, account_id, cause_id, data, at))
