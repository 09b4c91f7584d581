"""Lambda task of the RuleEvaluation Express workflow: one triggering event in, one decision out.

The pipe delivers SQS records (a list, batch size 1); each body is the EventBridge event whose detail is
the canonical envelope.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from services.common.handlers.observability import count, for_service, traced
from services.common.handlers.records import event_of_execution
from services.triggers import wiring

logger, metrics = for_service("triggers")


@traced
@metrics.log_metrics
@logger.inject_lambda_context(clear_state=True)
def handler(event: Any, context: LambdaContext) -> dict[str, Any]:
    canonical = event_of_execution(event)
    decision = wiring.evaluator().evaluate(canonical)
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
