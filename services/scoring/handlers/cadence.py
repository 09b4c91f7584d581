"""EventBridge Scheduler → the health-check cadence job (seed 004): due checks, red-account escalations.

Invoked hourly by the ``CadenceSchedule`` schedule (retries and a DLQ are the schedule's); the input may name
the moment to run as of (``now``), which is how ``boomerang cadence run`` and tests drive it.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.parser import parse
from aws_lambda_powertools.utilities.typing import LambdaContext

from services.common.handlers.observability import for_service, traced
from services.scoring import wiring
from services.scoring.models.cadence import CadenceRun

logger, metrics = for_service("cadence")


@traced
@metrics.log_metrics
@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    run = parse(event=event or {}, model=CadenceRun)
    moment = run.moment()  # once: without a time in the input it is "now", and the log line says which
    report = wiring.cadence_job().run(moment, time_left=lambda: context.get_remaining_time_in_millis() / 1000)
    for name, value in report.counts().items():
        metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)
    logger.info("cadence run", extra={**report.as_dict(), "accounts": len(report.accounts), "as_of": moment})
    return report.as_dict()
