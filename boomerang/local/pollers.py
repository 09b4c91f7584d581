"""SQS pollers: Lambda event source mappings and EventBridge Pipes (SQS → Step Functions)."""

from __future__ import annotations

import json
import sys
import threading
import uuid
from typing import Any

from .lambdas import log_invocation_error, sqs_record
from .resources import EventSourceMapping, Pipe

WAIT_SECONDS = 1  # moto's long poll wakes up as soon as a message arrives


class _Poller(threading.Thread):
    def __init__(self, name: str, sqs: Any, queue_url: str, batch_size: int, stop: threading.Event) -> None:
        super().__init__(name=name, daemon=True)
        self.sqs = sqs
        self.queue_url = queue_url
        self.batch_size = max(1, min(int(batch_size), 10))
        self.stop_event = stop

    def run(self) -> None:
        while not self.stop_event.is_set():
            try:
                messages = self.sqs.receive_message(
                    QueueUrl=self.queue_url,
                    MaxNumberOfMessages=self.batch_size,
                    WaitTimeSeconds=WAIT_SECONDS,
                    AttributeNames=["All"],
                    MessageAttributeNames=["All"],
                ).get("Messages", [])
                if messages and not self.stop_event.is_set():
                    self.handle(messages)
            except Exception as exc:
                if self.stop_event.is_set():
                    return
                print(f"[boomerang-local] {self.name}: {type(exc).__name__}: {exc}", file=sys.stderr)
                self.stop_event.wait(0.5)

    def handle(self, messages: list[dict[str, Any]]) -> None:
        raise NotImplementedError

    def delete(self, messages: list[dict[str, Any]]) -> None:
        if messages:
            self.sqs.delete_message_batch(
                QueueUrl=self.queue_url,
                Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)],
            )


class EventSourceMappingPoller(_Poller):
    """Invokes the function with SQS batches; deletes successes, honours ``batchItemFailures``."""

    def __init__(self, esm: EventSourceMapping, sqs: Any, region: str, stop: threading.Event) -> None:
        super().__init__(f"esm-{esm.logical_id}", sqs, esm.queue.url, esm.batch_size, stop)
        self.esm = esm
        self.region = region

    def handle(self, messages: list[dict[str, Any]]) -> None:
        records = [sqs_record(m, self.esm.queue.arn, self.region) for m in messages]
        fn = self.esm.function
        try:
            result = fn.invoke({"Records": records})
        except Exception as exc:
            log_invocation_error(fn, exc)
            return  # whole batch becomes visible again after the visibility timeout
        failed: set[str] = set()
        if self.esm.report_batch_item_failures and isinstance(result, dict):
            for item in result.get("batchItemFailures") or []:
                ident = item.get("itemIdentifier") if isinstance(item, dict) else None
                if not ident:  # Lambda treats a malformed failure report as a failed batch
                    return
                failed.add(str(ident))
        self.delete([m for m in messages if m["MessageId"] not in failed])


class PipePoller(_Poller):
    """Starts one state machine execution per message, input ``[<SQS record>]``, like Pipes."""

    def __init__(self, pipe: Pipe, sqs: Any, sfn: Any, region: str, stop: threading.Event) -> None:
        super().__init__(f"pipe-{pipe.logical_id}", sqs, pipe.queue.url, pipe.batch_size, stop)
        self.pipe = pipe
        self.sfn = sfn
        self.region = region

    def handle(self, messages: list[dict[str, Any]]) -> None:
        done = []
        for message in messages:
            record = sqs_record(message, self.pipe.queue.arn, self.region)
            try:
                self.sfn.start_execution(
                    stateMachineArn=self.pipe.state_machine_arn,
                    name=str(uuid.uuid4()),
                    input=json.dumps([record]),
                )
            except Exception as exc:
                print(f"[boomerang-local] {self.name}: start_execution failed: {exc}", file=sys.stderr)
                continue
            done.append(message)
        self.delete(done)
