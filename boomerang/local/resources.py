"""Create the template's resources in moto and record what moto cannot run itself.

Handled resource types (everything else is ignored: IAM, logs, alarms, dashboards, archives,
CDK metadata, layers, permissions, queue policies...):

* ``AWS::DynamoDB::Table`` / ``AWS::DynamoDB::GlobalTable`` → DynamoDB table (keys, attribute
  definitions, GSIs/LSIs, streams, TTL).
* ``AWS::SQS::Queue`` → queue (visibility timeout, retention, delay, FIFO, redrive policy; DLQs are
  created first).
* ``AWS::Events::EventBus`` → custom bus; ``AWS::Events::Rule`` → rule (pattern, state) and its
  targets. moto delivers to SQS targets natively; other target kinds are reported and skipped.
* ``AWS::SecretsManager::Secret`` → secret whose SecretString is supplied by the stack.
* ``AWS::StepFunctions::StateMachine`` → state machine (DefinitionString/Definition resolved,
  DefinitionSubstitutions applied, type kept).
* ``AWS::Lambda::Function`` → recorded (Handler, resolved environment, timeout, memory); run
  in-process.
* ``AWS::Lambda::EventSourceMapping`` → recorded; served by an SQS poller thread, or (a DynamoDB
  stream source, with its filter criteria) by a stream poller thread (streams.py).
* ``AWS::S3::Bucket`` → bucket (lower-case name); ``AWS::KinesisFirehose::DeliveryStream`` → a DirectPut
  stream delivering to its S3 bucket (moto writes every PutRecord as an object at once, uncompressed).
* ``AWS::Pipes::Pipe`` (SQS source → Step Functions target) → recorded; served by a poller thread.
* ``AWS::ApiGatewayV2::Route`` + ``AWS::ApiGatewayV2::Integration`` → recorded; served by the
  local HTTP server.
* ``AWS::Scheduler::Schedule`` with a template function as target → recorded; run on demand with
  ``LocalStack.run_schedule()`` (moto has no scheduler that fires).
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass, field
from typing import Any

from .lambdas import FunctionRegistry, LambdaFunction
from .streams import StreamMapping
from .template import Template

IGNORED_PREFIXES = (
    "AWS::IAM::",
    "AWS::Logs::",
    "AWS::CloudWatch::",
    "AWS::CDK::",
    "AWS::Lambda::LayerVersion",
    "AWS::Lambda::Permission",
    "AWS::SQS::QueuePolicy",
    "AWS::Events::Archive",
    "AWS::ApiGatewayV2::Stage",
    "AWS::ApiGatewayV2::Api",
    "AWS::S3::BucketPolicy",
    "AWS::KMS::",
    "AWS::SSM::",
    "Custom::",
)


def warn(message: str) -> None:
    print(f"[boomerang-local] warning: {message}", file=sys.stderr, flush=True)


@dataclass
class QueueInfo:
    logical_id: str
    name: str
    url: str
    arn: str


@dataclass
class EventSourceMapping:
    logical_id: str
    queue: QueueInfo
    function: LambdaFunction
    batch_size: int = 10
    report_batch_item_failures: bool = False
    batching_window_s: int = 0
    enabled: bool = True


@dataclass
class Pipe:
    logical_id: str
    queue: QueueInfo
    state_machine_arn: str
    batch_size: int = 1
    invocation_type: str = "FIRE_AND_FORGET"
    enabled: bool = True


@dataclass
class Schedule:
    logical_id: str
    expression: str
    function: LambdaFunction
    input: str = "{}"


@dataclass
class Route:
    route_key: str  # "POST /webhooks/{source}" or "$default"
    function: LambdaFunction
    method: str
    path: str
    pattern: re.Pattern[str] | None

    def match(self, method: str, path: str) -> dict[str, str] | None:
        if self.route_key == "$default":
            return {}
        if self.method not in ("ANY", method):
            return None
        assert self.pattern is not None
        m = self.pattern.fullmatch(path)
        return None if m is None else {k: v for k, v in m.groupdict().items() if v is not None}


def compile_route(path: str) -> re.Pattern[str]:
    regex = ""
    for segment in path.strip("/").split("/"):
        if not segment:
            continue
        greedy = re.fullmatch(r"\{([A-Za-z0-9_.-]+)\+\}", segment)
        param = re.fullmatch(r"\{([A-Za-z0-9_.-]+)\}", segment)
        if greedy:
            regex += f"/(?P<{_group(greedy.group(1))}>.+)"
        elif param:
            regex += f"/(?P<{_group(param.group(1))}>[^/]+)"
        else:
            regex += "/" + re.escape(segment)
    return re.compile(regex or "/")


def _group(name: str) -> str:
    return re.sub(r"\W", "_", name)


@dataclass
class Deployment:
    """What was created from the template."""

    template: Template
    functions: FunctionRegistry = field(default_factory=FunctionRegistry)
    tables: dict[str, str] = field(default_factory=dict)  # logical id → table name
    queues: dict[str, QueueInfo] = field(default_factory=dict)  # logical id → queue
    buses: dict[str, str] = field(default_factory=dict)  # logical id → bus name
    rules: dict[str, str] = field(default_factory=dict)  # logical id → rule name
    secrets: dict[str, str] = field(default_factory=dict)  # logical id → secret ARN
    state_machines: dict[str, str] = field(default_factory=dict)  # logical id → ARN
    mappings: list[EventSourceMapping] = field(default_factory=list)
    stream_mappings: list[StreamMapping] = field(default_factory=list)
    buckets: dict[str, str] = field(default_factory=dict)  # logical id → bucket name
    delivery_streams: dict[str, str] = field(default_factory=dict)  # logical id → Firehose stream name
    pipes: list[Pipe] = field(default_factory=list)
    routes: list[Route] = field(default_factory=list)
    schedules: list[Schedule] = field(default_factory=list)
    ignored: dict[str, str] = field(default_factory=dict)

    def queue_by_arn(self, arn: str) -> QueueInfo | None:
        return next((q for q in self.queues.values() if arn in (q.arn, q.url, q.name)), None)


class Deployer:
    def __init__(self, template: Template, session: Any, secret_string: str) -> None:
        self.t = template
        self.session = session
        self.secret_string = secret_string
        self.d = Deployment(template)

    def client(self, service: str) -> Any:
        return self.session.client(service)

    def deploy(self) -> Deployment:
        t = self.t
        known = {
            "AWS::DynamoDB::Table",
            "AWS::DynamoDB::GlobalTable",
            "AWS::SQS::Queue",
            "AWS::Events::EventBus",
            "AWS::Events::Rule",
            "AWS::SecretsManager::Secret",
            "AWS::StepFunctions::StateMachine",
            "AWS::Lambda::Function",
            "AWS::Lambda::EventSourceMapping",
            "AWS::Pipes::Pipe",
            "AWS::ApiGatewayV2::Route",
            "AWS::ApiGatewayV2::Integration",
            "AWS::Scheduler::Schedule",
            "AWS::S3::Bucket",
            "AWS::KinesisFirehose::DeliveryStream",
        }
        for res in t.resources.values():
            if res.type not in known:
                self.d.ignored[res.logical_id] = res.type
                if not res.type.startswith(IGNORED_PREFIXES):
                    warn(f"ignoring {res.logical_id} ({res.type})")
        self._secrets()
        self._buckets()
        self._delivery_streams()
        self._tables()
        self._queues()
        self._buses()
        self._rules()
        self._functions()
        self._state_machines()
        self._mappings()
        self._pipes()
        self._routes()
        self._schedules()
        return self.d

    # --------------------------------------------------------------- secrets
    def _secrets(self) -> None:
        sm = self.client("secretsmanager")
        for res in self.t.by_type("AWS::SecretsManager::Secret"):
            name = self.t.name_of(res.logical_id)
            arn = sm.create_secret(Name=name, SecretString=self.secret_string)["ARN"]
            self.t.physical[res.logical_id].ref = arn
            self.t.physical[res.logical_id].attrs["Id"] = arn
            self.d.secrets[res.logical_id] = arn

    # --------------------------------------------------------------- tables
    def _tables(self) -> None:
        ddb = self.client("dynamodb")
        for res in self.t.by_type("AWS::DynamoDB::Table") + self.t.by_type("AWS::DynamoDB::GlobalTable"):
            p = self.t.resolve(res.properties)
            name = self.t.name_of(res.logical_id)
            kwargs: dict[str, Any] = {
                "TableName": name,
                "KeySchema": p["KeySchema"],
                "AttributeDefinitions": p["AttributeDefinitions"],
            }
            if p.get("BillingMode") == "PAY_PER_REQUEST" or res.type == "AWS::DynamoDB::GlobalTable":
                kwargs["BillingMode"] = "PAY_PER_REQUEST"
            else:
                kwargs["ProvisionedThroughput"] = p.get(
                    "ProvisionedThroughput", {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}
                )
            gsis = []
            for gsi in p.get("GlobalSecondaryIndexes") or []:
                item = {k: gsi[k] for k in ("IndexName", "KeySchema", "Projection") if k in gsi}
                if "BillingMode" not in kwargs:
                    item["ProvisionedThroughput"] = gsi.get(
                        "ProvisionedThroughput", {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}
                    )
                gsis.append(item)
            if gsis:
                kwargs["GlobalSecondaryIndexes"] = gsis
            lsis = [
                {k: x[k] for k in ("IndexName", "KeySchema", "Projection") if k in x}
                for x in p.get("LocalSecondaryIndexes") or []
            ]
            if lsis:
                kwargs["LocalSecondaryIndexes"] = lsis
            stream = p.get("StreamSpecification")
            if stream and stream.get("StreamViewType"):
                kwargs["StreamSpecification"] = {
                    "StreamEnabled": True,
                    "StreamViewType": stream["StreamViewType"],
                }
            created = ddb.create_table(**kwargs)["TableDescription"]
            if created.get("LatestStreamArn"):
                self.t.physical[res.logical_id].attrs["StreamArn"] = created["LatestStreamArn"]
            ttl = p.get("TimeToLiveSpecification")
            if ttl and ttl.get("Enabled", True) and ttl.get("AttributeName"):
                ddb.update_time_to_live(
                    TableName=name,
                    TimeToLiveSpecification={"Enabled": True, "AttributeName": ttl["AttributeName"]},
                )
            self.d.tables[res.logical_id] = name

    # --------------------------------------------------------------- queues
    def _queues(self) -> None:
        sqs = self.client("sqs")
        queues = self.t.by_type("AWS::SQS::Queue")
        # Dead-letter queues (no redrive policy) first.
        queues.sort(key=lambda r: "RedrivePolicy" in r.properties)
        for res in queues:
            p = self.t.resolve(res.properties)
            phys = self.t.physical[res.logical_id]
            name = phys.attrs["QueueName"]
            attrs: dict[str, str] = {}
            for key in (
                "VisibilityTimeout",
                "MessageRetentionPeriod",
                "DelaySeconds",
                "MaximumMessageSize",
                "ReceiveMessageWaitTimeSeconds",
            ):
                if key in p:
                    attrs[key] = str(p[key])
            if p.get("FifoQueue"):
                attrs["FifoQueue"] = "true"
                if p.get("ContentBasedDeduplication"):
                    attrs["ContentBasedDeduplication"] = "true"
            if p.get("RedrivePolicy"):
                rp = p["RedrivePolicy"]
                if isinstance(rp, str):
                    rp = json.loads(rp)
                attrs["RedrivePolicy"] = json.dumps(
                    {"deadLetterTargetArn": rp["deadLetterTargetArn"], "maxReceiveCount": int(rp["maxReceiveCount"])}
                )
            url = sqs.create_queue(QueueName=name, Attributes=attrs)["QueueUrl"]
            arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
            phys.ref = url
            phys.attrs.update({"QueueUrl": url, "Arn": arn})
            self.d.queues[res.logical_id] = QueueInfo(res.logical_id, name, url, arn)

    # --------------------------------------------------------------- events
    def _buses(self) -> None:
        events = self.client("events")
        for res in self.t.by_type("AWS::Events::EventBus"):
            name = self.t.name_of(res.logical_id)
            events.create_event_bus(Name=name)
            self.d.buses[res.logical_id] = name

    def _rules(self) -> None:
        events = self.client("events")
        for res in self.t.by_type("AWS::Events::Rule"):
            p = self.t.resolve(res.properties)
            name = self.t.name_of(res.logical_id)
            bus = p.get("EventBusName", "default")
            if isinstance(bus, str) and bus.startswith("arn:"):
                bus = bus.rsplit("/", 1)[-1]
            kwargs: dict[str, Any] = {"Name": name, "EventBusName": bus, "State": p.get("State", "ENABLED")}
            if "EventPattern" in p:
                pattern = p["EventPattern"]
                kwargs["EventPattern"] = pattern if isinstance(pattern, str) else json.dumps(pattern)
            if "ScheduleExpression" in p:
                kwargs["ScheduleExpression"] = p["ScheduleExpression"]
            events.put_rule(**kwargs)
            targets = []
            for target in p.get("Targets") or []:
                arn = str(target.get("Arn", ""))
                if not arn.startswith("arn:aws:sqs:"):
                    warn(f"rule {res.logical_id}: target {arn} is not an SQS queue; moto cannot deliver it")
                    continue
                item = {
                    k: target[k]
                    for k in ("Id", "Arn", "Input", "InputPath", "InputTransformer", "SqsParameters")
                    if k in target
                }
                targets.append(item)
            if targets:
                events.put_targets(Rule=name, EventBusName=bus, Targets=targets)
            self.d.rules[res.logical_id] = name

    # --------------------------------------------------------------- lambda
    def _functions(self) -> None:
        for res in self.t.by_type("AWS::Lambda::Function"):
            # Only what the local stack uses (Code, Layers, LoggingConfig... may hold unsupported intrinsics).
            p = {
                k: self.t.resolve(v)
                for k, v in res.properties.items()
                if k in ("Handler", "Environment", "Timeout", "MemorySize")
            }
            phys = self.t.physical[res.logical_id]
            handler = p.get("Handler")
            if not handler:
                warn(f"function {res.logical_id} has no Handler (container image?); skipped")
                continue
            env = {k: str(v) for k, v in ((p.get("Environment") or {}).get("Variables") or {}).items()}
            self.d.functions.add(
                LambdaFunction(
                    logical_id=res.logical_id,
                    name=phys.ref,
                    arn=phys.attrs["Arn"],
                    handler_path=str(handler),
                    environment=env,
                    timeout_s=float(p.get("Timeout", 3)),
                    memory_mb=int(p.get("MemorySize", 128)),
                )
            )

    def _state_machines(self) -> None:
        sfn = self.client("stepfunctions")
        for res in self.t.by_type("AWS::StepFunctions::StateMachine"):
            p = res.properties
            if "DefinitionString" in p:
                definition = self.t.resolve(p["DefinitionString"])
            elif "Definition" in p:
                definition = json.dumps(self.t.resolve(p["Definition"]))
            else:
                warn(f"state machine {res.logical_id} has no inline definition (S3?); skipped")
                continue
            subs = self.t.resolve(p.get("DefinitionSubstitutions") or {})
            for key, value in subs.items():
                definition = definition.replace("${" + key + "}", str(value))
            name = self.t.name_of(res.logical_id)
            kwargs: dict[str, Any] = {
                "name": name,
                "definition": definition,
                "roleArn": f"arn:aws:iam::{self.t.account_id}:role/{name}-role",
            }
            sm_type = self.t.resolve(p.get("StateMachineType"))
            if sm_type:
                kwargs["type"] = sm_type
            arn = sfn.create_state_machine(**kwargs)["stateMachineArn"]
            self.t.physical[res.logical_id].ref = arn
            self.t.physical[res.logical_id].attrs["Arn"] = arn
            self.d.state_machines[res.logical_id] = arn

    def _function_for(self, value: Any, where: str) -> LambdaFunction | None:
        fn = self.d.functions.find(str(value))
        if fn is None:
            warn(f"{where}: unknown function {value!r}")
        return fn

    def _mappings(self) -> None:
        for res in self.t.by_type("AWS::Lambda::EventSourceMapping"):
            p = self.t.resolve(res.properties)
            if ":dynamodb:" in str(p.get("EventSourceArn", "")):
                self._stream_mapping(res.logical_id, p)
                continue
            queue = self.d.queue_by_arn(str(p.get("EventSourceArn", "")))
            if queue is None:
                warn(f"event source mapping {res.logical_id}: source is not a local SQS queue; skipped")
                continue
            fn = self._function_for(p.get("FunctionName"), f"event source mapping {res.logical_id}")
            if fn is None:
                continue
            self.d.mappings.append(
                EventSourceMapping(
                    logical_id=res.logical_id,
                    queue=queue,
                    function=fn,
                    batch_size=int(p.get("BatchSize", 10)),
                    report_batch_item_failures="ReportBatchItemFailures" in (p.get("FunctionResponseTypes") or []),
                    batching_window_s=int(p.get("MaximumBatchingWindowInSeconds", 0)),
                    enabled=bool(p.get("Enabled", True)),
                )
            )

    def _stream_mapping(self, logical_id: str, p: dict[str, Any]) -> None:
        fn = self._function_for(p.get("FunctionName"), f"event source mapping {logical_id}")
        if fn is None:
            return
        filters = [str(f["Pattern"]) for f in (p.get("FilterCriteria") or {}).get("Filters") or []]
        self.d.stream_mappings.append(
            StreamMapping(
                logical_id=logical_id,
                stream_arn=str(p["EventSourceArn"]),
                function=fn,
                batch_size=int(p.get("BatchSize", 100)),
                filters=filters,
                report_batch_item_failures="ReportBatchItemFailures" in (p.get("FunctionResponseTypes") or []),
                retry_attempts=int(p.get("MaximumRetryAttempts", 3)),
                enabled=bool(p.get("Enabled", True)),
            )
        )

    # --------------------------------------------------------------- S3 and Firehose
    def _buckets(self) -> None:
        s3 = self.client("s3")
        for res in self.t.by_type("AWS::S3::Bucket"):
            name = self.t.name_of(res.logical_id).lower()  # bucket names are lower case
            s3.create_bucket(Bucket=name)
            p = self.t.resolve(res.properties)
            # CloudFormation's ServerSideEncryptionByDefault is the API's ApplyServerSideEncryptionByDefault.
            rules = [
                {"ApplyServerSideEncryptionByDefault": r["ServerSideEncryptionByDefault"]}
                for r in (p.get("BucketEncryption") or {}).get("ServerSideEncryptionConfiguration") or []
                if "ServerSideEncryptionByDefault" in r
            ]
            if rules:
                s3.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration={"Rules": rules})
            self.t.physical[res.logical_id].ref = name
            self.t.physical[res.logical_id].attrs.update(
                {
                    "Arn": f"arn:aws:s3:::{name}",
                    "DomainName": f"{name}.s3.amazonaws.com",
                    "RegionalDomainName": f"{name}.s3.{self.t.region}.amazonaws.com",
                }
            )
            self.d.buckets[res.logical_id] = name

    def _delivery_streams(self) -> None:
        firehose = self.client("firehose")
        for res in self.t.by_type("AWS::KinesisFirehose::DeliveryStream"):
            p = self.t.resolve(res.properties)
            destination = p.get("ExtendedS3DestinationConfiguration") or p.get("S3DestinationConfiguration")
            if not destination:
                warn(f"delivery stream {res.logical_id}: only S3 destinations are supported locally; skipped")
                continue
            name = self.t.name_of(res.logical_id)
            config = {
                k: destination[k]
                for k in ("RoleARN", "BucketARN", "Prefix", "ErrorOutputPrefix", "CompressionFormat", "BufferingHints")
                if k in destination
            }
            firehose.create_delivery_stream(
                DeliveryStreamName=name, DeliveryStreamType="DirectPut", ExtendedS3DestinationConfiguration=config
            )
            arn = self.t.arn("firehose", f"deliverystream/{name}")
            self.t.physical[res.logical_id].ref = name
            self.t.physical[res.logical_id].attrs["Arn"] = arn
            self.d.delivery_streams[res.logical_id] = name

    def _pipes(self) -> None:
        for res in self.t.by_type("AWS::Pipes::Pipe"):
            p = self.t.resolve(res.properties)
            queue = self.d.queue_by_arn(str(p.get("Source", "")))
            target = str(p.get("Target", ""))
            if queue is None or ":states:" not in target:
                warn(f"pipe {res.logical_id}: only SQS → Step Functions pipes are supported; skipped")
                continue
            if p.get("Enrichment") or (p.get("SourceParameters") or {}).get("FilterCriteria"):
                warn(f"pipe {res.logical_id}: enrichment/filter criteria are not applied locally")
            sqs_params = (p.get("SourceParameters") or {}).get("SqsQueueParameters") or {}
            sfn_params = (p.get("TargetParameters") or {}).get("StepFunctionStateMachineParameters") or {}
            self.d.pipes.append(
                Pipe(
                    logical_id=res.logical_id,
                    queue=queue,
                    state_machine_arn=target,
                    batch_size=int(sqs_params.get("BatchSize", 10)),
                    invocation_type=str(sfn_params.get("InvocationType", "FIRE_AND_FORGET")),
                    enabled=p.get("DesiredState", "RUNNING") == "RUNNING",
                )
            )

    def _schedules(self) -> None:
        for res in self.t.by_type("AWS::Scheduler::Schedule"):
            p = self.t.resolve(res.properties)
            target = p.get("Target") or {}
            fn = self._function_for(target.get("Arn"), f"schedule {res.logical_id}")
            if fn is None:
                continue
            self.d.schedules.append(
                Schedule(res.logical_id, str(p.get("ScheduleExpression", "")), fn, str(target.get("Input") or "{}"))
            )

    def _routes(self) -> None:
        integrations: dict[str, LambdaFunction] = {}
        for res in self.t.by_type("AWS::ApiGatewayV2::Integration"):
            p = self.t.resolve(res.properties)
            fn = self._function_for(p.get("IntegrationUri"), f"integration {res.logical_id}")
            if fn is not None:
                integrations[res.logical_id] = fn
        for res in self.t.by_type("AWS::ApiGatewayV2::Route"):
            p = self.t.resolve(res.properties)
            route_key = str(p["RouteKey"])
            target = str(p.get("Target", ""))
            integration_id = target.split("/", 1)[1] if target.startswith("integrations/") else target
            fn = integrations.get(integration_id)
            if fn is None:
                warn(f"route {route_key!r}: no Lambda integration; skipped")
                continue
            if route_key == "$default":
                self.d.routes.append(Route(route_key, fn, "ANY", "", None))
                continue
            method, _, path = route_key.partition(" ")
            self.d.routes.append(Route(route_key, fn, method.upper(), path, compile_route(path)))
        # Most specific first: literal segments beat parameters, greedy and $default last.
        self.d.routes.sort(key=lambda r: (r.route_key == "$default", "+}" in r.path, r.path.count("{"), -len(r.path)))
