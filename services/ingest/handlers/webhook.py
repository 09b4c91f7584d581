"""POST /webhooks/{source}: verify, normalize, archive, publish. Thin: the work lives in logic.pipeline."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.utilities.typing import LambdaContext

from services.common.handlers.observability import count, for_service, traced
from services.ingest import wiring
from services.ingest.logic.redact import redact
from services.ingest.models.webhook import IngestResult, WebhookRequest

if TYPE_CHECKING:
    from services.ingest.adapters.idempotency import PowertoolsOnce
    from services.ingest.logic.pipeline import IngestService

app = APIGatewayHttpResolver()

logger, metrics = for_service("ingest")


def once() -> PowertoolsOnce:
    return wiring.once()


def service() -> IngestService:
    return wiring.ingest_service()


def _raw_body() -> bytes:
    event = app.current_event
    body = event.get("body") or ""
    return base64.b64decode(body) if event.get("isBase64Encoded") else body.encode("utf-8")


def _url() -> str:
    event = app.current_event
    headers = {k.lower(): v for k, v in (event.headers or {}).items()}
    host = headers.get("x-forwarded-host") or headers.get("host") or event.request_context.domain_name
    scheme = headers.get("x-forwarded-proto", "https")
    query = event.raw_query_string
    return f"{scheme}://{host}{event.raw_path}" + (f"?{query}" if query else "")


def record(source: str, result: IngestResult) -> None:
    """EMF counts per source (docs/architecture.md, "Metrics") and one log line without personal data."""
    src = "unknown" if result.reason == "unknown_source" else source
    if result.status >= 300:
        count(metrics, "webhook_rejected", "source", src, also={"reason": str(result.reason)})
    else:
        count(metrics, f"webhook_{result.outcome}", "source", src)
    if result.quarantine_id:
        count(metrics, "webhook_quarantined", "source", src, also={"reason": str(result.reason)})
    for note, amount in result.notes.items():
        count(metrics, note, "source", src, amount=amount)
    # One log line per accepted webhook would be the biggest log cost; everything else logs.
    log = (
        logger.debug
        if result.outcome in ("accepted", "duplicate", "ignored") and not result.quarantine_id
        else logger.info
    )
    log(
        "webhook",
        extra={
            "source": src,
            "status": result.status,
            "outcome": result.outcome,
            "reason": result.reason,
            "error": redact(result.body.get("message")),
            "accepted": result.body.get("accepted"),
            "quarantine_id": result.quarantine_id,
            **result.notes,
        },
    )


@app.post("/webhooks/<source>")
def receive(source: str) -> Response[str]:
    event = app.current_event
    request = WebhookRequest(
        source=source,
        headers={k.lower(): v for k, v in (event.headers or {}).items()},
        body=_raw_body(),
        received_at=datetime.now(UTC),
        method="POST",
        path=event.raw_path,
        url=_url(),
    )
    result = service().accept(request)
    record(source, result)
    if result.reply is not None:
        return Response(status_code=result.status, content_type=result.reply.content_type, body=result.reply.body)
    return Response(
        status_code=result.status, content_type=content_types.APPLICATION_JSON, body=json.dumps(result.body)
    )


@traced
@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    once().register(context)
    return app.resolve(event, context)
