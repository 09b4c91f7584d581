"""The seven Lambda functions: one factory, identical operational settings, least-privilege roles."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING

import pytest
from aws_cdk import aws_lambda as lambda_

if TYPE_CHECKING:
    from conftest import Synth

FUNCTION_NAMES = ("Ingest", "Scoring", "Triggers", "Notify", "Interactions", "Cadence", "QuarantineReplay")
HANDLERS = {
    "Ingest": "services.ingest.handlers.webhook.handler",
    "Scoring": "services.scoring.handlers.consume.handler",
    "Triggers": "services.triggers.handlers.evaluate.handler",
    "Notify": "services.notify.handlers.deliver.handler",
    "Interactions": "services.notify.handlers.interactions.handler",
    "Cadence": "services.scoring.handlers.cadence.handler",
    "QuarantineReplay": "services.ingest.handlers.replay.handler",
}
SERVICE_NAMES = {
    "Ingest": "ingest",
    "Scoring": "scoring",
    "Triggers": "triggers",
    "Notify": "notify",
    "Interactions": "interactions",
    "Cadence": "cadence",
    "QuarantineReplay": "quarantine",
}
#: Contract env vars (docs/architecture.md) each function uses, with the resource each one points at.
RAW_ARCHIVE_ENV = {"RAW_ARCHIVE_STREAM": "RawArchiveStream", "RAW_ARCHIVE_BUCKET": "RawArchiveBucket"}
RESOURCE_ENV = {
    "Ingest": {
        "EVENT_BUS_NAME": "BoomerangBus",
        "SECRETS_ID": "BoomerangSecret",
        "PORTFOLIO_TABLE": "PortfolioTable",
        "IDEMPOTENCY_TABLE": "IdempotencyTable",
        "QUARANTINE_TABLE": "QuarantineTable",
        **RAW_ARCHIVE_ENV,
    },
    "QuarantineReplay": {
        "EVENT_BUS_NAME": "BoomerangBus",
        "PORTFOLIO_TABLE": "PortfolioTable",
        "IDEMPOTENCY_TABLE": "IdempotencyTable",
        "QUARANTINE_TABLE": "QuarantineTable",
        **RAW_ARCHIVE_ENV,
    },
    "Scoring": {"EVENT_BUS_NAME": "BoomerangBus", "PORTFOLIO_TABLE": "PortfolioTable", "STATE_TABLE": "StateTable"},
    "Triggers": {"PORTFOLIO_TABLE": "PortfolioTable", "STATE_TABLE": "StateTable"},
    "Notify": {"SECRETS_ID": "BoomerangSecret", "PORTFOLIO_TABLE": "PortfolioTable", "STATE_TABLE": "StateTable"},
    "Interactions": {"EVENT_BUS_NAME": "BoomerangBus", "SECRETS_ID": "BoomerangSecret", "STATE_TABLE": "StateTable"},
    "Cadence": {"EVENT_BUS_NAME": "BoomerangBus", "PORTFOLIO_TABLE": "PortfolioTable", "STATE_TABLE": "StateTable"},
}

LOGS = {"logs:CreateLogStream", "logs:PutLogEvents"}
XRAY = {"xray:PutTraceSegments", "xray:PutTelemetryRecords"}
SECRET_READ = {"secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"}
TABLE_READ = {"dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:ConditionCheckItem"}
TABLE_WRITE = {"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem"}
IDEMPOTENCY = {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"}
SQS_CONSUME = {
    "sqs:ReceiveMessage",
    "sqs:DeleteMessage",
    "sqs:ChangeMessageVisibility",
    "sqs:GetQueueAttributes",
    "sqs:GetQueueUrl",
}
SES_IDENTITIES = "arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:identity/*"
RAW_OBJECTS = "${RawArchiveBucket.Arn}/raw/*"
QUARANTINE_OBJECTS = "${RawArchiveBucket.Arn}/quarantine/*"
QUARANTINE_INDEXES = "${QuarantineTable.Arn}/index/ByReason"
#: PutItem on the portfolio, only on LOOKUP# items (asserted with its condition below).
LEARN = {"dynamodb:PutItem"}
STREAM_READ = {"dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"}

#: Exactly what each function may do, per resource (logical ID, "*" or a rendered ARN pattern).
EXPECTED_PERMISSIONS: dict[str, dict[str, set[str]]] = {
    "Ingest": {
        "IngestLogGroup": LOGS,
        "*": XRAY,
        "BoomerangBus": {"events:PutEvents"},
        "BoomerangSecret": SECRET_READ,
        "PortfolioTable": TABLE_READ | LEARN,
        "IdempotencyTable": IDEMPOTENCY,
        "RawArchiveStream": {"firehose:PutRecord"},
        RAW_OBJECTS: {"s3:PutObject"},
        "QuarantineTable": {"dynamodb:UpdateItem", "dynamodb:BatchWriteItem"},
        QUARANTINE_OBJECTS: {"s3:PutObject"},
    },
    "QuarantineReplay": {
        "QuarantineReplayLogGroup": LOGS,
        "*": XRAY | {"dynamodb:ListStreams"},
        # the stream actions are on the table's StreamArn (asserted in the stream mapping's test)
        "PortfolioTable": TABLE_READ | LEARN | STREAM_READ,
        "QuarantineReplayDlq": {"sqs:SendMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl"},
        "BoomerangBus": {"events:PutEvents"},
        "IdempotencyTable": IDEMPOTENCY,
        "RawArchiveStream": {"firehose:PutRecord"},
        RAW_OBJECTS: {"s3:PutObject"},
        "QuarantineTable": TABLE_READ | TABLE_WRITE,
        QUARANTINE_INDEXES: TABLE_READ | TABLE_WRITE,
        QUARANTINE_OBJECTS: {"s3:GetObject", "s3:PutObject", "s3:DeleteObject"},
    },
    "Scoring": {
        "ScoringLogGroup": LOGS,
        "*": XRAY,
        "ScoringQueue": SQS_CONSUME,
        "BoomerangBus": {"events:PutEvents"},
        "PortfolioTable": TABLE_READ,
        "StateTable": TABLE_READ | TABLE_WRITE,
    },
    "Triggers": {
        "TriggersLogGroup": LOGS,
        "*": XRAY,
        "PortfolioTable": TABLE_READ,
        "StateTable": TABLE_READ | TABLE_WRITE,
    },
    "Notify": {
        "NotifyLogGroup": LOGS,
        "*": XRAY,
        "NotifyQueue": SQS_CONSUME,
        "BoomerangSecret": SECRET_READ,
        "PortfolioTable": TABLE_READ,
        "StateTable": TABLE_READ | TABLE_WRITE,
        SES_IDENTITIES: {"ses:SendEmail", "ses:SendRawEmail"},
    },
    "Interactions": {
        "InteractionsLogGroup": LOGS,
        "*": XRAY,
        "BoomerangBus": {"events:PutEvents"},
        "BoomerangSecret": SECRET_READ,
        "StateTable": TABLE_READ | TABLE_WRITE,
    },
    # Only the cadence job reads the due index (and only that index): no one else gets /index/*.
    "Cadence": {
        "CadenceLogGroup": LOGS,
        "*": XRAY,
        "BoomerangBus": {"events:PutEvents"},
        "PortfolioTable": TABLE_READ,
        "StateTable": TABLE_READ | TABLE_WRITE,
        "${StateTable.Arn}/index/DueIndex": TABLE_READ | TABLE_WRITE,
    },
}


def _latest_python_runtime() -> str:
    versions = [
        tuple(int(p) for p in m.groups())
        for name in dir(lambda_.Runtime)
        if (m := re.fullmatch(r"PYTHON_(\d+)_(\d+)", name))
    ]
    major, minor = max(versions)
    return f"python{major}.{minor}"


@pytest.mark.parametrize("name", FUNCTION_NAMES)
def test_function_runs_on_arm64_with_the_newest_python_and_the_contract_handler(synth: Synth, name: str) -> None:
    # Given the synthesized function
    props = synth.props(name, "AWS::Lambda::Function")
    # Then it is an arm64 function on the newest Python runtime running the contract handler
    assert props["Architectures"] == ["arm64"]
    assert props["Runtime"] == _latest_python_runtime()
    assert props["Handler"] == HANDLERS[name]
    # And it uses the shared dependency layer
    assert props["Layers"] == [{"Ref": "DependencyLayer"}]


@pytest.mark.parametrize("name", FUNCTION_NAMES)
def test_function_traces_and_logs_json_to_its_own_retained_log_group(synth: Synth, name: str) -> None:
    # Given the synthesized function
    props = synth.props(name, "AWS::Lambda::Function")
    # Then per-event functions pass upstream tracing through (X-Ray cost): Triggers is traced when the state
    # machine's sampling rule picks the execution; the rest (a DM, a click, an hourly job) trace actively
    expected = "PassThrough" if name in ("Ingest", "Scoring", "Triggers") else "Active"
    assert props["TracingConfig"] == {"Mode": expected}
    # And logs are JSON, with the platform's START/END/REPORT lines only at WARN
    assert props["LoggingConfig"]["LogFormat"] == "JSON"
    assert props["LoggingConfig"]["SystemLogLevel"] == "WARN"
    # And they go to an explicit log group of this function that has a retention
    assert props["LoggingConfig"]["LogGroup"] == {"Ref": f"{name}LogGroup"}
    log_group = synth.props(f"{name}LogGroup", "AWS::Logs::LogGroup")
    assert log_group["RetentionInDays"] > 0


@pytest.mark.parametrize("name", FUNCTION_NAMES)
def test_function_environment_is_exactly_the_contract_variables_it_uses(synth: Synth, name: str) -> None:
    # Given the function's environment
    env = synth.props(name, "AWS::Lambda::Function")["Environment"]["Variables"]
    # Then the Powertools and rules-file variables are set
    assert env["POWERTOOLS_SERVICE_NAME"] == SERVICE_NAMES[name]
    assert env["POWERTOOLS_METRICS_NAMESPACE"] == "Boomerang"
    assert env["POWERTOOLS_LOG_LEVEL"] == "INFO"
    assert env["PYDANTIC_DISABLE_PLUGINS"] == "__all__"
    assert env["BOOMERANG_CONFIG"] == "boomerang.toml"
    # And the resource variables are exactly those the function uses, pointing at the right resources
    runtime_keys = {"BOOMERANG_CONFIG", "PYDANTIC_DISABLE_PLUGINS"}
    resource_env = {k: v for k, v in env.items() if not k.startswith("POWERTOOLS_") and k not in runtime_keys}
    assert resource_env == {key: {"Ref": logical_id} for key, logical_id in RESOURCE_ENV[name].items()}


def test_every_function_has_a_dedicated_role(synth: Synth) -> None:
    # Given the role of every function
    roles = [synth.props(name, "AWS::Lambda::Function")["Role"] for name in FUNCTION_NAMES]
    # Then each function has its own role, assumable by Lambda only, with no managed policies
    assert roles == [{"Fn::GetAtt": [f"{name}Role", "Arn"]} for name in FUNCTION_NAMES]
    for name in FUNCTION_NAMES:
        role = synth.props(f"{name}Role", "AWS::IAM::Role")
        principals = [s["Principal"] for s in role["AssumeRolePolicyDocument"]["Statement"]]
        assert principals == [{"Service": "lambda.amazonaws.com"}]
        assert "ManagedPolicyArns" not in role


@pytest.mark.parametrize("name", FUNCTION_NAMES)
def test_function_role_allows_exactly_what_the_function_needs(synth: Synth, name: str) -> None:
    # Given the identity policies attached to the function's role
    permissions = synth.role_permissions(f"{name}Role")
    # Then they allow exactly the expected actions on exactly the expected resources
    assert permissions == EXPECTED_PERMISSIONS[name]


@pytest.mark.parametrize("role", ["IngestRole", "QuarantineReplayRole"])
def test_ingest_can_only_add_identity_lookups_to_the_portfolio(synth: Synth, role: str) -> None:
    # Given the statements of the role that name the PortfolioTable with a write action
    writes = [
        statement
        for policy in synth.of_type("AWS::IAM::Policy").values()
        if {"Ref": role} in policy["Properties"]["Roles"]
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
        if statement["Resource"] == {"Fn::GetAtt": ["PortfolioTable", "Arn"]}
        and set(statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]) & TABLE_WRITE
    ]
    # Then the only write is PutItem, and only on items whose partition key starts with LOOKUP#
    assert [w["Action"] for w in writes] == ["dynamodb:PutItem"]
    assert writes[0]["Condition"] == {"ForAllValues:StringLike": {"dynamodb:LeadingKeys": ["LOOKUP#*"]}}
    # And the state table is out of reach
    assert "StateTable" not in synth.role_permissions(role)


def test_triggers_has_no_secrets_and_no_bus_access(synth: Synth) -> None:
    # Given the Triggers role (the state machine publishes the outcome, not the function)
    actions = set().union(*synth.role_permissions("TriggersRole").values())
    # Then it has no Secrets Manager, EventBridge or SES access
    assert not {a for a in actions if a.startswith(("secretsmanager:", "events:", "ses:"))}


@pytest.mark.parametrize(("name", "queue", "window"), [("Scoring", "ScoringQueue", 5), ("Notify", "NotifyQueue", None)])
def test_queue_consumers_read_batches_and_report_item_failures(
    synth: Synth, name: str, queue: str, window: int | None
) -> None:
    # Given the event source mappings of the stack
    mappings = [
        m["Properties"]
        for m in synth.of_type("AWS::Lambda::EventSourceMapping").values()
        if m["Properties"]["FunctionName"] == {"Ref": name}
    ]
    # Then the function consumes exactly its queue, 10 at a time, reporting partial batch failures
    assert len(mappings) == 1
    mapping = mappings[0]
    assert mapping["EventSourceArn"] == {"Fn::GetAtt": [queue, "Arn"]}
    assert mapping["BatchSize"] == 10
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    # And only the consumer off the DM path waits to fill its batches
    assert mapping.get("MaximumBatchingWindowInSeconds") == window


def test_functions_without_a_queue_have_no_event_source(synth: Synth) -> None:
    # Given the functions triggered by the API or the state machine
    consumers = {
        m["Properties"]["FunctionName"]["Ref"] for m in synth.of_type("AWS::Lambda::EventSourceMapping").values()
    }
    # Then only Scoring and Notify poll queues, and QuarantineReplay reads the portfolio's stream
    assert consumers == {"Scoring", "Notify", "QuarantineReplay"}


def test_replay_wakes_only_for_new_lookups_and_account_profiles(synth: Synth) -> None:
    # Given the stream mapping of QuarantineReplay
    [mapping] = [
        m["Properties"]
        for m in synth.of_type("AWS::Lambda::EventSourceMapping").values()
        if m["Properties"]["FunctionName"] == {"Ref": "QuarantineReplay"}
    ]
    # Then it reads PortfolioTable's stream from now on, reporting partial failures and bisecting poison batches
    assert mapping["EventSourceArn"] == {"Fn::GetAtt": ["PortfolioTable", "StreamArn"]}
    assert mapping["StartingPosition"] == "LATEST"
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert mapping["BisectBatchOnFunctionError"] is True
    assert mapping["MaximumRetryAttempts"] == 3
    # And batches it gives up on are described in the failures queue (the items stay in the quarantine)
    assert mapping["DestinationConfig"]["OnFailure"]["Destination"] == {"Fn::GetAtt": ["QuarantineReplayDlq", "Arn"]}
    # And the function reads the stream, not more of the table than its other grants allow
    stream_statements = [
        statement
        for policy in synth.of_type("AWS::IAM::Policy").values()
        if {"Ref": "QuarantineReplayRole"} in policy["Properties"]["Roles"]
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
        if "dynamodb:GetRecords" in statement["Action"]
    ]
    assert [s["Resource"] for s in stream_statements] == [{"Fn::GetAtt": ["PortfolioTable", "StreamArn"]}]
    # And only inserted/changed lookups and account profiles invoke it
    [pattern] = [json.loads(f["Pattern"]) for f in mapping["FilterCriteria"]["Filters"]]
    assert pattern["eventName"] == ["INSERT", "MODIFY"]
    assert pattern["dynamodb"]["Keys"]["pk"]["S"] == [{"prefix": "LOOKUP#"}, {"prefix": "ACCOUNT#"}]
    assert pattern["dynamodb"]["Keys"]["sk"]["S"] == ["LOOKUP", "PROFILE"]
