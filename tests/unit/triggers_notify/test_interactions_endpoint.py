"""POST /slack/interactions through the real handler: signed as Slack signs, and every bad input a clear 4xx."""

from __future__ import annotations

import base64
import json
from dataclasses import replace
from urllib.parse import urlencode

import pytest
from slack_sdk.signature import SignatureVerifier

from services.notify import wiring
from services.notify.logic.message import APPROVE
from services.notify.logic.slack_request import signature
from tests.fakes.notify import SIGNING_SECRET, slack_headers
from tests.fakes.triggers import NOW

# The real handler builds Powertools Tracer, whose X-Ray SDK opens a UDP socket for the loopback daemon
# (tracing is disabled: nothing is sent). Nothing else may reach a socket.
pytestmark = pytest.mark.allow_hosts(["127.0.0.1"])

NOW_TS = int(NOW.timestamp())
CSM = "U07OXTZ7Q74"


class Context:
    function_name = "Interactions"
    memory_limit_in_mb = 256
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:Interactions"
    aws_request_id = "req-1"


def form(payload: object) -> bytes:
    return urlencode({"payload": payload if isinstance(payload, str) else json.dumps(payload)}).encode()


def signed(body: bytes, timestamp: int | str = NOW_TS) -> dict[str, str]:
    return slack_headers(body, SIGNING_SECRET, timestamp)


@pytest.fixture
def post(monkeypatch, interactions):
    """Invoke the real handler, built on the in-memory interaction service; returns (status, JSON body or text)."""
    # Imported here, not at collection: Powertools Metrics reads its namespace from the environment on import, and
    # the module outlives this test (the moto tests invoke it too). Infra sets the namespace in the environment.
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "BoomerangTest")
    from services.notify.handlers import interactions as endpoint

    monkeypatch.setattr(endpoint.metrics, "namespace", "BoomerangTest")  # in case an earlier import had none
    monkeypatch.setattr(wiring, "interactions", lambda: interactions)

    def invoke(body: bytes, headers: dict[str, str]) -> tuple[int, object]:
        try:
            text, encoded = body.decode("utf-8"), False
        except UnicodeDecodeError:  # API Gateway base64-encodes a body that is not text
            text, encoded = base64.b64encode(body).decode(), True
        event = {
            "version": "2.0",
            "routeKey": "POST /slack/interactions",
            "rawPath": "/slack/interactions",
            "rawQueryString": "",
            "headers": headers,
            "requestContext": {
                "http": {"method": "POST", "path": "/slack/interactions", "sourceIp": "127.0.0.1"},
                "requestId": "req-1",
                "routeKey": "POST /slack/interactions",
                "stage": "$default",
                "timeEpoch": NOW_TS * 1000,
                "domainName": "api.example",
            },
            "body": text,
            "isBase64Encoded": encoded,
        }
        answer = endpoint.handler(event, Context())
        is_json = answer["headers"]["Content-Type"] == "application/json"
        return answer["statusCode"], json.loads(answer["body"]) if is_json else answer["body"]

    return invoke


def approve(trigger_id: str) -> bytes:
    return form(
        {
            "type": "block_actions",
            "user": {"id": CSM},
            "container": {"type": "message", "channel_id": "D1"},
            "actions": [{"action_id": APPROVE, "value": trigger_id, "type": "button"}],
        }
    )


def test_the_signature_is_the_one_slack_sdk_computes():
    # Given a UTF-8 body (the only kind slack_sdk's SignatureVerifier can sign)
    body = approve("t-1")
    # Then our v0 signature, and the tests' Slack, agree with slack_sdk's
    expected = SignatureVerifier(SIGNING_SECRET).generate_signature(timestamp=str(NOW_TS), body=body)
    assert signature(SIGNING_SECRET, str(NOW_TS), body) == expected
    assert signed(body)["x-slack-signature"] == expected


