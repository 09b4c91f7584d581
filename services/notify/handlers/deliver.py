"""NotifyQueue consumer: TriggerFired → Slack DM; AskApproved / AskSkipped → DM update (+ the ask's email);
ExpansionSignal → the AE, HealthCheckDue → the CSM, RedAccountEscalated → the CSM's manager."""

from __future__ import annotations

import functools
import json
from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from services.common.events import parse_event
from services.common.observability import for_service, traced
from services.notify.logic.notifier import Notifier

processor = BatchProcessor(event_type=EventType.SQS)

logger, metrics = for_service("notify")


@functools.cache
def notifier() -> Notifier:
    from services.common.adapters.portfolio_table import PortfolioTable
    from services.common.adapters.secrets import boomerang_secrets
    from services.common.config import current_config
    from services.notify.adapters.email import SesMailer
    from services.notify.adapters.slack import slack_client
    from services.notify.dal.asks import AskTable
    from services.notify.dal.sent import SentTable
    from services.notify.logic.health_alerts import HealthAlerts

    config = current_config()
    slack = slack_client(boomerang_secrets()["slack_bot_token"])
    portfolio, mailer = PortfolioTable(), SesMailer()
    alerts = HealthAlerts(slack, portfolio, mailer, SentTable(), config.email.sender, lambda: datetime.now(UTC))
    return Notifier(config, slack, AskTable(), portfolio, mailer, alerts)


def record_handler(record: SQSRecord) -> None:
    event = parse_event(json.loads(record.body)["detail"])
    outcome = notifier().handle(event)
    metrics.add_metric(name=f"notify_{outcome}", unit=MetricUnit.Count, value=1)
    logger.info("notified", extra={"event_id": event.event_id, "type": event.type.value, "outcome": outcome})


@traced
@metrics.log_metrics
@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
