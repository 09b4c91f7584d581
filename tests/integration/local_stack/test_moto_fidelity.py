"""The local stack's moto patches: same results as moto, minus the work AWS never does (moto_fidelity.py)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from boomerang.local.moto_fidelity import fidelity_patches

REGION = "us-east-1"


@contextmanager
def patched() -> Iterator[None]:
    patches = fidelity_patches()
    saved = [
        (owner, attr, vars(owner)[attr] if attr in vars(owner) else getattr(owner, attr)) for owner, attr, _ in patches
    ]
    for owner, attr, replacement in patches:
        setattr(owner, attr, replacement)
    try:
        yield
    finally:
        for owner, attr, original in reversed(saved):
            setattr(owner, attr, original)


@pytest.fixture(autouse=True)
def _credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)


def both_ways(scenario: Callable[[], Any]) -> tuple[Any, Any]:
    """The scenario's result on plain moto, then on patched moto (fresh backends each time)."""
    with mock_aws():
        plain = scenario()
    with mock_aws(), patched():
        return plain, scenario()


def _table(ddb: Any, name: str = "t", **extra: Any) -> None:
    ddb.create_table(
        TableName=name,
        BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
            {"AttributeName": "g", "AttributeType": "S"},
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "by-g",
                "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
        **extra,
    )


def _scan(ddb: Any, name: str = "t") -> list[dict[str, Any]]:
    return sorted(ddb.scan(TableName=name)["Items"], key=lambda i: (i["pk"]["S"], i["sk"]["S"]))


# --------------------------------------------------------------------------- EventBridge
def test_a_target_without_transformer_receives_the_event_as_aws_sends_it() -> None:
    def scenario() -> tuple[dict[str, Any], dict[str, Any]]:
        events, sqs = boto3.client("events", region_name=REGION), boto3.client("sqs", region_name=REGION)
        plain_q = sqs.create_queue(QueueName="plain")["QueueUrl"]
        shaped_q = sqs.create_queue(QueueName="shaped")["QueueUrl"]
        arn = {
            q: sqs.get_queue_attributes(QueueUrl=q, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
            for q in (plain_q, shaped_q)
        }
        events.put_rule(Name="r", EventPattern=json.dumps({"source": ["app"]}))
        events.put_targets(
            Rule="r",
            Targets=[
                {"Id": "plain", "Arn": arn[plain_q]},
                {
                    "Id": "shaped",
                    "Arn": arn[shaped_q],
                    "InputTransformer": {"InputPathsMap": {"s": "$.source"}, "InputTemplate": '{"from": "<s>"}'},
                },
            ],
        )
        detail = {"n": 10, "nested": {"list": [1, "two", None]}, "text": "Grüße"}
        events.put_events(
            Entries=[{"Source": "app", "DetailType": "Thing", "Detail": json.dumps(detail), "Resources": ["r:1"]}]
        )
        bodies = [json.loads(sqs.receive_message(QueueUrl=q)["Messages"][0]["Body"]) for q in (plain_q, shaped_q)]
        return bodies[0], bodies[1]

    (plain, plain_shaped), (event, shaped) = both_ways(scenario)
    # Then the matched event arrives whole, with the account moto's template used to drop
    assert set(event) == {"version", "id", "detail-type", "source", "account", "time", "region", "resources", "detail"}
    assert event["account"] == "123456789012"
    assert {k: v for k, v in event.items() if k not in ("id", "time", "account")} == {
        k: v for k, v in plain.items() if k not in ("id", "time")
    }
    assert event["detail"] == {"n": 10, "nested": {"list": [1, "two", None]}, "text": "Grüße"}
    # And an InputTransformer still shapes what its target receives
    assert shaped == plain_shaped == {"from": "app"}


# --------------------------------------------------------------------------- DynamoDB Query
def test_query_answers_from_its_partition_with_moto_s_results() -> None:
    def scenario() -> list[Any]:
        ddb = boto3.client("dynamodb", region_name=REGION)
        _table(ddb)
        for p in range(30):
            for s in range(6):
                ddb.put_item(
                    TableName="t",
                    Item={
                        "pk": {"S": f"P#{p % 7}"},
                        "sk": {"S": f"K#{s}#{p}"},
                        "g": {"S": f"g{s % 2}"},
                        "n": {"N": str(s)},
                    },
                )
        answers = []
        for kwargs in (
            {"KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": {"S": "P#3"}}},
            {
                "KeyConditionExpression": "pk = :p AND begins_with(sk, :s)",
                "ExpressionAttributeValues": {":p": {"S": "P#3"}, ":s": {"S": "K#2"}},
                "ScanIndexForward": False,
            },
            {
                "KeyConditionExpression": "pk = :p AND sk BETWEEN :a AND :b",
                "FilterExpression": "n > :z",
                "ProjectionExpression": "sk, n",
                "ExpressionAttributeValues": {
                    ":p": {"S": "P#1"},
                    ":a": {"S": "K#1"},
                    ":b": {"S": "K#4"},
                    ":z": {"N": "1"},
                },
            },
            {"KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": {"S": "P#404"}}},
            {"IndexName": "by-g", "KeyConditionExpression": "g = :g", "ExpressionAttributeValues": {":g": {"S": "g1"}}},
        ):
            answers.append(ddb.query(TableName="t", **kwargs)["Items"])
        pages, start = [], None
        while True:  # pagination with Limit
            page = ddb.query(
                TableName="t",
                KeyConditionExpression="pk = :p",
                ExpressionAttributeValues={":p": {"S": "P#2"}},
                Limit=4,
                **({"ExclusiveStartKey": start} if start else {}),
            )
            pages.append(page["Items"])
            start = page.get("LastEvaluatedKey")
            if not start:
                break
        answers.append(pages)
        return answers

    plain, fast = both_ways(scenario)
    assert fast == plain
    assert len(fast[0]) == 24
    assert fast[3] == []
    assert len(fast[5]) > 1


