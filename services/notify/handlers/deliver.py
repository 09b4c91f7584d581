"""NotifyQueue consumer: TriggerFired → the CSM's DM; AskApproved / AskSkipped → DM update (+ the ask's email);
ExpansionSignal → the AE, HealthCheckDue → the CSM, RedAccountEscalated → the CSM's manager and the CSM (an email
for a member without Slack). A record that cannot be delivered yet fails alone and is redelivered."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from services.common.handlers.observability import for_service, traced
from services.common.handlers.records import event_of_record
from services.notify import wiring

processor = BatchProcessor(event_type=EventType.SQS)

logger, metrics = for_service("notify")


def record_handler(record: SQSRecord) -> None:
    event = event_of_record(record)
    outcome = wiring.notifier().handle(event)
    metrics.add_metric(name=f"notify_{outcome}", unit=MetricUnit.Count, value=1)
    logger.info("notified", extra={"event_id": event.event_id, "type": event.type.value, "outcome": outcome})


@traced
@metrics.log_metrics
@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
