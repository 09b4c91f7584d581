"""The HTTP API: routes of the template served on loopback with payload format 2.0 events."""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import urlsplit

from .lambdas import http_api_event, log_invocation_error
from .loopback import LoopbackServer
from .resources import Route


class HttpApi(LoopbackServer):
    def __init__(self, routes: Sequence[Route], host: str = "127.0.0.1", port: int = 8787) -> None:
        self.routes = list(routes)
        api = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            server_version = "BoomerangLocal/1.0"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                api.serve(self, "GET")

            def do_POST(self) -> None:
                api.serve(self, "POST")

            def do_PUT(self) -> None:
                api.serve(self, "PUT")

            def do_PATCH(self) -> None:
                api.serve(self, "PATCH")

            def do_DELETE(self) -> None:
                api.serve(self, "DELETE")

            def do_OPTIONS(self) -> None:
                api.serve(self, "OPTIONS")

            def do_HEAD(self) -> None:
                api.serve(self, "HEAD")

        super().__init__(host, port, _Handler, "http-api")

    def match(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        for route in self.routes:
            params = route.match(method, path)
            if params is not None:
                return route, params
        return None

    def serve(self, req: BaseHTTPRequestHandler, method: str) -> None:
        url = urlsplit(req.path)
        length = int(req.headers.get("Content-Length") or 0)
        body = req.rfile.read(length) if length else b""
        if method == "GET" and url.path == "/health":
            _write(req, 200, {"content-type": "application/json"}, json.dumps({"status": "ok"}).encode())
            return
        found = self.match(method, url.path)
        if found is None:
            _write(req, 404, {"content-type": "application/json"}, b'{"message":"Not Found"}')
            return
        route, params = found
        host = req.headers.get("Host") or str(self.server.server_address[0])
        event = http_api_event(
            method=method,
            raw_path=url.path,
            raw_query=url.query,
            headers={k: v for k, v in req.headers.items()},
            body=body,
            route_key=route.route_key,
            path_parameters=params or None,
            source_ip=req.client_address[0],
            domain_name=host.split(":")[0],
        )
        try:
            result = route.function.invoke(event)
        except Exception as exc:
            log_invocation_error(route.function, exc)
            _write(req, 500, {"content-type": "application/json"}, b'{"message":"Internal Server Error"}')
            return
        status, headers, payload = _to_http(result)
        _write(req, status, headers, b"" if method == "HEAD" else payload)


def _to_http(result: Any) -> tuple[int, dict[str, str], bytes]:
    """Interpret a Lambda result the way HTTP API (payload 2.0) does."""
    if isinstance(result, dict) and "statusCode" in result:
        headers = {str(k): str(v) for k, v in (result.get("headers") or {}).items()}
        for key, values in (result.get("multiValueHeaders") or {}).items():
            headers[str(key)] = ",".join(str(v) for v in values)
        raw = result.get("body")
        if raw is None:
            payload = b""
        elif result.get("isBase64Encoded"):
            payload = base64.b64decode(raw)
        else:
            payload = str(raw).encode("utf-8")
        if result.get("cookies"):
            headers["set-cookie"] = "; ".join(result["cookies"])  # single header; good enough locally
        return int(result["statusCode"]), headers, payload
    if isinstance(result, str):
        return 200, {"content-type": "application/json"}, result.encode("utf-8")
    return 200, {"content-type": "application/json"}, json.dumps(result).encode("utf-8")


def _write(req: BaseHTTPRequestHandler, status: int, headers: dict[str, str], payload: bytes) -> None:
    req.send_response(status)
    has_type = False
    for key, value in headers.items():
        if key.lower() in ("content-length", "connection", "transfer-encoding"):
            continue
        has_type = has_type or key.lower() == "content-type"
        req.send_header(key, value)
    if not has_type:
        req.send_header("Content-Type", "application/json")
    req.send_header("Content-Length", str(len(payload)))
    req.end_headers()
    req.wfile.write(payload)
