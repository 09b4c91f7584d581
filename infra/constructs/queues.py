"""SQS work queues, each with its own dead-letter queue."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import Duration
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.constructs.naming import set_logical_id

MAX_RECEIVE_COUNT = 5
#: AWS guidance: a Lambda-consumed queue's visibility timeout is at least six times the function timeout.
VISIBILITY_TIMEOUT_FACTOR = 6
DLQ_RETENTION = Duration.days(14)


@dataclass(frozen=True)
class QueueWithDlq:
    queue: sqs.Queue
    dlq: sqs.Queue


def queue_with_dlq(scope: Construct, name: str, *, consumer_timeout: Duration) -> QueueWithDlq:
    """Create ``<name>Queue`` and ``<name>Dlq``: SQS-managed SSE, TLS enforced, redrive after 5 receives.

    ``consumer_timeout`` is the timeout of whatever consumes the queue; the visibility timeout is six times it.
    """
    dlq = sqs.Queue(
        scope,
        f"{name}Dlq",
        encryption=sqs.QueueEncryption.SQS_MANAGED,
        enforce_ssl=True,
        retention_period=DLQ_RETENTION,
    )
    set_logical_id(dlq, f"{name}Dlq")
    queue = sqs.Queue(
        scope,
        f"{name}Queue",
        encryption=sqs.QueueEncryption.SQS_MANAGED,
        enforce_ssl=True,
        visibility_timeout=Duration.seconds(consumer_timeout.to_seconds() * VISIBILITY_TIMEOUT_FACTOR),
        dead_letter_queue=sqs.DeadLetterQueue(queue=dlq, max_receive_count=MAX_RECEIVE_COUNT),
    )
    set_logical_id(queue, f"{name}Queue")
    return QueueWithDlq(queue=queue, dlq=dlq)


class Queues(Construct):
    """The three work queues of docs/architecture.md, each sized for its consumer's timeout."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        scoring_timeout: Duration,
        triggers_timeout: Duration,
        notify_timeout: Duration,
    ) -> None:
        super().__init__(scope, construct_id)
        self.scoring = queue_with_dlq(self, "Scoring", consumer_timeout=scoring_timeout)
        # Consumed by the pipe, whose slowest downstream step is the Triggers function.
        self.triggers = queue_with_dlq(self, "Triggers", consumer_timeout=triggers_timeout)
        self.notify = queue_with_dlq(self, "Notify", consumer_timeout=notify_timeout)

    @property
    def all(self) -> tuple[QueueWithDlq, ...]:
        return (self.scoring, self.triggers, self.notify)
