"""EventBridge rules that fan the bus out to the work queues."""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Duration
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from constructs import Construct

from infra.constructs.naming import set_logical_id
from infra.constructs.queues import QueueWithDlq
from services.common.models.config import BoomerangConfig
from services.common.models.events import BusSource, EventType

NOTIFY_EVENT_TYPES = (EventType.TRIGGER_FIRED, EventType.ASK_APPROVED, EventType.ASK_SKIPPED)
#: What scoring tells people: expansion signals (to the AE), due health checks and red-account escalations.
NOTIFY_HEALTH_EVENT_TYPES = (EventType.EXPANSION_SIGNAL, EventType.HEALTH_CHECK_DUE, EventType.RED_ACCOUNT_ESCALATED)

TARGET_RETRY_ATTEMPTS = 8
TARGET_MAX_EVENT_AGE = Duration.hours(24)


def trigger_patterns(config: BoomerangConfig) -> dict[str, events.EventPattern]:
    """Only events a configured trigger could fire on enter rule evaluation (read from boomerang.toml).

    NPS answers below every NPS trigger's ``min_score`` are filtered by the bus itself, so the usual
    majority of survey answers never starts a workflow. Two rules into one queue keep each pattern plain.
    """
    nps = [t for t in config.triggers if t.event is EventType.NPS_RESPONDED]
    others = sorted({t.event.value for t in config.triggers if t.event is not EventType.NPS_RESPONDED})
    patterns: dict[str, events.EventPattern] = {}
    if others:
        patterns["ToTriggers"] = events.EventPattern(source=[BusSource.INGEST.value], detail_type=others)
    if nps:
        thresholds = [t.min_score for t in nps]
        detail = (
            None
            if None in thresholds
            else {"data": {"score": [{"numeric": [">=", min(s for s in thresholds if s is not None)]}]}}
        )
        patterns["ToTriggersNps"] = events.EventPattern(
            source=[BusSource.INGEST.value], detail_type=[EventType.NPS_RESPONDED.value], detail=detail
        )
    return patterns


class Routing(Construct):
    """``ToScoring``, ``ToTriggers`` / ``ToTriggersNps`` (from the rules file), ``ToNotify`` and ``ToNotifyHealth``.

    Targets are plain SQS targets (no input transformer): the message body is the whole EventBridge event.
    An event that cannot be delivered after the retry policy goes to the target queue's own DLQ.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        bus: events.IEventBus,
        scoring: QueueWithDlq,
        triggers: QueueWithDlq,
        notify: QueueWithDlq,
        config: BoomerangConfig,
    ) -> None:
        super().__init__(scope, construct_id)
        self.bus = bus
        self.to_scoring = self._route(
            "ToScoring",
            "Every ingested event updates account signals.",
            events.EventPattern(source=[BusSource.INGEST.value]),
            scoring,
        )
        self.to_triggers = [
            self._route(name, "Events a configured peak trigger could fire on are evaluated.", pattern, triggers)
            for name, pattern in trigger_patterns(config).items()
        ]
        self.to_notify = self._route(
            "ToNotify",
            "Fired triggers and CSM decisions are delivered to Slack / email.",
            events.EventPattern(
                source=[BusSource.TRIGGERS.value, BusSource.NOTIFY.value],
                detail_type=[t.value for t in NOTIFY_EVENT_TYPES],
            ),
            notify,
        )
        self.to_notify_health = self._route(
            "ToNotifyHealth",
            "Expansion signals, due health checks and escalations are delivered to the AE / CSM / manager.",
            events.EventPattern(
                source=[BusSource.SCORING.value], detail_type=[t.value for t in NOTIFY_HEALTH_EVENT_TYPES]
            ),
            notify,
        )

    @property
    def rules(self) -> Sequence[events.Rule]:
        return (self.to_scoring, *self.to_triggers, self.to_notify, self.to_notify_health)

    def _route(self, name: str, description: str, pattern: events.EventPattern, target: QueueWithDlq) -> events.Rule:
        rule = events.Rule(self, name, event_bus=self.bus, description=description, event_pattern=pattern)
        rule.add_target(
            targets.SqsQueue(
                target.queue,
                dead_letter_queue=target.dlq,
                retry_attempts=TARGET_RETRY_ATTEMPTS,
                max_event_age=TARGET_MAX_EVENT_AGE,
            )
        )
        set_logical_id(rule, name)
        return rule
