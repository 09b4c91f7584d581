"""What the webhook handler logs and measures: EMF counts per source, and no personal data in any log line."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime

import pytest

from services.common.handlers.observability import for_service
from services.ingest import wiring
from services.ingest.adapters.telemetry import PowertoolsTelemetry
from services.ingest.handlers import webhook
from services.ingest.logic.sources import sources
from tests.fakes.ingest import InMemoryOnce, ingest_service
from tests.samples import SAMPLES, signed, url_for

# The real handler builds Powertools Tracer, whose X-Ray SDK opens a UDP socket for the loopback daemon
# (tracing is disabled: nothing is sent). Nothing else may reach a socket.
pytestmark = pytest.mark.allow_hosts(["127.0.0.1"])

SECRETS = {s.secret_key: f"secret-{name}" for name, s in sources().items()}
EMAIL = "priya.raman@halvorsen-freight.example"
COMMENT = "Honestly the carrier ETA widget saved our Christmas peak, thank you Tomas"


class Context:
    function_name = "Ingest"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:Ingest"
    aws_request_id = "req-1"


@pytest.fixture
def run(monkeypatch):
    """Invoke the real handler on in-memory adapters; returns (answer, log text, EMF lines)."""
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "false")
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "BoomerangTest")
    # The telemetry the function gets from wiring, built after the namespace is set (Metrics reads it then)
    telemetry = PowertoolsTelemetry(*for_service("ingest"))
    service = ingest_service(sources(), SECRETS, once=InMemoryOnce(), telemetry=telemetry)
    monkeypatch.setattr(wiring, "ingest_service", lambda: service)
    monkeypatch.setattr(wiring, "once", lambda: InMemoryOnce())
    logs = io.StringIO()
    handler = webhook.logger.registered_handler
    monkeypatch.setattr(handler, "stream", logs)
    level = webhook.logger.log_level
    webhook.logger.setLevel("DEBUG")  # the strictest case: accepted webhooks log too
    yield lambda source, body, secret=None: _invoke(source, body, logs, secret)
    webhook.logger.setLevel(level)


def _invoke(source: str, body: bytes, logs: io.StringIO, secret: str | None = None):
    secret = secret or SECRETS[sources()[source].secret_key]
    url = url_for("https://hooks.example", source, secret)
    headers = signed(source, body, secret, url) | {"host": "hooks.example"}
    event = {
        "version": "2.0",
        "routeKey": "POST /webhooks/{source}",
        "rawPath": f"/webhooks/{source}",
        "rawQueryString": url.partition("?")[2],
        "headers": headers,
        "pathParameters": {"source": source},
        "requestContext": {
            "http": {"method": "POST", "path": f"/webhooks/{source}", "sourceIp": "127.0.0.1"},
            "requestId": "req-1",
            "routeKey": "POST /webhooks/{source}",
            "stage": "$default",
            "timeEpoch": int(datetime.now(UTC).timestamp() * 1000),
            "domainName": "hooks.example",
        },
        "body": body.decode(),
        "isBase64Encoded": False,
    }
    answer = webhook.handler(event, Context())
    return answer, logs.getvalue()


def _priya(comment: str = COMMENT, email: str = EMAIL) -> bytes:
    body = json.loads(SAMPLES["delighted"].body)
    body["event_data"]["comment"] = comment
    body["event_data"]["person"]["email"] = email
    return json.dumps(body).encode()


def _emf(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines() if line.startswith("{") and "_aws" in line]


@pytest.mark.parametrize(
    "body",
    [
        _priya(),  # accepted
        _priya(email="someone.new@nowhere-known.example"),  # unknown account: quarantined, logged at INFO
        _priya().replace(b'"score": 10', b'"score": "' + COMMENT.encode() + b'"'),  # malformed, comment as value
    ],
    ids=["accepted", "unknown-account", "malformed"],
)
def test_no_log_line_carries_an_email_address_or_a_comment(run, capsys, body):
    answer, logs = run("delighted", body)
    assert answer["statusCode"] in (202, 400, 422)
    assert logs, "the handler logged nothing; the check would be empty"
    for text in (logs, capsys.readouterr().out):
        assert "@" not in text.replace("@timestamp", "")
        assert "Christmas" not in text
        assert "nowhere-known" not in text


def test_metrics_count_per_source_accepted_duplicate_rejected_and_quarantined(run, capsys):
    body = SAMPLES["churnzero"].body
    run("churnzero", body)  # accepted
    run("churnzero", body)  # duplicate
    run("churnzero", SAMPLES["churnzero"].unmappable_body)  # 422, kept
    run("churnzero", b"{")  # 400, kept
    emf = _emf(capsys.readouterr().out)
    counted = [
        (name, line["source"], line.get("reason")) for line in emf for name in line if name.startswith("webhook_")
    ]
    assert counted == [
        ("webhook_accepted", "churnzero", None),
        ("webhook_duplicate", "churnzero", None),
        ("webhook_rejected", "churnzero", "unknown_account"),
        ("webhook_quarantined", "churnzero", "unknown_account"),
        ("webhook_rejected", "churnzero", "malformed_payload"),
        ("webhook_quarantined", "churnzero", "malformed_payload"),
    ]
    assert all(line["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "BoomerangTest" for line in emf)


def test_a_bad_signature_is_counted_as_rejected_with_its_reason(run, capsys):
    answer, _ = run("churnzero", SAMPLES["churnzero"].body, secret="not-the-token")
    assert answer["statusCode"] == 401
    [line] = _emf(capsys.readouterr().out)
    assert (line["webhook_rejected"], line["source"], line["reason"]) == ([1.0], "churnzero", "invalid_signature")
