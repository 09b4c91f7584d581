"""The stack's side of moto's Lambda and SES calls (moto runs in its own process, moto_process.py).

``POST /functions/<name>/invocations`` runs a template function in this process, with the Lambda Invoke
contract: the JSON result, or ``X-Amz-Function-Error: Unhandled`` with the error payload; ``Event``
invocations are answered at once and run in a thread. An unknown function is a 404 (moto handles it).
``POST /emails`` records an email moto's SES accepted.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import unquote

from .lambdas import FunctionRegistry, error_payload, lambda_response_bytes, log_invocation_error
from .loopback import LoopbackServer


class RuntimeApi(LoopbackServer):
    def __init__(
        self,
        functions: Callable[[], FunctionRegistry | None],
        record_email: Callable[[dict[str, Any]], None],
        host: str = "127.0.0.1",
    ) -> None:
        api = self
        self._functions = functions
        self._record_email = record_email

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                status, headers, payload = api.handle(self.path, self.headers.get("X-Amz-Invocation-Type"), body)
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        super().__init__(host, 0, _Handler, "runtime-api")

    def handle(self, path: str, invocation_type: str | None, body: bytes) -> tuple[int, dict[str, str], bytes]:
        json_type = {"Content-Type": "application/json"}
        if path == "/emails":
            self._record_email(json.loads(body))
            return 204, {}, b""
        parts = path.strip("/").split("/")
        if len(parts) != 3 or parts[0] != "functions" or parts[2] != "invocations":
            return 404, json_type, b'{"message":"Not Found"}'
        registry = self._functions()
        fn = registry.find(unquote(parts[1])) if registry else None
        if fn is None:
            return 404, json_type, b'{"message":"Function not found"}'
        event = json.loads(body) if body else {}
        if invocation_type == "Event":
            threading.Thread(target=_invoke_quietly, args=(fn, event), daemon=True).start()
            return 202, json_type, b""
        try:
            return 200, json_type, lambda_response_bytes(fn.invoke(event))
        except Exception as exc:
            log_invocation_error(fn, exc)
            return 200, {**json_type, "X-Amz-Function-Error": "Unhandled"}, json.dumps(error_payload(exc)).encode()


def _invoke_quietly(fn: Any, event: Any) -> None:
    try:
        fn.invoke(event)
    except Exception as exc:
        log_invocation_error(fn, exc)
