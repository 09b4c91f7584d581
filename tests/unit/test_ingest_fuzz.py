"""10,000 malformed but correctly signed bodies at the real webhook handler: never a 5xx, never an
unhandled exception, always a 4xx (or a 2xx for a body that is valid after all) with a JSON reason."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from boomerang.signing import sign
from services.ingest import wiring
from services.ingest.handlers import webhook
from services.ingest.logic.sources import SOURCE_NAMES, sources
from tests.fakes import FakePublisher
from tests.fakes.ingest import InMemoryOnce, ingest_service

# The real handler builds Powertools Tracer, whose X-Ray SDK opens a UDP socket for the loopback daemon
# (tracing is disabled: nothing is sent). Nothing else may reach a socket.
pytestmark = pytest.mark.allow_hosts(["127.0.0.1"])

SECRETS = {s.secret_key: f"secret-{name}" for name, s in sources().items()}
OPTIONS = {"typeform": {"nps_field_ref": "nps"}, "salesforce": {"organization_ids": ["00D5g000004ABCDEAA"]}}
URL = "https://hooks.example/webhooks"


class Context:
    function_name = "Ingest"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:Ingest"
    aws_request_id = "fuzz"


@pytest.fixture(autouse=True)
def in_memory_ingest(monkeypatch):
    service = ingest_service(sources(OPTIONS), SECRETS, FakePublisher())
    monkeypatch.setattr(wiring, "ingest_service", lambda: service)
    monkeypatch.setattr(wiring, "once", lambda: InMemoryOnce())
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "true")


def _event(source: str, body: bytes, as_base64: bool) -> dict:
    url = f"{URL}/{source}" + ("?token=secret-salesforce" if source == "salesforce" else "")
    headers = sign(source, body, SECRETS[sources()[source].secret_key], url=url)
    headers["host"] = "hooks.example"
    return {
        "version": "2.0",
        "routeKey": "POST /webhooks/{source}",
        "rawPath": f"/webhooks/{source}",
        "rawQueryString": "token=secret-salesforce" if source == "salesforce" else "",
        "headers": headers,
        "pathParameters": {"source": source},
        "requestContext": {
            "http": {
                "method": "POST",
                "path": f"/webhooks/{source}",
                "sourceIp": "127.0.0.1",
                "protocol": "HTTP/1.1",
                "userAgent": "fuzz",
            },
            "requestId": "fuzz",
            "routeKey": "POST /webhooks/{source}",
            "stage": "$default",
            "timeEpoch": int(datetime.now(UTC).timestamp() * 1000),
            "domainName": "hooks.example",
        },
        "body": base64.b64encode(body).decode() if as_base64 else body.decode("utf-8", "replace"),
        "isBase64Encoded": as_base64,
    }


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=12,
)
bodies = st.one_of(
    st.binary(max_size=200),
    json_values.map(lambda v: json.dumps(v).encode()),
    st.text(max_size=120).map(lambda t: f"<?xml version='1.0'?><a>{t}</a>".encode("utf-8", "replace")),
)


@settings(max_examples=10_000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(source=st.sampled_from(SOURCE_NAMES), body=bodies, as_base64=st.booleans())
def test_malformed_bodies_get_a_clear_4xx_and_never_a_5xx(source, body, as_base64):
    if not as_base64:
        body = body.decode("utf-8", "replace").encode()  # what API Gateway passes as text
    response = webhook.handler(_event(source, body, as_base64), Context())
    status = response["statusCode"]
    assert status < 500, (source, body, response)
    if status >= 400:
        answer = json.loads(response["body"])
        assert answer["error"]
        assert answer["message"]
