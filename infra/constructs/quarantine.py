"""The quarantine: ``QuarantineTable`` (listed by reason through a sparse index, no Scan) and the queue that
records stream batches the replay function gave up on (the items themselves stay in the table)."""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.constructs.naming import set_logical_id
from infra.constructs.tables import add_index, table
from infra.nag import acknowledge
from services.common.storage import BY_REASON_INDEX, PK, SK, TTL_ATTRIBUTE


class Quarantine(Construct):
    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        # Retained: a pending item is a delivery nobody else has.
        self.table = table(
            self,
            "QuarantineTable",
            partition_key=PK,
            sort_key=SK,
            ttl_attribute=TTL_ATTRIBUTE,
            removal_policy=RemovalPolicy.RETAIN,
        )
        add_index(self.table, BY_REASON_INDEX)

        self.failures = sqs.Queue(
            self,
            "ReplayDlq",
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            retention_period=Duration.days(14),
        )
        set_logical_id(self.failures, "QuarantineReplayDlq")
        acknowledge(
            self.failures,
            "AwsSolutions-SQS3",
            "This queue is itself the on-failure destination of the QuarantineReplay stream mapping (it holds "
            "descriptions of stream batches that could not be replayed); it has nothing to dead-letter to.",
        )
        self.failures_alarm = cloudwatch.Alarm(
            self,
            "ReplayDlqNotEmpty",
            alarm_description="Quarantined deliveries could not be replayed after a mapping arrived: they are "
            "still in QuarantineTable; run `boomerang quarantine replay --reason unknown_account`.",
            metric=self.failures.metric_approximate_number_of_messages_visible(
                period=Duration.minutes(1), statistic=cloudwatch.Stats.MAXIMUM
            ),
            threshold=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            evaluation_periods=1,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        set_logical_id(self.failures_alarm, "QuarantineReplayDlqNotEmpty")
