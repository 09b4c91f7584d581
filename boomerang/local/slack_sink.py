"""A loopback stand-in for the Slack Web API that records (and prints) every call.

slack_sdk's ``WebClient(base_url=...)`` posts to ``<base_url><method>``: ``chat.*`` with a JSON body
(``json=kwargs``), most other methods form-encoded (or as query parameters for GET). Both are accepted.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from .loopback import LoopbackServer

BOT_USER_ID = "U0BOOMBOT"
BOT_ID = "B0BOOMBOT"
TEAM_ID = "T0BOOMLOCAL"


class SlackSink(LoopbackServer):
    def __init__(
        self, host: str = "127.0.0.1", port: int = 0, emit: Callable[[dict[str, Any]], None] | None = None
    ) -> None:
        self._lock = threading.Lock()
        self._arrived = threading.Condition(self._lock)
        self._calls: list[dict[str, Any]] = []
        self._ts = itertools.count(1)
        self._emit = emit
        sink = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # quiet
                pass

            def do_POST(self) -> None:
                self._serve()

            def do_GET(self) -> None:
                self._serve()

            def _serve(self) -> None:
                url = urlsplit(self.path)
                method = url.path.rstrip("/").rsplit("/", 1)[-1]
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                received_at = time.perf_counter()
                payload: dict[str, Any] = dict(parse_qsl(url.query, keep_blank_values=True))
                ctype = (self.headers.get("Content-Type") or "").lower()
                if raw:
                    if "json" in ctype:
                        try:
                            payload.update(json.loads(raw))
                        except ValueError:
                            self._reply(200, {"ok": False, "error": "invalid_json"})
                            return
                    else:
                        payload.update(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))
                token = payload.pop("token", None) or self.headers.get("Authorization", "").removeprefix("Bearer ")
                self._reply(200, sink.record(method, payload, token, received_at))

            def _reply(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        super().__init__(host, port, _Handler, "slack-sink")

    @property
    def base_url(self) -> str:
        return f"{self.url}/api/"

    # ----------------------------------------------------------------- calls
    @property
    def calls(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._calls)

    def wait_for_calls(self, count: int, timeout: float) -> bool:
        """Block until at least ``count`` calls were recorded (True) or ``timeout`` seconds pass (False)."""
        with self._arrived:
            return self._arrived.wait_for(lambda: len(self._calls) >= count, timeout=timeout)

    def _next_ts(self) -> str:
        return f"{int(time.time())}.{next(self._ts):06d}"

    def record(
        self, method: str, payload: dict[str, Any], token: str | None = None, received_at: float | None = None
    ) -> dict[str, Any]:
        """Answer a call like Slack would and keep it; ``received_at`` is the ``time.perf_counter()`` of its arrival."""
        for key in ("blocks", "attachments", "metadata"):  # form-encoded JSON values
            value = payload.get(key)
            if isinstance(value, str) and value[:1] in "[{":
                with contextlib.suppress(ValueError):
                    payload[key] = json.loads(value)
        response = self._respond(method, payload)
        call = {
            "method": method,
            "payload": payload,
            "token": token,
            "response": response,
            "received_at": time.perf_counter() if received_at is None else received_at,
        }
        with self._arrived:
            self._calls.append(call)
            self._arrived.notify_all()
        if self._emit is not None:
            self._emit({"kind": "slack", "method": method, "payload": payload})
        return response

    def _respond(self, method: str, p: dict[str, Any]) -> dict[str, Any]:
        channel = str(p.get("channel", ""))
        if method == "chat.postMessage":
            ts = self._next_ts()
            message = _bot_message(ts, p)
            if p.get("thread_ts"):
                message["thread_ts"] = p["thread_ts"]
            return {"ok": True, "channel": channel, "ts": ts, "message": message}
        if method == "chat.update":
            ts = str(p.get("ts", ""))
            return {"ok": True, "channel": channel, "ts": ts, "text": p.get("text", ""), "message": _bot_message(ts, p)}
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": self._next_ts()}
        if method == "conversations.open":
            users = str(p.get("users", "")) or channel
            digest = hashlib.sha1(users.encode()).hexdigest()[:9].upper()
            return {"ok": True, "channel": {"id": f"D{digest}", "is_im": "," not in users, "user": users.split(",")[0]}}
        if method == "users.info":
            user = str(p.get("user", "U0UNKNOWN"))
            return {"ok": True, "user": _user(user, f"{user.lower()}@example.com")}
        if method == "users.lookupByEmail":
            email = str(p.get("email", ""))
            uid = "U" + hashlib.sha1(email.lower().encode()).hexdigest()[:9].upper()
            return {"ok": True, "user": _user(uid, email)}
        if method == "auth.test":
            return {
                "ok": True,
                "url": "https://boomerang-local.slack.com/",
                "team": "Boomerang Local",
                "user": "boomerang",
                "team_id": TEAM_ID,
                "user_id": BOT_USER_ID,
                "bot_id": BOT_ID,
            }
        if method == "chat.getPermalink":
            link = f"https://boomerang-local.slack.com/archives/{channel}/p{p.get('message_ts', '')}"
            return {"ok": True, "channel": channel, "permalink": link}
        return {"ok": True, "warning": "boomerang_local_generic_response"}


def _bot_message(ts: str, p: dict[str, Any]) -> dict[str, Any]:
    """The message as Slack answers it: posted by the bot, with the call's text and blocks."""
    return {
        "type": "message",
        "user": BOT_USER_ID,
        "bot_id": BOT_ID,
        "ts": ts,
        "text": p.get("text", ""),
        "blocks": p.get("blocks", []),
    }


def _user(user_id: str, email: str) -> dict[str, Any]:
    name = email.split("@")[0] or user_id.lower()
    return {
        "id": user_id,
        "team_id": TEAM_ID,
        "name": name,
        "real_name": name,
        "tz": "UTC",
        "is_bot": False,
        "deleted": False,
        "profile": {"email": email, "real_name": name, "display_name": name},
    }
