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
from services.common.storage import (
    BY_REASON_INDEX,
    DUE_INDEX,
    IDEMPOTENCY_KEY,
    PK,
    RAW_PREFIX,
    SK,
    TTL_ATTRIBUTE,
    Env,
    Index,
)
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


def _table(ddb: Any, name: str, ttl: str | None = None, index: Index | None = None) -> None:
    """A pk/sk table, with the sparse index infra gives it (the storage contract's names, as synthesized)."""
    keys = [PK, SK, *((index.partition_key, index.sort_key) if index else ())]
    indexes: dict[str, Any] = {}
    if index:
        indexes["GlobalSecondaryIndexes"] = [
            {
                "IndexName": index.name,
                "KeySchema": [
                    {"AttributeName": index.partition_key, "KeyType": "HASH"},
                    {"AttributeName": index.sort_key, "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": list(index.projected)},
            }
        ]
    ddb.create_table(
        TableName=name,
        BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": PK, "KeyType": "HASH"}, {"AttributeName": SK, "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": k, "AttributeType": "S"} for k in keys],
        **indexes,
    )
    if ttl:
        ddb.update_time_to_live(TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": ttl})


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
        _table(ddb, "state", ttl=TTL_ATTRIBUTE, index=DUE_INDEX)
        ddb.create_table(
            TableName="idempotency",
            BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": IDEMPOTENCY_KEY, "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": IDEMPOTENCY_KEY, "AttributeType": "S"}],
        )
        _table(ddb, "quarantine", ttl=TTL_ATTRIBUTE, index=BY_REASON_INDEX)
        s3 = boto3.client("s3")
        s3.create_bucket(Bucket="raw-archive")
        boto3.client("firehose").create_delivery_stream(
            DeliveryStreamName="raw-archive",
            DeliveryStreamType="DirectPut",
            ExtendedS3DestinationConfiguration={
                "RoleARN": "arn:aws:iam::123456789012:role/firehose",
                "BucketARN": "arn:aws:s3:::raw-archive",
                "Prefix": RAW_PREFIX,
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
            Env.PORTFOLIO_TABLE: "portfolio",
            Env.IDEMPOTENCY_TABLE: "idempotency",
            Env.QUARANTINE_TABLE: "quarantine",
            Env.RAW_ARCHIVE_BUCKET: "raw-archive",
            Env.RAW_ARCHIVE_STREAM: "raw-archive",
            Env.STATE_TABLE: "state",
            Env.EVENT_BUS_NAME: "bus",
            Env.SECRETS_ID: secret["ARN"],
            Env.BOOMERANG_CONFIG: str(EXAMPLES.parent / "boomerang.toml"),
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
    monkeypatch.setenv(Env.SLACK_API_URL, sink.base_url)
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
