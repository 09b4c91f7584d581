"""ScoringQueue consumer: every canonical event updates its account's signals and health (partial-batch failures).

A health status change (or a move of ``[health] announce_delta`` points) puts a HealthChanged event on the bus
and writes one score-history item (and, on a status change, the account's health-check schedule); crossing the
expansion threshold puts one ExpansionSignal on the bus. Nothing else is written per event (docs/cost.md).
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from services.common.handlers.observability import for_service, traced
from services.common.handlers.records import event_of_record
from services.scoring import wiring

processor = BatchProcessor(event_type=EventType.SQS)

logger, metrics = for_service("scoring")


def record_handler(record: SQSRecord) -> None:
    event = event_of_record(record)
    result = wiring.recorder().record(event)
    for name in result.counts():
        metrics.add_metric(name=name, unit=MetricUnit.Count, value=1)
    account = {"account_id": event.account_id}
    if result.announced:
        logger.info("health changed", extra={**account, "score": result.score, "status": result.status})
    if result.expansion:
        logger.info("expansion signal", extra=account)
    logger.debug(
        "recorded",
        extra={
            "event_id": event.event_id,
            "type": event.type.value,
            **account,
            "duplicate": result.duplicate,
            "score": result.score,
        },
    )


@traced
@metrics.log_metrics
@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    wiring.recorder().begin_batch()  # profiles are cached per batch
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
