"""POST /slack/interactions: Slack's button clicks, verified and acted on (logic.interactions), answered well
within Slack's 3 s. A request it will not act on gets its 4xx (503 while no signing secret is set) and a JSON
error; nothing is recorded or published."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from services.common.handlers.http import headers, json_response, raw_body
from services.common.handlers.observability import count, for_service, traced
from services.notify import wiring
from services.notify.models.errors import InteractionRefused

app = APIGatewayHttpResolver()

logger, metrics = for_service("interactions")


@app.post("/slack/interactions")
def interaction() -> Response[str]:
    event = app.current_event
    try:
        outcome = wiring.interactions().receive(raw_body(event), headers(event))
    except InteractionRefused as refused:
        count(metrics, "slack_rejected", "reason", refused.error)
        logger.info(
            "interaction refused", extra={"status": refused.status, "error": refused.error, "detail": str(refused)}
        )
        return json_response(refused.status, {"error": refused.error, "message": str(refused)})
    metrics.add_metric(name=f"ask_{outcome}", unit=MetricUnit.Count, value=1)
    logger.info("interaction", extra={"outcome": outcome})
    return Response(status_code=200, content_type=content_types.TEXT_PLAIN, body="")


@traced
@metrics.log_metrics
@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
