"""moto's server app behind a keep-alive HTTP/1.1 front end.

moto's ``ThreadedMotoServer`` runs on werkzeug's development server, which answers every request with
``Connection: close`` (and then waits up to 10 ms for stray request bytes before closing). Every AWS call
of a handler, poller or workflow therefore opened a new TCP connection and a new server thread: about 20
per webhook, and in one Python process that set-up competes with the work itself. AWS endpoints keep
connections alive and botocore pools them; this server does the same for the same moto app (same
backends, same request handling) by reading each request body in full before the app sees it, so the
connection is always ready for the next request, and answering with an explicit Content-Length.
"""

from __future__ import annotations

import contextlib
import io
import socket
import sys
import threading
from typing import Any

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import DechunkedInput, ThreadedWSGIServer

_NO_BODY_STATUS = {204, 304}


class KeepAliveRequestHandler(MotoRequestHandler):
    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in one write, but keep small responses from waiting on a delayed ACK anyway.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.track(self.connection)  # type: ignore[attr-defined]

    def finish(self) -> None:
        self.server.untrack(self.connection)  # type: ignore[attr-defined]
        super().finish()

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass

    def run_wsgi(self) -> None:
        # http.server already answered "Expect: 100-continue" while parsing the request.
        environ = self.make_environ()
        try:
            body = self._read_body()
        except (OSError, ValueError):
            self.close_connection = True
            self._respond(400, "Bad Request", [("Content-Type", "text/plain")], b"malformed request body", False)
            return
        environ["wsgi.input"] = io.BytesIO(body)
        environ["wsgi.input_terminated"] = False
        environ["CONTENT_LENGTH"] = str(len(body))
        environ.pop("HTTP_TRANSFER_ENCODING", None)

        started: list[Any] = []

        def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            started[:] = [status, headers]
            return lambda data: chunks.append(data)

        chunks: list[bytes] = []
        try:
            result = self.server.app(environ, start_response)
            try:
                chunks.extend(result)
            finally:
                if hasattr(result, "close"):
                    result.close()
        except Exception as exc:
            self.close_connection = True
            self.server.log("error", f"Error on request: {type(exc).__name__}: {exc}")  # type: ignore[attr-defined]
            self._respond(500, "Internal Server Error", [("Content-Type", "text/plain")], b"internal error", False)
            return
        status, headers = started
        code, _, reason = status.partition(" ")
        self._respond(int(code), reason, headers, b"".join(chunks), self.command == "HEAD")

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return DechunkedInput(self.rfile).read()  # type: ignore[arg-type]
        length = int(self.headers.get("Content-Length") or 0)
        if length < 0:
            raise ValueError("negative Content-Length")
        return self.rfile.read(length) if length else b""

    def _respond(self, code: int, reason: str, headers: list[tuple[str, str]], body: bytes, head: bool) -> None:
        lines = [f"{self.protocol_version} {code} {reason}".encode("latin-1")]
        declared = None
        for key, value in headers:
            lower = key.lower()
            if lower in ("connection", "transfer-encoding", "keep-alive"):
                continue
            if lower == "content-length":
                declared = value
                continue
            lines.append(f"{key}: {value}".encode("latin-1"))
        if code >= 200 and code not in _NO_BODY_STATUS:
            # A HEAD answer states the length its GET would have; a GET/POST states what it sends.
            lines.append(f"Content-Length: {declared if head and declared else len(body)}".encode("latin-1"))
        if self.close_connection:
            lines.append(b"Connection: close")
        payload = b"\r\n".join(lines) + b"\r\n\r\n"
        if not head and code >= 200 and code not in _NO_BODY_STATUS:
            payload += body
        self.wfile.write(payload)
        self.wfile.flush()


class KeepAliveMotoServer:
    """Drop-in for moto's ``ThreadedMotoServer`` (start / stop / get_host_and_port)."""

    def __init__(self, ip_address: str = "127.0.0.1", port: int = 0, verbose: bool = False) -> None:
        self._ip_address = ip_address
        self._port = port
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        app = DomainDispatcherApplication(create_backend_app)
        self._server = _Server(self._ip_address, self._port, app, handler=KeepAliveRequestHandler)
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), name="moto", daemon=True)
        self._thread.start()

    def get_host_and_port(self) -> tuple[str, int]:
        assert self._server is not None, "start() first"
        host, port = self._server.server_address[:2]
        return str(host), int(port)

    def open_connections(self) -> int:
        """Client connections currently kept open (each is served by one thread)."""
        return self._server.open_connections() if self._server else 0

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        if self._thread is not None:
            self._thread.join()
        self._server.close_connections()
        self._server.server_close()
        self._server = None


class _Server(ThreadedWSGIServer):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._connections: set[socket.socket] = set()
        self._lock = threading.Lock()

    def track(self, connection: socket.socket) -> None:
        with self._lock:
            self._connections.add(connection)

    def untrack(self, connection: socket.socket) -> None:
        with self._lock:
            self._connections.discard(connection)

    def open_connections(self) -> int:
        with self._lock:
            return len(self._connections)

    def close_connections(self) -> None:
        """Pooled client connections would otherwise outlive the server (and block its port's reuse)."""
        with self._lock:
            connections, self._connections = list(self._connections), set()
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)

    def log(self, type: str, message: str, *args: Any) -> None:
        if type == "error":
            print(f"[boomerang-local] moto: {message % args if args else message}", file=sys.stderr)
