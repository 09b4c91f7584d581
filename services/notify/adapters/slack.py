"""Slack Web API through slack_sdk, pointed at ``base_url`` when given (the local stack's Slack-compatible sink)."""

from __future__ import annotations

from typing import Any

from services.common.per_container import per_container


@per_container
def slack_client(token: str, base_url: str | None = None) -> Any:
    from slack_sdk import WebClient
    from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

    client = WebClient(token=token, base_url=base_url or WebClient.BASE_URL, timeout=10)
    # Slack answers 429 with Retry-After past ~1 message/s per channel; wait and retry instead of failing.
    client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=2))
    return client
