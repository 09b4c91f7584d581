"""POST /webhooks/{source}: verify, normalize, publish. Thin: the work lives in logic.pipeline."""

from __future__ import annotations

import base64
import functools
import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.utilities.typing import LambdaContext

from services.common.observability import count, for_service, traced
from services.ingest.logic.pipeline import IngestService

if TYPE_CHECKING:
    from services.ingest.adapters.idempotency import PowertoolsOnce
from services.ingest.models.webhook import WebhookRequest

app = APIGatewayHttpResolver()

logger, metrics = for_service("ingest")


@functools.cache
def once() -> PowertoolsOnce:
    from services.ingest.adapters.idempotency import PowertoolsOnce

    return PowertoolsOnce()


@functools.cache
def service() -> IngestService:
    from services.common.adapters.bus import EventBusPublisher
    from services.common.adapters.secrets import boomerang_secrets
    from services.common.config import current_config
    from services.ingest.adapters.identities import PortfolioIdentities
    from services.ingest.logic.sources import sources

    return IngestService(
        sources(current_config().sources),
        boomerang_secrets,
        PortfolioIdentities(),
        EventBusPublisher("boomerang.ingest"),
        once(),
    )


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
    outcome = {200: "ignored", 202: "accepted"}.get(result.status, "rejected")
    count(metrics, f"webhook_{outcome}", "source", source if result.status != 404 else "unknown")
    # One log line per accepted webhook would be the biggest log cost; rejections always log.
    log = logger.debug if result.status in (200, 202) else logger.info
    log(
        "webhook",
        extra={
            "source": source,
            "status": result.status,
            "outcome": outcome,
            "error": result.body.get("error"),
            "accepted": result.body.get("accepted"),
        },
    )
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
