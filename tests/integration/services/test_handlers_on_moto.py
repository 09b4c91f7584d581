"""Each handler end to end on moto: API Gateway / SQS / Step Functions shaped inputs, real AWS calls."""

from __future__ import annotations

import json
import zlib
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

from boomerang.replay import load_samples, rebase
from boomerang.signing import sign
from tests.integration.services.conftest import Context, drain, http_event, sqs_event

SAMPLES = {
    s.name: s
    for s in rebase(load_samples(Path(__file__).resolve().parents[3] / "examples" / "webhooks"), datetime.now(UTC))
}


def _post(source: str, sample_name: str, secret: str = "dk") -> dict:
    from services.ingest.handlers.webhook import handler

    body = json.dumps(SAMPLES[sample_name].body).encode()
    return handler(http_event(f"/webhooks/{source}", body, sign(source, body, secret)), Context())


def test_ingest_puts_the_canonical_event_on_the_bus(aws):
    response = _post("delighted", "01-promoter-priya-raman-halvorsen")
    assert response["statusCode"] == 202, response["body"]
    [message] = drain(aws.sqs, aws.tap)
    event = json.loads(message["body"])
    assert (event["source"], event["detail-type"]) == ("boomerang.ingest", "NpsResponded")
    assert event["detail"]["data"]["contact_id"] == "con-priya-raman"


def test_redelivered_webhook_answers_200_and_publishes_nothing_new(aws):
    # Given Delighted delivered a response and we accepted it
    first = _post("delighted", "01-promoter-priya-raman-halvorsen")
    assert first["statusCode"] == 202
    assert len(drain(aws.sqs, aws.tap)) == 1
    # When Delighted retries the same delivery
    again = _post("delighted", "01-promoter-priya-raman-halvorsen")
    # Then it is acknowledged as a duplicate and nothing new reaches the bus
    assert again["statusCode"] == 200
    body = json.loads(again["body"])
    assert body["duplicate"] is True
    assert body["event_ids"] == json.loads(first["body"])["event_ids"]
    assert drain(aws.sqs, aws.tap) == []
    # And the idempotency record is keyed on the delivery, with an expiry
    [record] = aws.ddb.scan(TableName="idempotency")["Items"]
    assert record["status"]["S"] == "COMPLETED"
    assert "expiration" in record


def test_ingest_rejects_a_bad_signature_without_touching_the_bus(aws):
    response = _post("delighted", "01-promoter-priya-raman-halvorsen", secret="wrong")
    assert response["statusCode"] == 401
    assert json.loads(response["body"])["error"] == "invalid_signature"
    assert drain(aws.sqs, aws.tap) == []


def test_scoring_records_once_and_reports_only_the_bad_record(aws):
    from services.scoring.handlers.consume import handler

    _post("generic", "00-kestrel-critical-ticket", secret="gs")
    [message] = drain(aws.sqs, aws.tap)
    event = sqs_event([message["body"], message["body"], "{not json"])
    result = handler(event, Context())
    assert [f["itemIdentifier"] for f in result["batchItemFailures"]] == [event["Records"][2]["messageId"]]
    item = aws.ddb.get_item(TableName="state", Key={"pk": {"S": "ACCOUNT#acc-kestrel"}, "sk": {"S": "SIGNALS"}})
    signals = json.loads(zlib.decompress(item["Item"]["z"]["B"]))
    assert signals["events_seen"] == 1  # the duplicate changed nothing
    assert signals["open_tickets"]["88231"]["severity"] == "critical"
    # And scoring wrote nothing but the signals item (one put per event: see docs/cost.md)
    assert aws.ddb.scan(TableName="state")["Count"] == 1


