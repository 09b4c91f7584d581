"""One local stack per e2e module, plus a tap queue that sees every event on the bus."""

from __future__ import annotations

import io
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest

from boomerang.local.stack import LocalStack


class BusTap:
    def __init__(self, stack: LocalStack):
        self.sqs = stack.client("sqs")
        events = stack.client("events")
        bus = next(b["Name"] for b in events.list_event_buses()["EventBuses"] if b["Name"] != "default")
        self.url = self.sqs.create_queue(QueueName="e2e-bus-tap")["QueueUrl"]
        arn = self.sqs.get_queue_attributes(QueueUrl=self.url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        events.put_rule(Name="e2e-tap", EventBusName=bus, EventPattern=json.dumps({"source": [{"prefix": ""}]}))
        events.put_targets(Rule="e2e-tap", EventBusName=bus, Targets=[{"Id": "tap", "Arn": arn}])

    def drain(self, wait: float = 0.5) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            batch = self.sqs.receive_message(QueueUrl=self.url, MaxNumberOfMessages=10, WaitTimeSeconds=0)
            for message in batch.get("Messages", []):
                found.append(json.loads(message["Body"]))
                self.sqs.delete_message(QueueUrl=self.url, ReceiptHandle=message["ReceiptHandle"])
            if not batch.get("Messages"):
                time.sleep(0.05)
        return found


# One stack per module (and one per process at a time): other test packages start their own.
@pytest.fixture(scope="module")
def stack() -> Iterator[LocalStack]:
    with LocalStack(port=0, stdout=io.StringIO()) as running:
        yield running


@pytest.fixture(scope="module")
def tap(stack: LocalStack) -> BusTap:
    return BusTap(stack)
