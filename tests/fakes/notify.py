"""In-memory notify adapters: Slack and the mailer."""

from __future__ import annotations

import itertools
from typing import Any


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
