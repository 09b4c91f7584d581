"""Slack Web API through slack_sdk, pointed at SLACK_API_URL when set (the local stack's sink)."""

from __future__ import annotations

import functools
import os
from typing import Any


@functools.cache
def slack_client(token: str) -> Any:
    from slack_sdk import WebClient
    from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

    base_url = os.environ.get("SLACK_API_URL") or WebClient.BASE_URL
    client = WebClient(token=token, base_url=base_url, timeout=10)
    # Slack answers 429 with Retry-After past ~1 message/s per channel; wait and retry instead of failing.
    client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=2))
    return client
