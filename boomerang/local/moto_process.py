"""moto in a process of its own: the emulated AWS services no longer share an interpreter lock with the Lambdas.

In AWS, DynamoDB, SQS, EventBridge and Step Functions run on other machines than the functions that call
them. Run in the stack's own process, every request moto served competed with the handlers, pollers and
HTTP servers for one GIL (and, on a busy machine, for one core's worth of CPU). The child process runs the
same moto app behind the keep-alive front end (moto_server.py) with the stack's patches applied there:

* a Lambda ``Invoke`` (a Step Functions Lambda task) is forwarded to the stack's runtime API, which runs the
  template's function in the stack process (functions the stack does not know fall back to moto);
* every SES send is verified, kept by moto, and reported to the stack (``stack.emails``);
* the fidelity patches (moto_fidelity.py), the cached Step Functions task clients and moto's module list.

Protocol with the parent: the child prints ``READY <port>`` once it serves, and exits when its stdin closes.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import signal
import subprocess
import sys
import threading
from typing import IO, Any
from urllib.parse import quote, urlsplit

READY = "READY"


class MotoProcess:
    """Parent side: start the child on the first free port of ``ports`` (0 = any), stop it."""

    def __init__(self, host: str, ports: list[int], runtime_url: str, region: str, cwd: str) -> None:
        self.host = host
        self.ports = ports
        self.runtime_url = runtime_url
        self.region = region
        self.cwd = cwd
        self.port = 0
        self._child: subprocess.Popen[str] | None = None

    def start(self, timeout: float = 60) -> None:
        entry = "from boomerang.local.moto_process import main; raise SystemExit(main())"
        command = [sys.executable, "-c", entry, "--host", self.host, "--region", self.region]
        command += ["--ports", ",".join(str(p) for p in self.ports), "--runtime", self.runtime_url]
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [self.cwd, os.environ.get("PYTHONPATH")])))
        self._child = subprocess.Popen(
            command, cwd=self.cwd, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        assert self._child.stdout is not None
        line = _read_line(self._child.stdout, timeout)
        if not line.startswith(READY):
            self.stop()
            raise RuntimeError(f"moto did not start on {self.host}:{self.ports} ({line.strip() or 'no answer'})")
        self.port = int(line.split()[1])

    def get_host_and_port(self) -> tuple[str, int]:
        return self.host, self.port

    def stop(self, timeout: float = 5) -> None:
        child, self._child = self._child, None
        if child is None:
            return
        if child.stdin is not None:
            child.stdin.close()  # the child's cue to exit
        try:
            child.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait(timeout=timeout)
        if child.stdout is not None:
            child.stdout.close()


def _read_line(stream: IO[str], timeout: float) -> str:
    found: list[str] = []
    reader = threading.Thread(target=lambda: found.append(stream.readline()), daemon=True)
    reader.start()
    reader.join(timeout)
    return found[0] if found else ""


# ---------------------------------------------------------------------- child side
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="boomerang.local.moto_process")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--ports", default="0")
    parser.add_argument("--runtime", required=True)
    parser.add_argument("--region", default="us-east-1")
    args = parser.parse_args(argv)
    # Ctrl-C reaches the whole process group: the parent stops the stack (and then this process) itself.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    os.environ.update(
        {
            "AWS_DEFAULT_REGION": args.region,
            "AWS_REGION": args.region,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
        }
    )
    for key in ("AWS_ENDPOINT_URL", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_SECURITY_TOKEN"):
        os.environ.pop(key, None)
    import logging

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    from .moto_server import KeepAliveMotoServer

    server = None
    for port in (int(p) for p in args.ports.split(",")):
        candidate = KeepAliveMotoServer(args.host, port)
        try:
            candidate.start()
        except OSError:
            continue
        server = candidate
        break
    if server is None:
        print("BINDFAIL", flush=True)
        return 1
    port = server.get_host_and_port()[1]
    os.environ["MOTO_PORT"] = str(port)  # Step Functions tasks call back into this server
    _apply_patches(args.runtime, args.region)
    _tune_gc()
    print(f"{READY} {port}", flush=True)
    sys.stdin.read()  # until the parent closes our stdin (or dies)
    server.stop()
    return 0


def _apply_patches(runtime: str, region: str) -> None:
    from moto import backends
    from moto.awslambda.models import LambdaBackend
    from moto.awslambda_simple.models import LambdaSimpleBackend

    from .moto_fidelity import fidelity_patches

    # moto's dispatcher lists its package directory (≈60 stat calls) on every request.
    modules = list(backends.list_of_moto_modules())
    backends.list_of_moto_modules = lambda: iter(modules)  # type: ignore[assignment]
    for owner, attr, replacement in fidelity_patches():
        setattr(owner, attr, replacement)
    # moto serves Invoke from LambdaSimpleBackend when use_docker is false: patch both.
    for backend_cls in (LambdaBackend, LambdaSimpleBackend):
        backend_cls.invoke = _forwarded_invoke(runtime, backend_cls.invoke)  # type: ignore[method-assign]
    _patch_ses(runtime)
    _cache_task_clients(region)


_CONNECTIONS = threading.local()  # one kept-alive connection to the stack per moto thread


def _post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes, dict[str, str]]:
    parts = urlsplit(url)
    for attempt in (1, 2):
        connection = getattr(_CONNECTIONS, "connection", None)
        if connection is None:
            connection = _CONNECTIONS.connection = http.client.HTTPConnection(parts.netloc, timeout=900)
        try:
            connection.request("POST", parts.path, body=body, headers=headers)
            response = connection.getresponse()
            return response.status, response.read(), dict(response.headers)
        except (ConnectionError, http.client.HTTPException):
            connection.close()
            _CONNECTIONS.connection = None
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _forwarded_invoke(runtime: str, original: Any) -> Any:
    """``LambdaBackend.invoke``: the template's functions run in the stack process, like Lambda runs them."""

    def invoke(
        backend: Any, function_name: str, qualifier: str | None, body: Any, headers: Any, response_headers: Any
    ) -> Any:
        invocation_type = (headers or {}).get("X-Amz-Invocation-Type") or "RequestResponse"
        data = body if isinstance(body, bytes) else (body or "").encode()
        status, payload, answer = _post(
            f"{runtime}/functions/{quote(function_name, safe='')}/invocations",
            data,
            {"X-Amz-Invocation-Type": invocation_type, "Content-Type": "application/json"},
        )
        if status == 404:
            return original(backend, function_name, qualifier, body, headers, response_headers)
        if invocation_type == "Event":
            return b""
        error = answer.get("X-Amz-Function-Error")
        if error:
            response_headers["x-amz-function-error"] = error
        response_headers["Content-Length"] = str(len(payload))
        return payload

    return invoke


