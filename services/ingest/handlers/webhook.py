"""POST /webhooks/{source}: verify, normalize, archive, publish. Thin: the work lives in logic.pipeline."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.utilities.typing import LambdaContext

from services.common.handlers.http import headers, json_response, raw_body, request_url
from services.common.handlers.observability import for_service, traced
from services.ingest import wiring
from services.ingest.models.webhook import WebhookRequest

app = APIGatewayHttpResolver()

logger, _ = for_service("ingest")  # the service counts and logs each delivery (adapters/telemetry.py)


@app.post("/webhooks/<source>")
def receive(source: str) -> Response[str]:
    event = app.current_event
    request = WebhookRequest(
        source=source,
        headers=headers(event),
        body=raw_body(event),
        received_at=datetime.now(UTC),
        method="POST",
        path=event.raw_path,
        url=request_url(event),
    )
    result = wiring.ingest_service().accept(request)
    if result.reply is not None:
        return Response(status_code=result.status, content_type=result.reply.content_type, body=result.reply.body)
    return json_response(result.status, result.body)


@traced
@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    wiring.once().register(context)
    return app.resolve(event, context)
