"""Real handlers against moto (in-process): tables, bus with a tap queue, secret, imported portfolio."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import boto3
import pytest
from moto import mock_aws

from boomerang.local.containers import fresh_containers
from boomerang.local.slack_sink import SlackSink
from boomerang.portfolio.importer import import_portfolio
from tests.fakes import EXAMPLES

SECRETS = {
    "delighted_api_key": "dk",
    "generic_signing_secret": "gs",
    "slack_signing_secret": "ss",
    "slack_bot_token": "xoxb-test",
}


class Context:
    function_name = "test"
    memory_limit_in_mb = 256
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:test"
    aws_request_id = "req"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


def _table(ddb: Any, name: str, ttl: str | None = None, due_index: bool = False) -> None:
    """A pk/sk table; the state table also has the sparse DueIndex of health-check schedules (as synthesized)."""
    indexes: dict[str, Any] = {}
    definitions = [{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "S"}]
    if due_index:
        from infra.constructs.tables import DUE_INDEX, DUE_INDEX_ATTRIBUTES

        definitions += [
            {"AttributeName": "due_shard", "AttributeType": "S"},
            {"AttributeName": "due_at", "AttributeType": "S"},
        ]
        indexes["GlobalSecondaryIndexes"] = [
            {
                "IndexName": DUE_INDEX,
                "KeySchema": [
                    {"AttributeName": "due_shard", "KeyType": "HASH"},
                    {"AttributeName": "due_at", "KeyType": "RANGE"},
                ],
                "Projection": {
                    "ProjectionType": "INCLUDE",
                    "NonKeyAttributes": [*DUE_INDEX_ATTRIBUTES, "csm_member_id"],
                },
            }
        ]
    ddb.create_table(
        TableName=name,
        BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=definitions,
        **indexes,
    )
    if ttl:
        ddb.update_time_to_live(TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": ttl})


def _quarantine_table(ddb: Any, name: str) -> None:
    """QuarantineTable as infra/constructs/quarantine.py defines it (pk/sk, the ByReason index)."""
    from services.ingest.adapters.quarantine import BY_REASON_INDEX, LISTED_ATTRIBUTES

    ddb.create_table(
        TableName=name,
        BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": a, "AttributeType": "S"} for a in ("pk", "sk", "list_pk", "list_sk")],
        GlobalSecondaryIndexes=[
            {
                "IndexName": BY_REASON_INDEX,
                "KeySchema": [
                    {"AttributeName": "list_pk", "KeyType": "HASH"},
                    {"AttributeName": "list_sk", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": LISTED_ATTRIBUTES},
            }
        ],
    )


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[SimpleNamespace]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "true")
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "BoomerangTest")
    with mock_aws():
        ddb = boto3.client("dynamodb")
        _table(ddb, "portfolio")
        _table(ddb, "state", ttl="expires_at", due_index=True)
        ddb.create_table(
            TableName="idempotency",
            BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        )
        _quarantine_table(ddb, "quarantine")
        s3 = boto3.client("s3")
        s3.create_bucket(Bucket="raw-archive")
        boto3.client("firehose").create_delivery_stream(
            DeliveryStreamName="raw-archive",
            DeliveryStreamType="DirectPut",
            ExtendedS3DestinationConfiguration={
                "RoleARN": "arn:aws:iam::123456789012:role/firehose",
                "BucketARN": "arn:aws:s3:::raw-archive",
                "Prefix": "raw/",
                "CompressionFormat": "GZIP",
            },
        )
        events, sqs = boto3.client("events"), boto3.client("sqs")
        events.create_event_bus(Name="bus")
        tap = sqs.create_queue(QueueName="tap")["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=tap, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        events.put_rule(Name="all", EventBusName="bus", EventPattern=json.dumps({"source": [{"prefix": ""}]}))
        events.put_targets(Rule="all", EventBusName="bus", Targets=[{"Id": "tap", "Arn": arn}])
        secret = boto3.client("secretsmanager").create_secret(Name="boomerang", SecretString=json.dumps(SECRETS))
        boto3.client("ses").verify_email_identity(EmailAddress="asks@boomerang-demo.example")
        for name, value in {
            "PORTFOLIO_TABLE": "portfolio",
            "IDEMPOTENCY_TABLE": "idempotency",
            "QUARANTINE_TABLE": "quarantine",
            "RAW_ARCHIVE_BUCKET": "raw-archive",
            "RAW_ARCHIVE_STREAM": "raw-archive",
            "STATE_TABLE": "state",
            "EVENT_BUS_NAME": "bus",
            "SECRETS_ID": secret["ARN"],
            "BOOMERANG_CONFIG": str(EXAMPLES.parent / "boomerang.toml"),
        }.items():
            monkeypatch.setenv(name, value)
        import_portfolio(EXAMPLES / "portfolio", "portfolio", ddb)
        fresh_containers()
        yield SimpleNamespace(ddb=ddb, sqs=sqs, tap=tap, s3=s3)
        fresh_containers()


@pytest.fixture
def slack_sink(monkeypatch: pytest.MonkeyPatch) -> Iterator[SlackSink]:
    sink = SlackSink()
    sink.start()
    monkeypatch.setenv("SLACK_API_URL", sink.base_url)
    yield sink
    sink.stop()


def drain(sqs: Any, url: str) -> list[dict[str, Any]]:
    messages = []
    while True:
        batch = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        if not batch:
            return messages
        for m in batch:
            messages.append({"body": m["Body"], "messageId": m["MessageId"]})
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])


def sqs_event(bodies: list[str]) -> dict[str, Any]:
    return {
        "Records": [
            {
                "messageId": str(uuid.uuid4()),
                "receiptHandle": "r",
                "body": body,
                "attributes": {"ApproximateReceiveCount": "1"},
                "messageAttributes": {},
                "md5OfBody": "",
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:q",
                "awsRegion": "us-east-1",
            }
            for body in bodies
        ]
    }


def http_event(path: str, body: bytes, headers: dict[str, str]) -> dict[str, Any]:
    return {
        "version": "2.0",
        "routeKey": "POST " + path,
        "rawPath": path,
        "rawQueryString": "",
        "headers": headers,
        "requestContext": {
            "http": {
                "method": "POST",
                "path": path,
                "sourceIp": "127.0.0.1",
                "protocol": "HTTP/1.1",
                "userAgent": "test",
            },
            "requestId": "id",
            "routeKey": "POST " + path,
            "stage": "$default",
            "timeEpoch": 0,
            "domainName": "localhost",
        },
        "body": body.decode(),
        "isBase64Encoded": False,
    }
