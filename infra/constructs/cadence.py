"""The health-check cadence (seed 004): an EventBridge Scheduler schedule that runs the Cadence function hourly.

The schedule retries a failed invocation and then hands it to its own dead-letter queue (alarmed like every
DLQ). The input names the run's moment (the scheduled time), so a retry rescores as of the same moment and
re-emits the same events (ids derive from the account and the due time).
"""

from __future__ import annotations

from aws_cdk import Duration, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_scheduler as scheduler
from aws_cdk import aws_scheduler_targets as targets
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.constructs.naming import set_logical_id
from infra.constructs.queues import DLQ_RETENTION
from infra.nag import acknowledge

RATE = Duration.hours(1)
RETRY_ATTEMPTS = 3
MAX_EVENT_AGE = Duration.hours(1)  # the next hourly run covers anything older


class CadenceSchedule(Construct):
    """``CadenceSchedule`` (rate 1 hour) → the Cadence function; failures → ``CadenceDlq``."""

    def __init__(
        self, scope: Construct, construct_id: str, *, function: lambda_.IFunction, function_logical_id: str
    ) -> None:
        super().__init__(scope, construct_id)
        self.dlq = sqs.Queue(
            self,
            "CadenceDlq",
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            retention_period=DLQ_RETENTION,
        )
        set_logical_id(self.dlq, "CadenceDlq")
        acknowledge(
            self.dlq,
            "AwsSolutions-SQS3",
            "This queue is the dead-letter queue of the CadenceSchedule (a Scheduler target DLQ, not an SQS "
            "redrive), so it has no DLQ of its own; it is alarmed like every DLQ.",
        )
        # Our own role (not the stack-wide singleton), so it can be read and acknowledged in one place.
        self.role = iam.Role(
            self,
            "SchedulerRole",
            assumed_by=iam.ServicePrincipal(
                "scheduler.amazonaws.com", conditions={"StringEquals": {"aws:SourceAccount": Stack.of(self).account}}
            ),
            description="EventBridge Scheduler: invoke the Cadence function, dead-letter to CadenceDlq",
        )
        set_logical_id(self.role, "CadenceSchedulerRole")
        acknowledge(
            self.role,
            f"AwsSolutions-IAM5[Resource::<{function_logical_id}.Arn>:*]",
            "Lambda's grantInvoke also names the function's versions and aliases (<arn>:*); the schedule invokes "
            "this one function only, and the role can do nothing else but send to CadenceDlq.",
        )
        self.schedule = scheduler.Schedule(
            self,
            "CadenceSchedule",
            description="Seed 004 cadence: health checks due (weekly red, biweekly yellow, monthly green), "
            "red accounts escalated after 14 days without an intervention plan.",
            schedule=scheduler.ScheduleExpression.rate(RATE),
            target=targets.LambdaInvoke(
                function,
                input=scheduler.ScheduleTargetInput.from_object(
                    {"job": "cadence", "scheduled_time": scheduler.ContextAttribute.scheduled_time}
                ),
                dead_letter_queue=self.dlq,
                role=self.role,
                retry_attempts=RETRY_ATTEMPTS,
                max_event_age=MAX_EVENT_AGE,
            ),
        )
        set_logical_id(self.schedule, "CadenceSchedule")
