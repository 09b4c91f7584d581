"""On moto: the cadence job finds due accounts through the DueIndex (no Scan), checks and escalates them; an
account crossing the expansion threshold puts one ExpansionSignal on the bus, which notify DMs to its AE."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from functools import partial

from services.common.models.events import EventType
from services.common.storage import DUE_INDEX, PK, SK, Sk, account_key, due_shard_of
from tests.fakes.scoring import account_message, counted, usage
from tests.integration.services.conftest import Context, drain, sqs_event

HALVORSEN = "acc-halvorsen"  # Enterprise, 180 seats, CSM Tomas (U07OXTZ7Q74, manager Marcus), AE Jonas
_about_halvorsen = partial(account_message, HALVORSEN)


def _on_bus(aws, detail_type: str) -> list[dict]:
    return [b for b in (json.loads(m["body"]) for m in drain(aws.sqs, aws.tap)) if b["detail-type"] == detail_type]


def _schedule(aws, account: str) -> dict:
    item = aws.ddb.get_item(TableName="state", Key={PK: {"S": account_key(account)}, SK: {"S": Sk.CADENCE}})
    return item.get("Item", {})


def _unprojected(schedule: dict) -> list[str]:
    """What a schedule item holds beyond its keys and what DueIndex projects (the cadence job reads the index)."""
    return sorted(set(schedule) - {PK, SK, DUE_INDEX.partition_key, DUE_INDEX.sort_key, *DUE_INDEX.projected})


def test_cadence_job_checks_due_accounts_and_escalates_red_ones_without_a_plan(aws, capsys):
    from services.scoring.handlers.cadence import handler as cadence
    from services.scoring.handlers.consume import handler as consume

    t0 = datetime.now(UTC).replace(microsecond=0) - timedelta(days=1)
    # Given Halvorsen turns red: usage collapsed, two critical tickets, a missed meeting
    red = [
        _about_halvorsen(EventType.USAGE_REPORTED, usage(20, 100, 1), "u1", t0),
        _about_halvorsen(EventType.TICKET_OPENED, {"ticket_id": "t1", "severity": "critical"}, "t1", t0),
        _about_halvorsen(EventType.TICKET_OPENED, {"ticket_id": "t2", "severity": "critical"}, "t2", t0),
        _about_halvorsen(EventType.MEETING_HELD, {"attended": False}, "m1", t0),
    ]
    assert consume(sqs_event(red), Context()) == {"batchItemFailures": []}
    drain(aws.sqs, aws.tap)
    # Then scoring wrote its schedule into the sparse index: a weekly check, escalation after 14 days red
    schedule = _schedule(aws, HALVORSEN)
    assert schedule["status"]["S"] == "red"
    assert schedule[DUE_INDEX.partition_key]["S"] == due_shard_of(HALVORSEN)
    assert schedule[DUE_INDEX.sort_key]["S"] == schedule["check_at"]["S"]
    assert _unprojected(schedule) == []
    assert schedule["check_at"]["S"].startswith((t0 + timedelta(days=7)).date().isoformat())

    # When the scheduler fires before anything is due, nothing is emitted
    assert cadence({"job": "cadence", "now": (t0 + timedelta(days=2)).isoformat()}, Context())["due"] == 0
    assert _on_bus(aws, "HealthCheckDue") == []

    # When it fires 15 days later (as EventBridge Scheduler would, with the scheduled time)
    later = t0 + timedelta(days=15)
    capsys.readouterr()
    report = cadence({"job": "cadence", "scheduled_time": later.isoformat()}, Context())
    # Then the check is due and, red for 15 days with no plan, the account is escalated
    assert (report["due"], report["checks"], report["escalations"]) == (1, 1, 1)
    assert counted(capsys.readouterr().out) == {"health_check_due": 1, "red_account_escalated": 1}
    bus = [json.loads(m["body"]) for m in drain(aws.sqs, aws.tap)]
    [check] = [b for b in bus if b["detail-type"] == "HealthCheckDue"]
    [escalation] = [b for b in bus if b["detail-type"] == "RedAccountEscalated"]
    assert check["source"] == escalation["source"] == "boomerang.scoring"
    assert (check["detail"]["data"]["status"], check["detail"]["data"]["cadence_days"]) == ("red", 7)
    assert escalation["detail"]["data"]["days_red"] == 15
    assert escalation["detail"]["data"]["csm_member_id"] == "mem-tomas-lindqvist"
    # And the schedule moved on: the next check in a week, no longer due now
    moved = _schedule(aws, HALVORSEN)
    assert moved["last_check_at"]["S"].startswith(later.date().isoformat())
    assert _unprojected(moved) == []
    assert cadence({"job": "cadence", "now": later.isoformat()}, Context())["due"] == 0

    # When the CSM starts a playbook, the next weekly run checks but does not escalate
    plan = _about_halvorsen(EventType.INTERVENTION_STARTED, {"plan_id": "p1", "playbook": "low_adoption"}, "i1", later)
    assert consume(sqs_event([plan]), Context()) == {"batchItemFailures": []}
    report = cadence({"job": "cadence", "now": (later + timedelta(days=7, hours=1)).isoformat()}, Context())
    assert (report["checks"], report["escalations"], report["covered_by_a_plan"]) == (1, 0, 1)


def test_crossing_the_expansion_threshold_emits_one_signal_that_notify_dms_to_the_ae(aws, slack_sink):
    from services.notify.handlers.deliver import handler as deliver
    from services.scoring.handlers.consume import handler as consume

    t0 = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2)
    # Given Halvorsen is green with 93 % of its seats active (+3)
    healthy = [
        _about_halvorsen(EventType.USAGE_REPORTED, usage(168, 2400, 8), "u1", t0),
        _about_halvorsen(EventType.MEETING_HELD, {"kind": "QBR", "executive_present": True}, "m1", t0),
        _about_halvorsen(EventType.NPS_RESPONDED, {"response_id": "n1", "score": 9}, "n1", t0),
    ]
    assert consume(sqs_event(healthy), Context()) == {"batchItemFailures": []}
    assert _on_bus(aws, "ExpansionSignal") == []
    # When a premium-tier feature is requested (+2) and a new department asks about the product (+3)
    more = [
        _about_halvorsen(EventType.FEATURE_REQUESTED, {"feature": "Carrier scorecards", "premium": True}, "f1", t0),
        _about_halvorsen(EventType.DEPARTMENT_INTEREST_EXPRESSED, {"department": "Procurement"}, "d1", t0),
    ]
    assert consume(sqs_event(more), Context()) == {"batchItemFailures": []}
    # Then exactly one ExpansionSignal is on the bus (crossed at 5 points), with its reasons
    [signal] = _on_bus(aws, "ExpansionSignal")
    data = signal["detail"]["data"]
    assert signal["source"] == "boomerang.scoring"
    assert (data["score"], data["ae_member_id"]) == (5, "mem-jonas-weber")
    assert [r["signal"] for r in data["reasons"]] == ["high_adoption", "premium_requests"]

    # When notify receives it (rule ToNotifyHealth), the AE gets one DM, even if SQS delivers it twice
    message = json.dumps(signal)
    assert deliver(sqs_event([message]), Context()) == {"batchItemFailures": []}
    assert deliver(sqs_event([message]), Context()) == {"batchItemFailures": []}
    [dm] = [c for c in slack_sink.calls if c["method"] == "chat.postMessage"]
    assert dm["payload"]["channel"] == "U08JW3BR5KQ"  # Jonas Weber, Halvorsen's AE
    text = json.dumps(dm["payload"]["blocks"], ensure_ascii=False)
    for part in ("Expansion signal: Halvorsen Freight AS", "Explore user expansion", "Position upgrade path"):
        assert part in text
