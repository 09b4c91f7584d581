"""Is this event a clean peak moment? If so, build the ask; if not, say which gate blocked it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from services.common.models.config import BoomerangConfig, Trigger
from services.common.models.events import (
    PEAK_EVENT_TYPES,
    BusSource,
    EventEnvelope,
    EventType,
    GateResult,
    NpsResponded,
    TriggerBlocked,
    TriggerFired,
    new_event,
)
from services.triggers.logic.ask import build_ask
from services.triggers.logic.gates import evaluate_gates
from services.triggers.logic.ports import Clock, FactsSource, TriggerStore
from services.triggers.models.decision import Decision
from services.triggers.models.facts import Facts
from services.triggers.models.trigger import TriggerRecord

_TRIGGER_NAMESPACE = uuid.UUID("0b7e3f52-8c1d-4f7a-9e26-3d5a1c9b8e40")


def trigger_id_for(account_id: str, rule: str, moment_id: str) -> str:
    return str(uuid.uuid5(_TRIGGER_NAMESPACE, f"{account_id}\x1f{rule}\x1f{moment_id}"))


@dataclass(frozen=True)
class TriggerEvaluator:
    config: BoomerangConfig
    facts: FactsSource
    store: TriggerStore
    clock: Clock

    def evaluate(self, event: EventEnvelope) -> Decision:
        if event.type not in PEAK_EVENT_TYPES:
            return Decision(outcome="not_a_trigger", reason=f"{event.type} is not a peak moment")
        trigger = self._matching_rule(event)
        if trigger is None:
            return Decision(outcome="not_a_trigger", reason=self._why_no_rule(event))
        now = self.clock()
        window_ends_at = event.occurred_at + timedelta(hours=self.config.windows.peak_hours)
        if window_ends_at <= now:
            return Decision(outcome="not_a_trigger", reason=f"the {trigger.label} window closed at {window_ends_at}")
        promoter_id = getattr(event.data, "contact_id", None)
        promoter_key = promoter_id or getattr(event.data, "respondent_email", None) or f"account:{event.account_id}"
        facts = self.facts.gather(event.account_id, promoter_key, promoter_id)
        if facts is None:
            return Decision(outcome="not_a_trigger", reason=f"account {event.account_id} is not in the portfolio")

        # NPS: the response id, so Delighted's .updated re-delivery of the same answer never fires twice.
        moment_id = event.data.response_id if isinstance(event.data, NpsResponded) else event.source_event_id
        trigger_id = trigger_id_for(facts.account.account_id, trigger.key, moment_id)
        gates = evaluate_gates(facts.signals, self.config.gates, now, facts.last_asked)
        if not all(g.passed for g in gates):
            blocked = TriggerBlocked(
                trigger_id=trigger_id,
                rule=trigger.key,
                rule_label=trigger.label,
                source_event_id=event.event_id,
                gates=gates,
            )
            failed = ", ".join(g.gate for g in gates if not g.passed)
            return Decision(
                outcome="blocked",
                reason=f"blocked by {failed}",
                event=self._envelope(event, EventType.TRIGGER_BLOCKED, blocked, now),
            )
        fired = self._fired(event, trigger, trigger_id, facts, gates, window_ends_at, now)
        record = TriggerRecord.of(fired, account_id=facts.account.account_id, promoter_key=promoter_key, fired_at=now)
        if not self.store.claim(record, self.config.gates.ask_cooldown_days):
            return Decision(outcome="duplicate", reason=f"trigger {trigger_id} already fired")
        return Decision(
            outcome="fired",
            reason=f"{trigger.label} for {fired.ask.promoter_name}",
            event=self._envelope(event, EventType.TRIGGER_FIRED, fired, now),
        )

    def _fired(
        self,
        event: EventEnvelope,
        trigger: Trigger,
        trigger_id: str,
        facts: Facts,
        gates: list[GateResult],
        window_ends_at: datetime,
        now: datetime,
    ) -> TriggerFired:
        ask = build_ask(
            event=event,
            trigger=trigger,
            config=self.config,
            facts=facts,
            gates=gates,
            window_ends_at=window_ends_at,
            now=now,
        )
        return TriggerFired(
            trigger_id=trigger_id,
            rule=trigger.key,
            rule_label=trigger.label,
            pillar=trigger.pillar,
            source_event_id=event.event_id,
            csm_member_id=facts.account.csm_id,
            csm_slack_user_id=facts.csm.slack_user_id if facts.csm else None,
            window_ends_at=window_ends_at,
            gates=gates,
            ask=ask,
        )

    def _matching_rule(self, event: EventEnvelope) -> Trigger | None:
        for trigger in self.config.triggers_for(event.type):
            if trigger.min_score is not None and (
                not isinstance(event.data, NpsResponded) or event.data.score < trigger.min_score
            ):
                continue
            return trigger
        return None

    def _why_no_rule(self, event: EventEnvelope) -> str:
        if isinstance(event.data, NpsResponded):
            return f"NPS {event.data.score} is not a peak moment"
        return f"no trigger is configured for {event.type}"

    @staticmethod
    def _envelope(
        cause: EventEnvelope, event_type: EventType, data: TriggerFired | TriggerBlocked, now: datetime
    ) -> dict[str, object]:
        envelope = new_event(
            source=BusSource.TRIGGERS,
            source_event_id=data.trigger_id,
            account_id=cause.account_id,
            event_type=event_type,
            data=data,
            occurred_at=now,
            received_at=now,
        )
        return envelope.model_dump(mode="json")