# --------------------------------------------------------------------------- DynamoDB TransactWriteItems
def _transactions(ddb: Any) -> list[Any]:
    _table(ddb)
    for i in range(50):
        ddb.put_item(TableName="t", Item={"pk": {"S": f"A#{i}"}, "sk": {"S": "X"}, "g": {"S": "g"}, "v": {"N": str(i)}})
    outcomes: list[Any] = []

    def transact(items: list[dict[str, Any]]) -> None:
        try:
            ddb.transact_write_items(TransactItems=items)
            outcomes.append("ok")
        except ClientError as exc:
            outcomes.append(
                [r.get("Code") for r in exc.response.get("CancellationReasons", [])] or exc.response["Error"]["Code"]
            )
        outcomes.append(_scan(ddb))

    put = lambda pk, cond=None: {  # noqa: E731
        "Put": {"TableName": "t", "Item": {"pk": {"S": pk}, "sk": {"S": "X"}, "g": {"S": "new"}}}
        | ({"ConditionExpression": cond} if cond else {})
    }
    update = {
        "Update": {
            "TableName": "t",
            "Key": {"pk": {"S": "A#3"}, "sk": {"S": "X"}},
            "UpdateExpression": "SET v = :v",
            "ExpressionAttributeValues": {":v": {"N": "99"}},
        }
    }
    delete = {"Delete": {"TableName": "t", "Key": {"pk": {"S": "A#4"}, "sk": {"S": "X"}}}}
    # A cancelled transaction: a new item, an update and a delete are written, then a condition fails
    transact([put("NEW#1"), update, delete, put("A#5", "attribute_not_exists(pk)")])
    # A transaction that succeeds
    transact([put("NEW#2", "attribute_not_exists(pk)"), update, delete])
    # Two operations on one item: rejected before anything is written
    transact([put("NEW#3"), put("NEW#3")])
    return outcomes


