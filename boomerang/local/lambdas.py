"""In-process Lambda functions: handler registry, fake context, invocation, event builders.

Environment variables (decision):

* At start, the ``Environment.Variables`` of every function in the template are resolved and merged
  into ``os.environ`` (they are mostly the same values: table names, bus name, secret ARN...).
* A variable whose value differs between functions (typically ``POWERTOOLS_SERVICE_NAME``) is a
  *per-function* variable: it is not merged. It is set in ``os.environ`` while the handler module
  is imported (imports are serialized under a lock, so Powertools ``Logger()``/``Metrics()``
  created at module level see exactly their own function's values), and again at the start of
  every invocation (best effort: handlers of different functions run concurrently in threads of
  one process, so a concurrent invocation may briefly observe another function's value).
* The local stack's own overrides (``BOOMERANG_CONFIG``, ``SLACK_API_URL``, AWS endpoint and
  credentials) always win over template values.
"""

from __future__ import annotations

import base64
import hashlib
import importlib
import json
import os
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

Handler = Callable[[Any, Any], Any]

_IMPORT_LOCK = threading.RLock()


class LambdaContext:
    """Enough of the Lambda context object for Powertools and typical handlers."""

    def __init__(self, fn: LambdaFunction, timeout_s: float) -> None:
        self.function_name = fn.name
        self.function_version = "$LATEST"
        self.invoked_function_arn = fn.arn
        self.memory_limit_in_mb = fn.memory_mb
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{fn.name}"
        self.log_stream_name = time.strftime("%Y/%m/%d/[$LATEST]") + uuid.uuid4().hex
        self.identity = None
        self.client_context = None
        self.tenant_id = None
        self._deadline = time.monotonic() + timeout_s

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


@dataclass
class LambdaFunction:
    logical_id: str
    name: str
    arn: str
    handler_path: str
    environment: dict[str, str] = field(default_factory=dict)
    timeout_s: float = 3.0
    memory_mb: int = 128
    per_function_env: dict[str, str] = field(default_factory=dict)
    _handler: Handler | None = field(default=None, repr=False)

    def load(self) -> Handler:
        if self._handler is not None:
            return self._handler
        with _IMPORT_LOCK:
            if self._handler is None:
                module_name, _, attr = self.handler_path.rpartition(".")
                if not module_name:
                    raise ImportError(f"Bad handler {self.handler_path!r} for {self.logical_id}")
                with _temporary_env(self.per_function_env):
                    module = importlib.import_module(module_name)
                self._handler = getattr(module, attr)
        return self._handler

    def invoke(self, event: Any) -> Any:
        handler = self.load()
        for key, value in self.per_function_env.items():
            os.environ[key] = value
        try:
            return handler(event, LambdaContext(self, self.timeout_s))
        finally:
            _drop_unpublished_metrics()


def _drop_unpublished_metrics() -> None:
    """With POWERTOOLS_METRICS_DISABLED, Powertools' flush keeps what it did not print, and its 100-value
    auto-flush then prints it anyway (every function's, since one process shares the metric set): the local
    stack's stdout would carry stray EMF blobs between its JSON lines. Drop them after each invocation."""
    from aws_lambda_powertools.metrics.functions import is_metrics_disabled

    if is_metrics_disabled():
        from aws_lambda_powertools import Metrics

        Metrics().clear_metrics()


class _temporary_env:
    def __init__(self, values: Mapping[str, str]) -> None:
        self.values = dict(values)
        self.saved: dict[str, str | None] = {}

    def __enter__(self) -> None:
        for key, value in self.values.items():
            self.saved[key] = os.environ.get(key)
            os.environ[key] = value

    def __exit__(self, *exc: object) -> None:
        for key, old in self.saved.items():
            if old is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = old


class FunctionRegistry:
    """Lambda functions of the template, addressable by logical id, name or ARN."""

    def __init__(self) -> None:
        self.functions: dict[str, LambdaFunction] = {}
        self._aliases: dict[str, LambdaFunction] = {}

    def add(self, fn: LambdaFunction) -> None:
        self.functions[fn.logical_id] = fn
        for alias in (fn.logical_id, fn.name, fn.arn):
            self._aliases[alias] = fn

    def find(self, name_or_arn: str) -> LambdaFunction | None:
        fn = self._aliases.get(name_or_arn)
        if fn is None and name_or_arn.startswith("arn:aws:lambda:"):
            # Qualified ARN (…:function:Name:alias) or a partial ARN.
            parts = name_or_arn.split(":")
            if len(parts) >= 7:
                fn = self._aliases.get(parts[6])
        if fn is None and ":function:" in name_or_arn:
            # API Gateway integration URI: arn:aws:apigateway:…/functions/<lambda arn>/invocations
            name = name_or_arn.split(":function:", 1)[1].split("/", 1)[0].split(":", 1)[0]
            fn = self._aliases.get(name)
        return fn

    def merged_environment(self) -> tuple[dict[str, str], set[str]]:
        """Variables shared by all functions, and the names of variables that conflict."""
        merged: dict[str, str] = {}
        conflicts: set[str] = set()
        for fn in self.functions.values():
            for key, value in fn.environment.items():
                if key in merged and merged[key] != value:
                    conflicts.add(key)
                merged.setdefault(key, value)
        for key in conflicts:
            merged.pop(key, None)
        for fn in self.functions.values():
            fn.per_function_env = {k: v for k, v in fn.environment.items() if k in conflicts}
        return merged, conflicts


