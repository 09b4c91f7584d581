"""EventBridge rules that fan the bus out to the work queues."""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Duration
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from constructs import Construct

from infra.constructs.naming import set_logical_id
from infra.constructs.queues import QueueWithDlq

#: Event types that can be a peak moment (docs/architecture.md, rule ToTriggers).
PEAK_EVENT_TYPES = ("NpsResponded", "OnboardingCompleted", "RenewalSigned", "ExpansionSigned")
NOTIFY_EVENT_TYPES = ("TriggerFired", "AskApproved", "AskSkipped")

TARGET_RETRY_ATTEMPTS = 8
TARGET_MAX_EVENT_AGE = Duration.hours(24)


class Routing(Construct):
    """``ToScoring``, ``ToTriggers`` and ``ToNotify``.

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
    ) -> None:
        super().__init__(scope, construct_id)
        self.bus = bus
        self.to_scoring = self._route(
            "ToScoring",
            "Every ingested event updates account signals.",
            events.EventPattern(source=["boomerang.ingest"]),
            scoring,
        )
        self.to_triggers = self._route(
            "ToTriggers",
            "Peak-moment event types are evaluated against the trigger rules.",
            events.EventPattern(source=["boomerang.ingest"], detail_type=list(PEAK_EVENT_TYPES)),
            triggers,
        )
        self.to_notify = self._route(
            "ToNotify",
            "Fired triggers and CSM decisions are delivered to Slack / email.",
            events.EventPattern(
                source=["boomerang.triggers", "boomerang.notify"], detail_type=list(NOTIFY_EVENT_TYPES)
            ),
            notify,
        )

    @property
    def rules(self) -> Sequence[events.Rule]:
        return (self.to_scoring, self.to_triggers, self.to_notify)

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