def test_evaluation_fires_once_and_notify_dms_the_csm(aws, slack_sink):
    from services.notify.handlers.deliver import handler as deliver
    from services.triggers.handlers.evaluate import handler as evaluate

    _post("delighted", "03-promoter-derek-osei-meridian")
    [message] = drain(aws.sqs, aws.tap)
    pipe_input = [{"messageId": "m1", "body": message["body"]}]
    decision = evaluate(pipe_input, Context())
    assert decision["outcome"] == "fired", decision["reason"]
    # The promoter's contact item, the CSM and the connections' target accounts were all read back.
    ask = decision["event"]["data"]["ask"]
    assert ask["promoter_title"] == "VP Warehouse & Transportation Operations"
    assert ask["people"] != []
    assert [person["name"] for person in ask["people"] if not person["company"]] == []
    assert decision["event"]["data"]["csm_slack_user_id"] == "U05YCDYBK15"
    trigger_id = decision["event"]["data"]["trigger_id"]
    stored = aws.ddb.get_item(TableName="state", Key={"pk": {"S": f"TRIGGER#{trigger_id}"}, "sk": {"S": "TRIGGER"}})
    assert stored["Item"]["status"]["S"] == "pending"
    again = evaluate(pipe_input, Context())
    assert again["outcome"] == "blocked"
    assert "ask_cooldown" in again["reason"]

    bus_event = {"detail-type": "TriggerFired", "source": "boomerang.triggers", "detail": decision["event"]}
    assert deliver(sqs_event([json.dumps(bus_event)]), Context()) == {"batchItemFailures": []}
    [call] = slack_sink.calls
    assert call["method"] == "chat.postMessage"
    assert call["payload"]["channel"] == decision["event"]["data"]["csm_slack_user_id"]
    assert call["token"] == "xoxb-test"
    # And the same message delivered again finds the DM recorded and sends no second one
    assert deliver(sqs_event([json.dumps(bus_event)]), Context()) == {"batchItemFailures": []}
    assert len(slack_sink.calls) == 1


def test_a_signed_approve_is_decided_once_and_published(aws, slack_sink):
    from services.notify.handlers.interactions import handler as interactions
    from services.triggers.handlers.evaluate import handler as evaluate

    # Given Derek's NPS 10 fired a trigger for his CSM
    _post("delighted", "03-promoter-derek-osei-meridian")
    [message] = drain(aws.sqs, aws.tap)
    fired = evaluate([{"messageId": "m1", "body": message["body"]}], Context())["event"]["data"]
    click = {
        "type": "block_actions",
        "user": {"id": fired["csm_slack_user_id"]},
        "container": {"type": "message", "channel_id": "D1"},
        "actions": [{"action_id": "ask_approve", "value": fired["trigger_id"], "type": "button"}],
    }
    body = urlencode({"payload": json.dumps(click)}).encode()
    # When the CSM taps Approve (Slack posts the signed form)
    answer = interactions(http_event("/slack/interactions", body, sign("slack", body, "ss")), Context())
    # Then the ask is decided in the StateTable and AskApproved is on the bus
    assert answer["statusCode"] == 200
    key = {"pk": {"S": f"TRIGGER#{fired['trigger_id']}"}, "sk": {"S": "TRIGGER"}}
    stored = aws.ddb.get_item(TableName="state", Key=key)["Item"]
    assert (stored["status"]["S"], stored["decided_by"]["S"]) == ("approved", fired["csm_slack_user_id"])
    [published] = [json.loads(m["body"]) for m in drain(aws.sqs, aws.tap)]
    assert (published["source"], published["detail-type"]) == ("boomerang.notify", "AskApproved")
    # When the CSM taps again Then only they are told, privately, and nothing new is published
    again = interactions(http_event("/slack/interactions", body, sign("slack", body, "ss")), Context())
    assert again["statusCode"] == 200
    assert [call["method"] for call in slack_sink.calls] == ["chat.postEphemeral"]
    assert drain(aws.sqs, aws.tap) == []


def test_an_unsigned_interaction_is_refused_before_any_slack_call(aws, slack_sink):
    from services.notify.handlers.interactions import handler as interactions

    body = b"payload=%7B%7D"
    answer = interactions(http_event("/slack/interactions", body, {"x-slack-signature": "v0=00"}), Context())
    assert answer["statusCode"] == 401
    assert json.loads(answer["body"])["error"] == "invalid_signature"
    assert slack_sink.calls == []