def test_a_cancelled_transaction_leaves_every_item_as_it_was() -> None:
    def scenario() -> list[Any]:
        return _transactions(boto3.client("dynamodb", region_name=REGION))

    plain, fast = both_ways(scenario)
    assert fast == plain
    cancelled, after_cancel, ok, after_ok, rejected, after_reject = fast
    assert cancelled == ["None", "None", "None", "ConditionalCheckFailed"]
    assert len(after_cancel) == 50
    assert {i["pk"]["S"] for i in after_cancel} == {f"A#{i}" for i in range(50)}
    assert next(i for i in after_cancel if i["pk"]["S"] == "A#3")["v"] == {"N": "3"}
    assert ok == "ok"
    assert len(after_ok) == 50  # one added, one deleted
    assert next(i for i in after_ok if i["pk"]["S"] == "A#3")["v"] == {"N": "99"}
    assert rejected == "ValidationException"
    assert after_reject == after_ok


def test_a_table_with_a_stream_keeps_moto_s_whole_table_rollback() -> None:
    def scenario() -> list[Any]:
        ddb = boto3.client("dynamodb", region_name=REGION)
        _table(ddb, "s", StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"})
        ddb.put_item(TableName="s", Item={"pk": {"S": "A"}, "sk": {"S": "X"}, "g": {"S": "g"}})
        with pytest.raises(ClientError):
            ddb.transact_write_items(
                TransactItems=[
                    {"Put": {"TableName": "s", "Item": {"pk": {"S": "B"}, "sk": {"S": "X"}, "g": {"S": "g"}}}},
                    {
                        "Put": {
                            "TableName": "s",
                            "Item": {"pk": {"S": "A"}, "sk": {"S": "X"}, "g": {"S": "g"}},
                            "ConditionExpression": "attribute_not_exists(pk)",
                        }
                    },
                ]
            )
        return _scan(ddb, "s")

    plain, fast = both_ways(scenario)
    assert fast == plain
    assert [i["pk"]["S"] for i in fast] == ["A"]


# --------------------------------------------------------------------------- Step Functions
def test_executions_parse_the_definition_once_and_keep_their_own_state(monkeypatch: pytest.MonkeyPatch) -> None:
    from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser

    parses: list[str] = []
    original = AmazonStateLanguageParser.parse

    def counting(definition: str, *args: Any, **kwargs: Any) -> Any:
        parses.append(definition)
        return original(definition, *args, **kwargs)

    monkeypatch.setattr(AmazonStateLanguageParser, "parse", staticmethod(counting))
    definition = {
        "StartAt": "Pick",
        "States": {
            "Pick": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.n", "NumericGreaterThan": 5, "Next": "Big"}],
                "Default": "Small",
            },
            "Big": {"Type": "Pass", "Result": "big", "ResultPath": "$.size", "End": True},
            "Small": {"Type": "Pass", "Result": "small", "ResultPath": "$.size", "End": True},
        },
    }
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}), patched():
        sfn = boto3.client("stepfunctions", region_name=REGION)
        arn = sfn.create_state_machine(
            name="m", definition=json.dumps(definition), roleArn="arn:aws:iam::123456789012:role/r", type="EXPRESS"
        )["stateMachineArn"]
        created = len(parses)
        outputs = []
        for n in (1, 9, 3, 7):
            run = sfn.start_execution(stateMachineArn=arn, name=f"run-{n}", input=json.dumps({"n": n}))
            status = "RUNNING"
            while status == "RUNNING":
                detail = sfn.describe_execution(executionArn=run["executionArn"])
                status = detail["status"]
            outputs.append(json.loads(detail["output"]))
    assert outputs == [
        {"n": 1, "size": "small"},
        {"n": 9, "size": "big"},
        {"n": 3, "size": "small"},
        {"n": 7, "size": "big"},
    ]
    assert len(parses) - created == 1  # four executions, one parse