def error_payload(exc: BaseException) -> dict[str, Any]:
    return {
        "errorMessage": str(exc),
        "errorType": type(exc).__name__,
        "requestId": str(uuid.uuid4()),
        "stackTrace": traceback.format_tb(exc.__traceback__),
    }


def log_invocation_error(fn: LambdaFunction, exc: BaseException) -> None:
    print(f"[boomerang-local] {fn.logical_id} ({fn.handler_path}) raised:", file=sys.stderr)
    traceback.print_exception(exc, file=sys.stderr)


# ---------------------------------------------------------------------- event builders
def sqs_record(message: Mapping[str, Any], queue_arn: str, region: str) -> dict[str, Any]:
    """Convert an SQS ReceiveMessage message into a Lambda/Pipes SQS record."""
    attrs = message.get("Attributes") or {}
    body = message.get("Body", "")
    msg_attrs = {}
    for name, attr in (message.get("MessageAttributes") or {}).items():
        msg_attrs[name] = {
            "stringValue": attr.get("StringValue"),
            "binaryValue": (base64.b64encode(attr["BinaryValue"]).decode() if attr.get("BinaryValue") else None),
            "stringListValues": attr.get("StringListValues", []),
            "binaryListValues": attr.get("BinaryListValues", []),
            "dataType": attr.get("DataType", "String"),
        }
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": body,
        "attributes": {
            "ApproximateReceiveCount": attrs.get("ApproximateReceiveCount", "1"),
            "SentTimestamp": attrs.get("SentTimestamp", str(int(time.time() * 1000))),
            "SenderId": attrs.get("SenderId", "AIDAIENQZJOLO23YVJ4VO"),
            "ApproximateFirstReceiveTimestamp": attrs.get(
                "ApproximateFirstReceiveTimestamp", str(int(time.time() * 1000))
            ),
            **{
                k: v
                for k, v in attrs.items()
                if k in ("MessageGroupId", "MessageDeduplicationId", "SequenceNumber", "AWSTraceHeader")
            },
        },
        "messageAttributes": msg_attrs,
        "md5OfBody": message.get("MD5OfBody") or hashlib.md5(body.encode()).hexdigest(),
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    }


def http_api_event(
    *,
    method: str,
    raw_path: str,
    raw_query: str,
    headers: Mapping[str, str],
    body: bytes,
    route_key: str,
    path_parameters: dict[str, str] | None,
    source_ip: str,
    domain_name: str,
    api_id: str = "local",
) -> dict[str, Any]:
    """API Gateway HTTP API payload format 2.0."""
    lowered: dict[str, str] = {}
    cookies: list[str] = []
    for key, value in headers.items():
        k = key.lower()
        if k == "cookie":
            cookies.extend(c.strip() for c in value.split(";") if c.strip())
            continue
        lowered[k] = f"{lowered[k]},{value}" if k in lowered else value
    query: dict[str, str] = {}
    if raw_query:
        from urllib.parse import parse_qsl

        for k, v in parse_qsl(raw_query, keep_blank_values=True):
            query[k] = f"{query[k]},{v}" if k in query else v
    now = time.time()
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": raw_path,
        "rawQueryString": raw_query,
        "headers": lowered,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": api_id,
            "domainName": domain_name,
            "domainPrefix": domain_name.split(".")[0],
            "http": {
                "method": method,
                "path": raw_path,
                "protocol": "HTTP/1.1",
                "sourceIp": source_ip,
                "userAgent": lowered.get("user-agent", ""),
            },
            "requestId": base64.b32encode(uuid.uuid4().bytes).decode()[:16],
            "routeKey": route_key,
            "stage": "$default",
            "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
            "timeEpoch": int(now * 1000),
        },
        "isBase64Encoded": False,
    }
    if cookies:
        event["cookies"] = cookies
    if query:
        event["queryStringParameters"] = query
    if path_parameters:
        event["pathParameters"] = path_parameters
    if body:
        try:
            event["body"] = body.decode("utf-8")
        except UnicodeDecodeError:
            event["body"] = base64.b64encode(body).decode()
            event["isBase64Encoded"] = True
    return event


def lambda_response_bytes(result: Any) -> bytes:
    if result is None:
        return b"null"
    if isinstance(result, bytes | bytearray):
        return bytes(result)
    return json.dumps(result, default=str).encode("utf-8")
