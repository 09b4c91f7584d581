"""Scoring on moto: usage and ticket events move an account from Green to Red; HealthChanged reaches the bus."""

from __future__ import annotations

import json
import zlib
from datetime import UTC, datetime, timedelta
from functools import partial

from services.common.models.events import EventType
from services.common.storage import HEALTH_PREFIX, TTL_ATTRIBUTE, Sk, account_key, health_key
from tests.fakes.scoring import account_message, counted, usage
from tests.integration.services.conftest import Context, drain, sqs_event

ACCOUNT = "acc-halvorsen"  # Enterprise, 180 licensed seats (examples/portfolio)
_message = partial(account_message, ACCOUNT)


def _health_events(aws) -> list[dict]:
    bodies = [json.loads(m["body"]) for m in drain(aws.sqs, aws.tap)]
    return [b for b in bodies if b["detail-type"] == "HealthChanged"]


def _history(aws) -> list[dict]:
    items = aws.ddb.query(
        TableName="state",
        KeyConditionExpression="pk = :pk AND begins_with(sk, :sk)",
        ExpressionAttributeValues={":pk": {"S": account_key(ACCOUNT)}, ":sk": {"S": HEALTH_PREFIX}},
    )["Items"]
    return items


def _signals_item(aws) -> dict:
    key = {"pk": {"S": account_key(ACCOUNT)}, "sk": {"S": Sk.SIGNALS}}
    return aws.ddb.get_item(TableName="state", Key=key)["Item"]


def test_usage_and_tickets_move_an_account_from_green_to_red(aws, capsys):
    from services.scoring.handlers.consume import handler

    t0 = datetime.now(UTC).replace(microsecond=0) - timedelta(days=2)
    # Given a healthy account: high usage, an executive in the last meeting, a promoter
    healthy = [
        _message(EventType.USAGE_REPORTED, usage(170, 2400, 8), "u1", t0),
        _message(EventType.MEETING_HELD, {"kind": "QBR", "executive_present": True}, "m1", t0 + timedelta(minutes=1)),
        _message(EventType.NPS_RESPONDED, {"response_id": "n1", "score": 9}, "n1", t0 + timedelta(minutes=2)),
    ]
    assert handler(sqs_event(healthy), Context()) == {"batchItemFailures": []}
    assert counted(capsys.readouterr().out) == {"event_recorded": 3, "health_changed": 1}
    [green] = _health_events(aws)
    assert green["source"] == "boomerang.scoring"
    assert green["detail"]["data"]["status"] == "green"
    assert green["detail"]["data"]["previous_status"] is None

    # When usage collapses and two critical tickets are opened
    later = t0 + timedelta(days=1)
    critical = {"severity": "critical"}
    decline = [
        _message(EventType.USAGE_REPORTED, usage(20, 100, 1), "u2", later),
        _message(EventType.TICKET_OPENED, {"ticket_id": "t1", **critical}, "t1", later + timedelta(minutes=1)),
        _message(EventType.TICKET_OPENED, {"ticket_id": "t2", **critical}, "t2", later + timedelta(minutes=2)),
    ]
    assert handler(sqs_event(decline), Context()) == {"batchItemFailures": []}

    # Then a HealthChanged to Red reaches the bus, with why
    changes = _health_events(aws)
    assert [c["detail"]["data"]["status"] for c in changes] == ["yellow", "red", "red"]  # the last: a 5-point move
    red = changes[-1]["detail"]["data"]
    assert red["score"] < 60
    assert (red["previous_status"], red["explanation"]["reason"]) == ("red", "delta")
    assert changes[0]["detail"]["data"]["previous_status"] == "green"
    explanation = red["explanation"]
    assert explanation["segment"] == "Enterprise"
    assert explanation["submetrics"]["product"]["active"]["inputs"] == {"active_users": 20, "licensed_seats": 180}
    assert {m["submetric"] for m in explanation["moved"]} & {"active", "logins", "adoption", "tickets"}
    assert "outcomes" in explanation["pillars"]
    assert explanation["pillars"]["outcomes"] is None
    assert explanation["expansion"]["qualified"] is False

    # And the signals item carries the small summary; one history item per announcement, with a TTL
    item = _signals_item(aws)
    signals = json.loads(zlib.decompress(item["z"]["B"]))
    assert signals["health"]["status"] == "red"
    assert len(item["z"]["B"]) < 900  # with its keys, under 1 KB: one write unit per event
    history = _history(aws)
    assert len(history) == len(changes) + 1
    assert [h["sk"]["S"] for h in history if TTL_ATTRIBUTE not in h] == []
    assert history[-1]["sk"]["S"] == health_key(later + timedelta(minutes=2))

    # And a redelivered batch changes nothing and writes no new history
    capsys.readouterr()
    assert handler(sqs_event(decline[:2]), Context()) == {"batchItemFailures": []}
    assert counted(capsys.readouterr().out) == {"event_duplicate": 2}
    assert len(_history(aws)) == len(history)
    assert _signals_item(aws)["version"] == item["version"]
