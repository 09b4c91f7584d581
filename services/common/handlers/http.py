"""What the HTTP handlers (webhooks, Slack) read from an API Gateway HTTP API event, and how they answer."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEventV2


def raw_body(event: APIGatewayProxyEventV2) -> bytes:
    """The exact bytes the caller sent (signatures are over these), whatever their encoding."""
    body = event.get("body") or ""
    if event.get("isBase64Encoded"):
        try:
            return base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError):
            return body.encode("utf-8", "surrogateescape")
    return body.encode("utf-8", "surrogateescape")


def headers(event: APIGatewayProxyEventV2) -> dict[str, str]:
    """Header names lower-cased (HTTP APIs already lower-case them; direct invocations may not)."""
    return {k.lower(): v for k, v in (event.headers or {}).items()}


def request_url(event: APIGatewayProxyEventV2) -> str:
    """The URL the caller called, as API Gateway forwards it (``X-Forwarded-Proto`` / ``Host``): HubSpot signs it."""
    lowered = headers(event)
    host = lowered.get("x-forwarded-host") or lowered.get("host") or event.request_context.domain_name
    scheme = lowered.get("x-forwarded-proto", "https")
    query = event.raw_query_string
    return f"{scheme}://{host}{event.raw_path}" + (f"?{query}" if query else "")


def json_response(status: int, body: dict[str, Any]) -> Response[str]:
    return Response(status_code=status, content_type=content_types.APPLICATION_JSON, body=json.dumps(body))
