"""ScoringQueue consumer: every canonical event updates its account's signals (partial-batch failures)."""

from __future__ import annotations

import functools
import json
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from services.common.events import parse_event
from services.common.observability import for_service, traced
from services.scoring.logic.recorder import SignalRecorder

processor = BatchProcessor(event_type=EventType.SQS)

logger, metrics = for_service("scoring")


@functools.cache
def recorder() -> SignalRecorder:
    from services.scoring.dal.state_table import StateTable

    return SignalRecorder(StateTable())


def record_handler(record: SQSRecord) -> None:
    bus_event = json.loads(record.body)
    event = parse_event(bus_event["detail"])
    result = recorder().record(event)
    metrics.add_metric(name="event_duplicate" if result.duplicate else "event_recorded", unit=MetricUnit.Count, value=1)
    logger.debug(
        "recorded",
        extra={
            "event_id": event.event_id,
            "type": event.type.value,
            "account_id": event.account_id,
            "duplicate": result.duplicate,
        },
    )


@traced
@metrics.log_metrics
@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
