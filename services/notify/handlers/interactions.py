"""POST /slack/interactions: verify Slack's signature, record the decision, answer well within 3 s."""

from __future__ import annotations

import base64
import json
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from services.common.handlers.observability import for_service, traced
from services.notify import wiring
from services.notify.logic.interactions import BadInteraction, parse_payload

app = APIGatewayHttpResolver()

logger, metrics = for_service("interactions")


def _json(status: int, body: dict[str, Any]) -> Response[str]:
    return Response(status_code=status, content_type=content_types.APPLICATION_JSON, body=json.dumps(body))


@app.post("/slack/interactions")
def interaction() -> Response[str]:
    from slack_sdk.signature import SignatureVerifier

    event = app.current_event
    raw = event.get("body") or ""
    body = base64.b64decode(raw) if event.get("isBase64Encoded") else raw.encode("utf-8")
    headers = {k.lower(): v for k, v in (event.headers or {}).items()}
    signing_secret = wiring.signing_secret()
    if not signing_secret:
        return _json(503, {"error": "not_configured", "message": "slack_signing_secret is not set in the secret"})
    verifier = SignatureVerifier(signing_secret)
    if not verifier.is_valid(body, headers.get("x-slack-request-timestamp", ""), headers.get("x-slack-signature", "")):
        metrics.add_metric(name="slack_rejected", unit=MetricUnit.Count, value=1)
        return _json(401, {"error": "invalid_signature", "message": "Slack signature missing, wrong or stale"})
    try:
        payload = parse_payload(body)
    except BadInteraction as exc:
        return _json(400, {"error": "malformed_payload", "message": str(exc)})
    outcome = wiring.interactions().handle(payload)
    metrics.add_metric(name=f"ask_{outcome}", unit=MetricUnit.Count, value=1)
    logger.info("interaction", extra={"outcome": outcome})
    return Response(status_code=200, content_type=content_types.TEXT_PLAIN, body="")


@traced
@metrics.log_metrics
@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
