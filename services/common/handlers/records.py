"""Canonical events out of what the bus's consumers receive: SQS records (a plain SQS rule target carries the whole
EventBridge event as the body), or the pipe's one-record list that starts the rule-evaluation workflow."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from services.common.models.errors import MalformedRecord
from services.common.models.events import EventEnvelope, parse_event


def event_of_record(record: SQSRecord) -> EventEnvelope:
    """The canonical event an SQS record carries (MalformedRecord says what is wrong with anything else)."""
    return _event_of(record.body)


def event_of_execution(payload: Any) -> EventEnvelope:
    """The canonical event of a workflow execution's input: the pipe's list of exactly one SQS record, or an
    EventBridge event given directly (a manual replay, the tests)."""
    records = payload if isinstance(payload, list) else [payload]
    if len(records) != 1:
        raise MalformedRecord(f"expected exactly one record per execution, got {len(records)}")
    record = records[0]
    if isinstance(record, Mapping) and "body" in record:
        return _event_of(record["body"])
    return _event_of(record)


def _event_of(body: Any) -> EventEnvelope:
    try:
        bus_event = json.loads(body) if isinstance(body, str | bytes) else body
        detail = bus_event["detail"]
    except (ValueError, TypeError, KeyError) as exc:
        raise MalformedRecord(f"not an EventBridge event with a detail: {exc}") from exc
    return parse_event(detail)
