"""DynamoDB stream → Lambda event source mappings, served by a poller thread (moto records the streams)."""

from __future__ import annotations

import json
import sys
import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .lambdas import LambdaFunction, log_invocation_error

POLL_SECONDS = 0.05


@dataclass
class StreamMapping:
    logical_id: str
    stream_arn: str
    function: LambdaFunction
    batch_size: int = 100
    filters: list[str] = field(default_factory=list)  # EventBridge-style patterns (the ESM's FilterCriteria)
    report_batch_item_failures: bool = False
    retry_attempts: int = 3
    enabled: bool = True


def matches(patterns: list[Any], record: dict[str, Any]) -> bool:
    """Lambda's filter criteria (loaded moto EventPatterns): delivered if any matches; all without filters."""
    return not patterns or any(p.matches_event(record) for p in patterns)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.timestamp()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


class StreamPoller(threading.Thread):
    """Reads the stream from its end at start (StartingPosition LATEST) and invokes the function in batches.

    Failed records (the whole batch, or the ``batchItemFailures`` from the first one on) are retried up to
    ``retry_attempts`` times, then reported on stderr and skipped, as an on-failure destination would.
    """

    def __init__(self, mapping: StreamMapping, streams: Any, region: str, stop: threading.Event) -> None:
        super().__init__(name=f"stream-{mapping.logical_id}", daemon=True)
        self.mapping = mapping
        self.streams = streams
        self.region = region
        self.stop_event = stop
        from moto.events.models import EventPattern

        self._patterns = [EventPattern.load(p) for p in mapping.filters]
        self._iterators = self._start()

    def _start(self) -> list[str]:
        shards = self.streams.describe_stream(StreamArn=self.mapping.stream_arn)["StreamDescription"]["Shards"]
        return [
            self.streams.get_shard_iterator(
                StreamArn=self.mapping.stream_arn, ShardId=shard["ShardId"], ShardIteratorType="LATEST"
            )["ShardIterator"]
            for shard in shards
        ]

    def run(self) -> None:
        while not self.stop_event.is_set():
            try:
                got = False
                for index, iterator in enumerate(self._iterators):
                    page = self.streams.get_records(ShardIterator=iterator, Limit=self.mapping.batch_size)
                    self._iterators[index] = page["NextShardIterator"]
                    records = [self._record(r) for r in page.get("Records", [])]
                    if records:
                        got = True
                        self.handle([r for r in records if matches(self._patterns, r)])
                if not got:
                    self.stop_event.wait(POLL_SECONDS)
            except Exception as exc:
                if self.stop_event.is_set():
                    return
                print(f"[boomerang-local] {self.name}: {type(exc).__name__}: {exc}", file=sys.stderr)
                self.stop_event.wait(0.5)

    def _record(self, raw: dict[str, Any]) -> dict[str, Any]:
        record = _plain(raw)
        record.update(eventSource="aws:dynamodb", eventSourceARN=self.mapping.stream_arn, awsRegion=self.region)
        return dict(record)

    def handle(self, records: list[dict[str, Any]]) -> None:
        for _attempt in range(self.mapping.retry_attempts + 1):
            if not records or self.stop_event.is_set():
                return
            records = self._invoke(records)
        if records:
            ids = [r["dynamodb"].get("SequenceNumber") for r in records]
            print(
                f"[boomerang-local] {self.name}: gave up on {len(records)} stream record(s) {ids}: "
                f"{json.dumps([r['dynamodb'].get('Keys') for r in records])[:300]}",
                file=sys.stderr,
            )

    def _invoke(self, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The records still to retry after one invocation."""
        fn = self.mapping.function
        try:
            result = fn.invoke({"Records": records})
        except Exception as exc:
            log_invocation_error(fn, exc)
            return records
        if not (self.mapping.report_batch_item_failures and isinstance(result, dict)):
            return []
        failures = [f.get("itemIdentifier") for f in result.get("batchItemFailures") or [] if isinstance(f, dict)]
        if not failures:
            return []
        first = min(int(f) for f in failures if f is not None)  # Lambda retries from the lowest failed sequence number
        return [r for r in records if int(r["dynamodb"].get("SequenceNumber", 0)) >= first]