def test_a_signed_click_is_acted_on(post, fired, publisher):
    # When the CSM's Approve arrives signed by Slack
    status, answer = post(approve(fired.data.trigger_id), signed(approve(fired.data.trigger_id)))
    # Then it is answered 200 (empty) and the decision is on the bus
    assert (status, answer) == (200, "")
    [decided] = publisher.published
    assert decided.type.value == "AskApproved"


STALE = NOW_TS - 301
CLICK = approve("t-1")
WRONG_SHAPE = form({"type": "block_actions", "user": "U1"})


def without(headers: dict[str, str], name: str) -> dict[str, str]:
    return {k: v for k, v in headers.items() if k != name}


UNSIGNED = {  # case: (body, headers, what the 401 says)
    "no-timestamp": (
        CLICK,
        without(signed(CLICK), "x-slack-request-timestamp"),
        "X-Slack-Request-Timestamp header is missing",
    ),
    "timestamp-abc": (CLICK, signed(CLICK, "abc"), "not a Unix time"),
    "timestamp-huge": (CLICK, signed(CLICK, "9" * 5000), "not a Unix time"),
    "stale": (CLICK, signed(CLICK, STALE), "5 minutes"),
    "future": (CLICK, signed(CLICK, NOW_TS + 301), "5 minutes"),
    "no-signature": (CLICK, without(signed(CLICK), "x-slack-signature"), "X-Slack-Signature header is missing"),
    "wrong-signature": (CLICK, signed(CLICK) | {"x-slack-signature": "v0=" + "0" * 64}, "does not match"),
    "non-ascii-signature": (CLICK, signed(CLICK) | {"x-slack-signature": "v0=é"}, "does not match"),
    "other-secret": (CLICK, slack_headers(CLICK, "another-secret", NOW_TS), "does not match"),
}
MALFORMED = {  # case: (correctly signed body, what the 400 says)
    "not-utf8": (b"payload=\xff\xfe", "not UTF-8"),
    "empty": (b"", "no 'payload' field"),
    "no-payload": (b"nothing=here", "no 'payload' field"),
    "not-a-form": (b"just some text", "expected a form"),
    "payload-not-json": (form("{not-json"), "not JSON"),
    "payload-a-list": (form([1, 2]), "must be a JSON object"),
    "payload-wrong-shape": (WRONG_SHAPE, "not a Slack interaction: user"),
}
BAD_INPUT = [
    *(
        pytest.param(body, headers, 401, "invalid_signature", says, id=case)
        for case, (body, headers, says) in UNSIGNED.items()
    ),
    *(
        pytest.param(body, signed(body), 400, "malformed_payload", says, id=case)
        for case, (body, says) in MALFORMED.items()
    ),
]


@pytest.mark.parametrize("body, headers, status, error, says", BAD_INPUT)
def test_bad_input_is_a_clear_4xx_and_changes_nothing(post, publisher, notes, body, headers, status, error, says):
    # When a request arrives that is not a correctly signed, well-formed interaction
    answer_status, answer = post(body, headers)
    # Then it gets its 4xx with a JSON error that says what is wrong, and nothing is decided or published
    assert answer_status == status
    assert answer["error"] == error
    assert says in answer["message"]
    assert publisher.published == []
    assert notes == []


def test_without_a_signing_secret_nothing_can_be_verified(post, monkeypatch, interactions):
    # Given the deploy step that pastes slack_signing_secret was skipped
    unconfigured = replace(interactions, signing_secret=lambda: None)
    monkeypatch.setattr(wiring, "interactions", lambda: unconfigured)
    # Then every request is refused as not configured (not 500, and not blamed on the caller)
    status, answer = post(CLICK, signed(CLICK))
    assert (status, answer["error"]) == (503, "not_configured")
    assert "slack_signing_secret" in answer["message"]


def test_a_refusal_is_counted_with_its_reason(post, capsys):
    post(CLICK, signed(CLICK, STALE))
    emitted = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    rejected = [m for m in emitted if "slack_rejected" in m]
    assert [(m["reason"], m["slack_rejected"]) for m in rejected] == [("invalid_signature", [1.0])]
