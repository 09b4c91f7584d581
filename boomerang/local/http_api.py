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

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD")


class HttpApi(LoopbackServer):
    def __init__(self, routes: Sequence[Route], host: str = "127.0.0.1", port: int = 8787) -> None:
        self.routes = list(routes)
        api = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            server_version = "BoomerangLocal/1.0"

            def log_message(self, format: str, *args: Any) -> None:
                pass

        for method in METHODS:
            setattr(_Handler, f"do_{method}", lambda req, method=method: api.serve(req, method))
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
        address, port = str(self.server.server_address[0]), int(self.server.server_address[1])
        request_headers = forwarded(dict(req.headers.items()), req.client_address[0], port)
        host = request_headers.setdefault("host", f"{address}:{port}")
        event = http_api_event(
            method=method,
            raw_path=url.path,
            raw_query=url.query,
            headers=request_headers,
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


def forwarded(headers: dict[str, str], source_ip: str, port: int) -> dict[str, str]:
    """The request's headers as an HTTP API hands them to Lambda: names lower-cased, ``x-forwarded-for`` with the
    caller's address appended, ``x-forwarded-port`` and ``x-forwarded-proto`` set to what the caller connected to
    (plain HTTP here), ``host`` kept. Handlers rebuild the URL the caller signed (HubSpot v3) from these."""
    lowered: dict[str, str] = {}
    for key, value in headers.items():
        name = key.lower()
        lowered[name] = f"{lowered[name]},{value}" if name in lowered else value
    chain = lowered.get("x-forwarded-for")
    lowered["x-forwarded-for"] = f"{chain}, {source_ip}" if chain else source_ip
    lowered["x-forwarded-port"] = str(port)
    lowered["x-forwarded-proto"] = "http"
    return lowered


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
