"""Lambda task of the RuleEvaluation Express workflow: one triggering event in, one decision out.

The pipe delivers SQS records (a list, batch size 1); each body is the EventBridge event whose detail is
the canonical envelope.
"""

from __future__ import annotations

import functools
import json
from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from services.common.events import parse_event
from services.common.observability import count, for_service, traced
from services.triggers.logic.evaluator import TriggerEvaluator

logger, metrics = for_service("triggers")


@functools.cache
def evaluator() -> TriggerEvaluator:
    from services.common.config import current_config
    from services.triggers.dal.facts import DynamoFacts
    from services.triggers.dal.trigger_store import TriggerTable

    return TriggerEvaluator(current_config(), DynamoFacts(), TriggerTable(), lambda: datetime.now(UTC))


def _bus_event(payload: Any) -> dict[str, Any]:
    records = payload if isinstance(payload, list) else [payload]
    if len(records) != 1:
        raise ValueError(f"expected exactly one record per execution, got {len(records)}")
    record = records[0]
    if "body" in record:  # an SQS record from the pipe
        body = record["body"]
        return json.loads(body) if isinstance(body, str) else body
    return record  # an EventBridge event given directly (tests, manual replays)


@traced
@metrics.log_metrics
@logger.inject_lambda_context(clear_state=True)
def handler(event: Any, context: LambdaContext) -> dict[str, Any]:
    canonical = parse_event(_bus_event(event)["detail"])
    decision = evaluator().evaluate(canonical)
    count(metrics, "trigger_evaluated", "outcome", decision.outcome)
    metrics.add_metric(name="evaluations", unit=MetricUnit.Count, value=1)
    logger.info(
        "evaluated",
        extra={
            "event_id": canonical.event_id,
            "account_id": canonical.account_id,
            "outcome": decision.outcome,
            "reason": decision.reason,
        },
    )
    return decision.model_dump(mode="json")
