"""DynamoDB tables: portfolio (reference data), state (signals/history/asks) and Powertools idempotency."""

from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_dynamodb as dynamodb
from constructs import Construct

from infra.constructs.naming import set_logical_id
from services.common.storage import (
    DUE_INDEX,
    IDEMPOTENCY_KEY,
    IDEMPOTENCY_TTL_ATTRIBUTE,
    PK,
    SK,
    TTL_ATTRIBUTE,
    Index,
)


def table(
    scope: Construct,
    logical_id: str,
    *,
    partition_key: str,
    sort_key: str | None,
    ttl_attribute: str | None,
    removal_policy: RemovalPolicy,
    stream: dynamodb.StreamViewType | None = None,
) -> dynamodb.Table:
    """An on-demand, encrypted, point-in-time-recoverable table with string keys."""
    table = dynamodb.Table(
        scope,
        logical_id,
        partition_key=dynamodb.Attribute(name=partition_key, type=dynamodb.AttributeType.STRING),
        sort_key=dynamodb.Attribute(name=sort_key, type=dynamodb.AttributeType.STRING) if sort_key else None,
        billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
        encryption=dynamodb.TableEncryption.AWS_MANAGED,
        point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
            point_in_time_recovery_enabled=True
        ),
        time_to_live_attribute=ttl_attribute,
        removal_policy=removal_policy,
        stream=stream,
    )
    set_logical_id(table, logical_id)
    return table


def add_index(table: dynamodb.Table, index: Index) -> None:
    """A sparse GSI with string keys that copies only the attributes its readers use."""
    table.add_global_secondary_index(
        index_name=index.name,
        partition_key=dynamodb.Attribute(name=index.partition_key, type=dynamodb.AttributeType.STRING),
        sort_key=dynamodb.Attribute(name=index.sort_key, type=dynamodb.AttributeType.STRING),
        projection_type=dynamodb.ProjectionType.INCLUDE,
        non_key_attributes=list(index.projected),
    )


class Tables(Construct):
    """``PortfolioTable`` and ``StateTable`` (pk/sk, retained; the state table with the sparse ``DueIndex``)
    and ``IdempotencyTable`` (id, disposable)."""

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        # Its stream (keys only) tells QuarantineReplay when a lookup is imported or learned.
        self.portfolio = table(
            self,
            "PortfolioTable",
            partition_key=PK,
            sort_key=SK,
            ttl_attribute=None,
            removal_policy=RemovalPolicy.RETAIN,
            stream=dynamodb.StreamViewType.KEYS_ONLY,
        )
        self.state = table(
            self,
            "StateTable",
            partition_key=PK,
            sort_key=SK,
            ttl_attribute=TTL_ATTRIBUTE,
            removal_policy=RemovalPolicy.RETAIN,
        )
        # "Which accounts are due a health check?" without a Scan: the cadence job Queries due_at <= now per shard.
        add_index(self.state, DUE_INDEX)
        # Idempotency records only live for the Powertools expiry window: safe to drop with the stack.
        self.idempotency = table(
            self,
            "IdempotencyTable",
            partition_key=IDEMPOTENCY_KEY,
            sort_key=None,
            ttl_attribute=IDEMPOTENCY_TTL_ATTRIBUTE,
            removal_policy=RemovalPolicy.DESTROY,
        )
