"""THE Lambda factory: every Boomerang function is built here, the same way.

Each function gets: arm64, the newest Python runtime, JSON logs into its own log group with a retention,
X-Ray tracing (active unless the spec passes it through), the shared dependency layer, a dedicated IAM
role that starts empty, and the Powertools environment. Access to other resources is added through the
``use_*``/``consume`` methods, which add the matching environment variable *and* the narrowest IAM grant
together, so a function can only ever see the resources it was wired to.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from aws_cdk import AssetHashType, Duration, Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as event_sources
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra import packaging
from infra.constructs.naming import set_logical_id
from infra.nag import acknowledge
from services.common.storage import Env

#: Newest Python runtime aws-cdk-lib knows (cdk-nag AwsSolutions-L1 requires the latest of the family).
RUNTIME = lambda_.Runtime.PYTHON_3_14
ARCHITECTURE = lambda_.Architecture.ARM_64
METRICS_NAMESPACE = "Boomerang"
RULES_FILE = packaging.RULES_FILE
LOG_LEVEL = "INFO"

SQS_BATCH_SIZE = 10
STREAM_BATCH_SIZE = 100
STREAM_RETRY_ATTEMPTS = 3


# DynamoDB action sets (transactions need no extra actions: they are authorised per item action).
TABLE_READ: tuple[str, ...] = (
    "dynamodb:GetItem",
    "dynamodb:BatchGetItem",
    "dynamodb:Query",
    "dynamodb:ConditionCheckItem",
)
TABLE_READ_WRITE: tuple[str, ...] = (
    *TABLE_READ,
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:BatchWriteItem",
)
#: What ingest does to the quarantine: upsert an item, write its WAIT# pointers.
QUARANTINE_WRITE: tuple[str, ...] = ("dynamodb:UpdateItem", "dynamodb:BatchWriteItem")
#: What the Powertools DynamoDB persistence layer calls (the delete undoes a record after a failure).
TABLE_IDEMPOTENCY: tuple[str, ...] = (
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
)


@dataclass(frozen=True)
class FunctionSpec:
    """What differs between functions; everything else is decided by the factory."""

    name: str
    handler: str
    service: str
    description: str
    memory_mb: int = 512
    timeout: Duration = field(default_factory=lambda: Duration.seconds(30))
    log_retention: logs.RetentionDays = logs.RetentionDays.ONE_MONTH
    environment: Mapping[str, str] = field(default_factory=dict)
    # How long an SQS consumer may wait to fill a batch: fewer invocations and requests off the hot path,
    # none on it (a DM must not wait for company).
    batching_window: Duration = field(default_factory=lambda: Duration.seconds(0))
    # Lambda samples active tracing at a fixed 1 request/s + 5 % that no sampling rule changes: at a few
    # events a second that is every invocation ($5 per 1M traces). Per-event functions pass tracing through.
    tracing: lambda_.Tracing = lambda_.Tracing.ACTIVE


class FunctionFactory(Construct):
    """Owns what all functions share (code bundle, dependency layer) and builds each ``ServiceFunction``."""

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        code = packaging.stage_function_code()
        layer = packaging.build_dependency_layer(python_version=RUNTIME.name.removeprefix("python"))
        self.code = lambda_.Code.from_asset(
            str(code.path), asset_hash=code.asset_hash, asset_hash_type=AssetHashType.CUSTOM
        )
        self.layer = lambda_.LayerVersion(
            self,
            "DependencyLayer",
            description="Boomerang runtime dependencies: " + ", ".join(packaging.LAYER_REQUIREMENTS),
            code=lambda_.Code.from_asset(
                str(layer.path), asset_hash=layer.asset_hash, asset_hash_type=AssetHashType.CUSTOM
            ),
            compatible_runtimes=[RUNTIME],
            compatible_architectures=[ARCHITECTURE],
        )
        set_logical_id(self.layer, "DependencyLayer")

    def create(self, spec: FunctionSpec) -> ServiceFunction:
        return ServiceFunction(self, spec, code=self.code, layer=self.layer)


class ServiceFunction(Construct):
    """One Boomerang Lambda function with its own role and log group."""

    def __init__(
        self, scope: Construct, spec: FunctionSpec, *, code: lambda_.Code, layer: lambda_.ILayerVersion
    ) -> None:
        super().__init__(scope, spec.name)
        self.spec = spec
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"Least-privilege execution role of the Boomerang {spec.name} function",
        )
        set_logical_id(self.role, f"{spec.name}Role")
        self.log_group = logs.LogGroup(self, "LogGroup", retention=spec.log_retention)
        set_logical_id(self.log_group, f"{spec.name}LogGroup")
        self.log_group.grant_write(self.role)

        self.function = lambda_.Function(
            self,
            "Function",
            description=spec.description,
            runtime=RUNTIME,
            architecture=ARCHITECTURE,
            handler=spec.handler,
            code=code,
            layers=[layer],
            role=self.role,
            memory_size=spec.memory_mb,
            timeout=spec.timeout,
            tracing=spec.tracing,
            logging_format=lambda_.LoggingFormat.JSON,
            application_log_level_v2=lambda_.ApplicationLogLevel.INFO,
            # START/END/REPORT lines are ~40 % of log volume; REPORT metrics are in CloudWatch anyway.
            system_log_level_v2=lambda_.SystemLogLevel.WARN,
            log_group=self.log_group,
            environment={
                "POWERTOOLS_SERVICE_NAME": spec.service,
                "POWERTOOLS_METRICS_NAMESPACE": METRICS_NAMESPACE,
                "POWERTOOLS_LOG_LEVEL": LOG_LEVEL,
                Env.BOOMERANG_CONFIG.value: RULES_FILE,
                # Boomerang uses no pydantic plugins; without this, the first model build scans every
                # installed distribution's entry points (importlib.metadata) on each cold start.
                "PYDANTIC_DISABLE_PLUGINS": "__all__",
                **spec.environment,
            },
        )
        set_logical_id(self.function, spec.name)
        acknowledge(
            self.role,
            "AwsSolutions-IAM5[Resource::*]",
            "Active X-Ray tracing needs xray:PutTraceSegments and xray:PutTelemetryRecords, and a DynamoDB "
            "stream consumer needs dynamodb:ListStreams; none supports resource-level permissions (they are "
            "the only '*' actions in this role).",
        )

    # -- wiring: environment variable + matching least-privilege grant ---------------------------------

    def use_event_bus(self, bus: events.IEventBus) -> ServiceFunction:
        """``EVENT_BUS_NAME`` and events:PutEvents on that bus only."""
        self.function.add_environment(Env.EVENT_BUS_NAME.value, bus.event_bus_name)
        bus.grant_put_events_to(self.role)
        return self

    def use_secret(self, secret: secretsmanager.ISecret) -> ServiceFunction:
        """``SECRETS_ID`` and read access to that one secret."""
        self.function.add_environment(Env.SECRETS_ID.value, secret.secret_arn)
        secret.grant_read(self.role)
        return self

    def use_table(
        self, env_var: Env, table: dynamodb.ITable, actions: Sequence[str], indexes: Sequence[str] = ()
    ) -> ServiceFunction:
        """``<env_var>`` = the table name, and exactly ``actions`` on that table (and on the named indexes only:
        ``Table.grant`` would add every index of the table, ``/index/*``, to every function using it)."""
        self.function.add_environment(env_var.value, table.table_name)
        self.role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=list(actions),
                resources=[table.table_arn, *(f"{table.table_arn}/index/{index}" for index in indexes)],
            )
        )
        return self

    def allow_items(
        self, table: dynamodb.ITable, actions: Sequence[str], leading_keys: Sequence[str]
    ) -> ServiceFunction:
        """``actions`` only on items whose partition key matches ``leading_keys`` (e.g. ``LOOKUP#*``)."""
        self.role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=list(actions),
                resources=[table.table_arn],
                conditions={"ForAllValues:StringLike": {"dynamodb:LeadingKeys": list(leading_keys)}},
            )
        )
        return self

    def use_raw_archive(self, stream_arn: str, stream_name: str, bucket: s3.IBucket, prefix: str) -> ServiceFunction:
        """``RAW_ARCHIVE_STREAM``/``RAW_ARCHIVE_BUCKET``: firehose:PutRecord on the stream, and s3:PutObject
        under ``prefix`` for bodies too large for a Firehose record."""
        self.function.add_environment(Env.RAW_ARCHIVE_STREAM.value, stream_name)
        self.function.add_environment(Env.RAW_ARCHIVE_BUCKET.value, bucket.bucket_name)
        self.role.add_to_principal_policy(iam.PolicyStatement(actions=["firehose:PutRecord"], resources=[stream_arn]))
        self.allow_objects(bucket, prefix, ("s3:PutObject",))
        return self

    def allow_objects(self, bucket: s3.IBucket, prefix: str, actions: Sequence[str]) -> ServiceFunction:
        """``actions`` on the objects under one prefix of ``bucket``."""
        self.role.add_to_principal_policy(
            iam.PolicyStatement(actions=list(actions), resources=[bucket.arn_for_objects(f"{prefix}*")])
        )
        acknowledge(
            self.role,
            f"AwsSolutions-IAM5[Resource::<{_logical_id(bucket)}.Arn>/{prefix}*]",
            f"Object keys under {prefix} are derived per delivery (time, record or quarantine id); the grant "
            "is limited to that prefix of the one bucket.",
        )
        return self

    def consume_stream(
        self, table: dynamodb.ITable, *, filters: Sequence[Mapping[str, object]], on_failure: sqs.IQueue
    ) -> ServiceFunction:
        """A DynamoDB stream source (only records matching ``filters`` invoke it), partial batch failures
        reported, poison records bisected, and batches given up on described in ``on_failure``."""
        self.function.add_event_source(
            event_sources.DynamoEventSource(
                table,
                starting_position=lambda_.StartingPosition.LATEST,
                batch_size=STREAM_BATCH_SIZE,
                bisect_batch_on_error=True,
                retry_attempts=STREAM_RETRY_ATTEMPTS,
                report_batch_item_failures=True,
                filters=[lambda_.FilterCriteria.filter(dict(f)) for f in filters],
                on_failure=event_sources.SqsDlq(on_failure),
            )
        )
        return self

    def allow_ses_send(self) -> ServiceFunction:
        """ses:SendEmail/SendRawEmail from any verified identity of this account and region."""
        self.role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["ses:SendEmail", "ses:SendRawEmail"],
                resources=[
                    Stack.of(self).format_arn(service="ses", resource="identity", resource_name="*"),
                ],
            )
        )
        acknowledge(
            self.role,
            "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ses:<AWS::Region>:<AWS::AccountId>:identity/*]",
            "Sender identities (verified domains/addresses) are configured by operators after deploy; the "
            "grant is limited to SES identities of this account and region.",
        )
        return self

    def consume(self, queue: sqs.IQueue) -> ServiceFunction:
        """SQS event source: batches of 10, partial batch failures reported back to SQS."""
        window = self.spec.batching_window
        self.function.add_event_source(
            event_sources.SqsEventSource(
                queue,
                batch_size=SQS_BATCH_SIZE,
                max_batching_window=window if window.to_seconds() > 0 else None,
                report_batch_item_failures=True,
            )
        )
        return self


def _logical_id(construct: object) -> str:
    """The CloudFormation logical id of an L2 construct's resource (as cdk-nag names it in findings)."""
    from aws_cdk import CfnElement, Stack

    child = construct.node.default_child  # type: ignore[attr-defined]
    assert isinstance(child, CfnElement)
    return str(Stack.of(child).resolve(child.logical_id))
