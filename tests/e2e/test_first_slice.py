"""The first slice over HTTP: Delighted promoter → ingest → bus → scoring → Express workflow → Slack DM."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from boomerang.replay import Sample, deliver, load_samples, post, rebase
from boomerang.replay import wait_until_idle as _wait_until_idle
from boomerang.signing import sign

pytestmark = pytest.mark.e2e

SAMPLES = {
    s.name: s
    for s in rebase(load_samples(Path(__file__).resolve().parents[2] / "examples" / "webhooks"), datetime.now(UTC))
}


def wait_until_idle(stack) -> bool:
    return _wait_until_idle(stack, ignore=("e2e-bus-tap",))


def _dms_to(stack, user: str) -> list[dict]:
    return [c for c in stack.slack_calls if c["method"] == "chat.postMessage" and c["payload"]["channel"] == user]


def _with_response_id(sample: Sample, response_id: str, score: int | None = None) -> Sample:
    body = json.loads(json.dumps(sample.body))
    body["event_data"]["id"] = response_id
    if score is not None:
        body["event_data"]["score"] = score
    return Sample(sample.source, sample.name, body)


def test_promoter_webhook_reaches_the_csm_as_a_dm(stack, tap):
    # Given Priya (Halvorsen) answers NPS 10 in Delighted
    sample = SAMPLES["01-promoter-priya-raman-halvorsen"]
    # When Delighted posts the signed webhook
    delivery = deliver(stack.api_url, sample, stack.secrets)
    assert delivery.status == 202, delivery.answer
    assert wait_until_idle(stack)
    # Then the canonical event was on the bus, the trigger fired, and Tomas (her CSM) got one DM
    on_bus = tap.drain()
    types = [e["detail-type"] for e in on_bus]
    assert "NpsResponded" in types
    assert "TriggerFired" in types
    nps = next(e for e in on_bus if e["detail-type"] == "NpsResponded")
    assert nps["detail"]["account_id"] == "acc-halvorsen"
    assert nps["detail"]["event_id"] == delivery.answer["event_ids"][0]
    [dm] = _dms_to(stack, "U07OXTZ7Q74")
    text = json.dumps(dm["payload"]["blocks"], ensure_ascii=False)
    for part in ("Priya Raman", "Who to ask", "What to say", "Why now", "window closes", "Approve & send", "Skip"):
        assert part in text, part
    assert dm["payload"]["text"].startswith("🎯 Priya Raman")


def test_redelivery_of_the_same_answer_sends_no_second_dm(stack, tap):
    before = len(stack.slack_calls)
    updated = SAMPLES["01-promoter-priya-raman-halvorsen"].body | {"event_type": "survey_response.updated"}
    delivery = deliver(stack.api_url, Sample("delighted", "again", updated), stack.secrets)
    assert delivery.status == 202
    assert wait_until_idle(stack)
    tap.drain()
    assert len(stack.slack_calls) == before


@pytest.mark.parametrize("name", ["02-detractor-luis-ortega-copperline", "04-passive-marco-deluca-pinecrest"])
def test_scores_of_eight_or_less_produce_no_ask(stack, tap, name):
    before = len(stack.slack_calls)
    assert deliver(stack.api_url, SAMPLES[name], stack.secrets).status == 202
    assert wait_until_idle(stack)
    types = [e["detail-type"] for e in tap.drain()]
    assert "NpsResponded" in types
    assert "TriggerFired" not in types
    assert "TriggerBlocked" not in types
    assert len(stack.slack_calls) == before


def test_bad_signature_is_401_and_nothing_reaches_the_bus(stack, tap):
    body = json.dumps(SAMPLES["03-promoter-derek-osei-meridian"].body).encode()
    headers = sign("delighted", body, "not-the-key")
    status, answer = post(f"{stack.api_url}/webhooks/delighted", body, headers)
    assert (status, answer["error"]) == (401, "invalid_signature")
    assert tap.drain(wait=1.0) == []


def test_malformed_body_is_400_with_a_json_error(stack, tap):
    body = b'{"event_type": "survey_response.created", "event_data": {"id": 1, "score": "ten"}}'
    status, answer = post(
        f"{stack.api_url}/webhooks/delighted", body, sign("delighted", body, stack.secrets["delighted_api_key"])
    )
    assert status == 400
    assert answer["error"] == "malformed_payload"
    assert "score" in answer["message"]
    assert "person" in answer["message"]
    assert tap.drain(wait=1.0) == []


def test_unknown_source_is_404(stack):
    status, answer = post(f"{stack.api_url}/webhooks/myspace", b"{}", {"content-type": "application/json"})
    assert (status, answer["error"]) == (404, "unknown_source")


def test_open_critical_ticket_blocks_the_ask(stack, tap):
    # Given Kestrel has an open critical ticket
    assert deliver(stack.api_url, SAMPLES["00-kestrel-critical-ticket"], stack.secrets).status == 202
    assert wait_until_idle(stack)
    # When Hannah (Kestrel) answers 9
    assert deliver(stack.api_url, SAMPLES["05-promoter-hannah-brooks-kestrel"], stack.secrets).status == 202
    assert wait_until_idle(stack)
    # Then the trigger is blocked by that gate and no DM goes out
    blocked = [e for e in tap.drain() if e["detail-type"] == "TriggerBlocked"]
    assert len(blocked) == 1
    failed = [g["gate"] for g in blocked[0]["detail"]["data"]["gates"] if not g["passed"]]
    assert failed == ["open_critical_ticket"]
    dms = [c for c in stack.slack_calls if c["method"] == "chat.postMessage" and "Hannah" in c["payload"]["text"]]
    assert dms == []


def test_csm_approves_once_and_the_promoter_gets_the_ask_by_email(stack, tap):
    from boomerang.demo import _approve

    sample = _with_response_id(SAMPLES["06-promoter-sofia-marchetti-brightwater"], "e2e-approve")
    assert deliver(stack.api_url, sample, stack.secrets).status == 202
    assert wait_until_idle(stack)
    dm = next(c for c in reversed(stack.slack_calls) if c["method"] == "chat.postMessage")
    emails_before = len(stack.emails)
    status, _ = _approve(stack, dm)
    assert status == 200
    assert wait_until_idle(stack)
    update = next(c for c in reversed(stack.slack_calls) if c["method"] == "chat.update")
    assert "Approved by" in update["payload"]["text"]
    assert len(stack.emails) == emails_before + 1
    # A second tap is answered privately and changes nothing
    status, _ = _approve(stack, dm)
    assert status == 200
    assert wait_until_idle(stack)
    assert len(stack.emails) == emails_before + 1
    assert stack.slack_calls[-1]["method"] == "chat.postEphemeral"
    tap.drain()


def test_bad_slack_signature_is_401(stack):
    status, answer = post(
        f"{stack.api_url}/slack/interactions",
        b"payload=%7B%7D",
        {
            "content-type": "application/x-www-form-urlencoded",
            "x-slack-signature": "v0=00",
            "x-slack-request-timestamp": "1",
        },
    )
    assert (status, answer["error"]) == (401, "invalid_signature")


@pytest.mark.parametrize("timestamp", [None, "abc"])
def test_a_slack_request_without_a_usable_timestamp_is_401_not_500(stack, timestamp):
    headers = {"content-type": "application/x-www-form-urlencoded", "x-slack-signature": "v0=00"}
    if timestamp is not None:
        headers["x-slack-request-timestamp"] = timestamp
    status, answer = post(f"{stack.api_url}/slack/interactions", b"payload=%7B%7D", headers)
    assert (status, answer["error"]) == (401, "invalid_signature")
    assert "X-Slack-Request-Timestamp" in answer["message"]


def test_a_correctly_signed_body_that_is_not_utf8_is_400_not_500(stack):
    body = b"payload=\xff\xfe"
    status, answer = post(
        f"{stack.api_url}/slack/interactions", body, sign("slack", body, stack.secrets["slack_signing_secret"])
    )
    assert (status, answer["error"]) == (400, "malformed_payload")
    assert "not UTF-8" in answer["message"]
