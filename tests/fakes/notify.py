"""In-memory notify adapters: Slack, the mailer and the sent log; and Slack's request signing."""

from __future__ import annotations

import hashlib
import hmac
import itertools
from datetime import datetime
from typing import Any

SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"  # the example in Slack's documentation


class FakeSlack:
    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self._ts = itertools.count(1)

    def chat_postMessage(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(("chat.postMessage", kwargs))
        return {"ok": True, "channel": "D" + kwargs["channel"][1:], "ts": f"1700000000.{next(self._ts):06d}"}

    def chat_update(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(("chat.update", kwargs))
        return {"ok": True}


class FakeMailer:
    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    def send(self, **kwargs: Any) -> str:
        self.sent.append(kwargs)
        return f"msg-{len(self.sent)}"


class InMemorySentLog:
    """The ``NOTIFIED#`` claims, as the StateTable keeps them (expiry ignored: tests run inside it)."""

    def __init__(self) -> None:
        self.claimed: dict[str, datetime] = {}

    def claim(self, key: str, expires_at: datetime) -> bool:
        if key in self.claimed:
            return False
        self.claimed[key] = expires_at
        return True

    def release(self, key: str) -> None:
        self.claimed.pop(key, None)


def slack_headers(body: bytes, secret: str, timestamp: int | str) -> dict[str, str]:
    """The headers Slack sends with ``body``: its v0 signature over the exact bytes, as Slack's docs compute it
    (https://docs.slack.dev/authentication/verifying-requests-from-slack/)."""
    base = f"v0:{timestamp}:".encode() + body
    digest = hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return {
        "content-type": "application/x-www-form-urlencoded",
        "x-slack-request-timestamp": str(timestamp),
        "x-slack-signature": f"v0={digest}",
    }