def _patch_ses(runtime: str) -> None:
    from moto.ses.models import SESBackend

    original_send, original_raw = SESBackend.send_email, SESBackend.send_raw_email

    def report(payload: dict[str, Any]) -> None:
        _post(f"{runtime}/emails", json.dumps(payload, default=str).encode(), {"Content-Type": "application/json"})

    def send_email(backend: Any, source: str, subject: str, body: str, destinations: dict[str, list[str]]) -> Any:
        if not backend._is_verified_address(source):
            backend.verify_email_identity(source)  # any sender is allowed locally
        message = original_send(backend, source, subject, body, destinations)
        report(
            {"message_id": message.id, "source": source, "destination": destinations, "subject": subject, "body": body}
        )
        return message

    def send_raw_email(backend: Any, source: str, destinations: list[str], raw_data: str) -> Any:
        if source and not backend._is_verified_address(source):
            backend.verify_email_identity(source)
        message = original_raw(backend, source, destinations, raw_data)
        report(
            {
                "message_id": message.id,
                "source": message.source,
                "destination": {"ToAddresses": list(destinations or [])},
                "raw": raw_data,
            }
        )
        return message

    SESBackend.send_email = send_email  # type: ignore[method-assign,assignment]
    SESBackend.send_raw_email = send_raw_email  # type: ignore[method-assign,assignment]


def _cache_task_clients(region: str) -> None:
    """moto's Step Functions engine builds a new boto3 client for every task (~10-30 ms each); hand it
    cached clients instead (botocore clients are thread-safe)."""
    import importlib
    import pkgutil

    import moto.stepfunctions.parser.asl as asl
    from moto.stepfunctions.parser.asl.utils import boto_client

    original = boto_client.boto_client_for
    cache: dict[tuple[str, str], Any] = {}
    lock = threading.Lock()

    def cached_boto_client_for(region: str, service: str, state_credentials: Any = None) -> Any:
        key = (region, service)
        client = cache.get(key)
        if client is None:
            with lock:
                client = cache.get(key)
                if client is None:
                    client = cache[key] = original(region=region, service=service, state_credentials=state_credentials)
        return client

    boto_client.boto_client_for = cached_boto_client_for
    for info in pkgutil.walk_packages(asl.__path__, asl.__name__ + "."):
        module = sys.modules.get(info.name)
        if module is None:
            try:
                module = importlib.import_module(info.name)
            except Exception:  # pragma: no cover - optional integrations
                continue
        if getattr(module, "boto_client_for", None) is original:
            module.boto_client_for = cached_boto_client_for  # type: ignore[attr-defined]
    for service in ("lambda", "events"):  # warm: the first client costs 100+ ms
        cached_boto_client_for(region=region, service=service)


def _tune_gc() -> None:
    # moto keeps every execution, message and item it has seen: full (generation 2) collections take
    # 100-450 ms once it holds a few thousand of them. This process lives as long as the stack.
    import gc

    gc.collect()
    gc.freeze()
    gc.set_threshold(2000, 10, 1_000_000)


if __name__ == "__main__":
    raise SystemExit(main())
