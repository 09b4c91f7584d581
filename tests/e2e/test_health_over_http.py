"""Health over HTTP through the local stack: signed Gainsight usage and Zendesk urgent-ticket webhooks move an
account from Green to Red (HealthChanged on the bus); the cadence schedule checks it and escalates it after
14 days red with no plan (DMs to the CSM and the manager); expansion signals reach the account's AE."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from boomerang.replay import post
from boomerang.replay import wait_until_idle as _wait_until_idle
from boomerang.signing import sign

pytestmark = pytest.mark.e2e

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
HALVORSEN_GAINSIGHT = "1P02NWK0DO4UE11RB4PVP3BN880PZCY7IBBT"
HALVORSEN_ZENDESK_ORG = "316274373262"
NORDLYS_GAINSIGHT = "1P023Q6S287RAM6WZLFRIE5S5180OEFI2L3W"
TOMAS, MARCUS, JONAS = "U07OXTZ7Q74", "U06O5NZQDG2", "U08JW3BR5KQ"  # CSM, his manager, the AE


def wait_until_idle(stack) -> None:
    assert _wait_until_idle(stack, ignore=("e2e-bus-tap",))


def _send(stack, source: str, body: dict[str, Any], secret_key: str) -> dict[str, Any]:
    raw = json.dumps(body).encode()
    status, answer = post(f"{stack.api_url}/webhooks/{source}", raw, sign(source, raw, stack.secrets[secret_key]))
    assert status == 202, (status, answer)
    return answer


def gainsight(stack, event: str, account: str, sid: str, at: datetime, **fields: Any) -> None:
    body = {"event": event, "event_id": sid, "occurred_at": at.isoformat(), "account_id": account, **fields}
    _send(stack, "gainsight", body, "gainsight_token")


def zendesk_urgent_ticket(stack, ticket_id: str, at: datetime) -> None:
    body = json.loads((FIXTURES / "zendesk" / "event-ticket-created-kestrel-urgent.json").read_text())
    body["id"] = f"e2e-{ticket_id}"
    body["subject"] = f"zen:ticket:{ticket_id}"
    body["time"] = at.isoformat().replace("+00:00", "Z")
    body["detail"] |= {"id": ticket_id, "organization_id": HALVORSEN_ZENDESK_ORG, "created_at": body["time"]}
    _send(stack, "zendesk", body, "zendesk_signing_secret")


def generic(stack, event_type: str, account_id: str, sid: str, at: datetime, data: dict[str, Any]) -> None:
    body = {"id": sid, "type": event_type, "occurred_at": at.isoformat(), "account": {"id": account_id}, "data": data}
    _send(stack, "generic", body, "generic_signing_secret")


def _of(events: list[dict[str, Any]], detail_type: str) -> list[dict[str, Any]]:
    return [e for e in events if e["detail-type"] == detail_type]


def _dms_to(stack, user: str) -> list[dict[str, Any]]:
    return [c for c in stack.slack_calls if c["method"] == "chat.postMessage" and c["payload"]["channel"] == user]


def test_usage_and_urgent_tickets_move_an_account_from_green_to_red_and_health_changed_reaches_the_bus(stack, tap):
    t0 = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    # Given Halvorsen is healthy: Gainsight reports high usage and a QBR with an executive, the CSM the outcomes
    gainsight(stack, "usage_snapshot", HALVORSEN_GAINSIGHT, "e2e-u1", t0, active_users=170, licensed_seats=180,
              logins_30d=2400, features_adopted=8, features_available=10)  # fmt: skip
    gainsight(stack, "meeting_held", HALVORSEN_GAINSIGHT, "e2e-m1", t0, kind="QBR", executive_present=True)
    generic(stack, "OutcomesReported", "acc-halvorsen", "e2e-o1", t0,
            {"goals_achieved": 8, "roi_demonstrated": 8, "business_impact": 8, "period": "2026Q3"})  # fmt: skip
    wait_until_idle(stack)
    greens = _of(tap.drain(), "HealthChanged")
    assert greens
    assert greens[-1]["detail"]["data"]["status"] == "green"
    assert greens[-1]["detail"]["account_id"] == "acc-halvorsen"

    # When usage collapses and three urgent tickets are opened in Zendesk
    later = t0 + timedelta(minutes=30)
    gainsight(stack, "usage_snapshot", HALVORSEN_GAINSIGHT, "e2e-u2", later, active_users=20, licensed_seats=180,
              logins_30d=100, features_adopted=1, features_available=10)  # fmt: skip
    for n in range(3):
        zendesk_urgent_ticket(stack, f"9900{n}", later + timedelta(minutes=n + 1))
    wait_until_idle(stack)

    # Then a HealthChanged to Red from scoring reaches the bus, explaining what moved
    changes = _of(tap.drain(), "HealthChanged")
    reds = [c for c in changes if c["detail"]["data"]["status"] == "red"]
    assert reds, [c["detail"]["data"]["status"] for c in changes]
    red = reds[0]
    assert red["source"] == "boomerang.scoring"
    assert red["detail"]["data"]["previous_status"] in ("green", "yellow")
    explanation = red["detail"]["data"]["explanation"]
    assert red["detail"]["data"]["score"] < 60
    assert explanation["pillars"]["outcomes"] == 8.0
    assert explanation["submetrics"]["product"]["tickets"]["inputs"]["critical"] >= 1
    assert {m["submetric"] for m in explanation["moved"]} & {"active", "logins", "adoption", "tickets"}


def test_the_cadence_schedule_checks_the_red_account_and_escalates_it_after_14_days(stack, tap):
    # Given Halvorsen went red in the test above; When the schedule fires 15 days later
    results = stack.run_schedule("CadenceSchedule", now=datetime.now(UTC) + timedelta(days=15))
    assert results["CadenceSchedule"]["escalations"] >= 1
    wait_until_idle(stack)
    # Then a check and an escalation are on the bus
    on_bus = tap.drain()
    [check] = [e for e in _of(on_bus, "HealthCheckDue") if e["detail"]["account_id"] == "acc-halvorsen"]
    [escalation] = [e for e in _of(on_bus, "RedAccountEscalated") if e["detail"]["account_id"] == "acc-halvorsen"]
    assert check["detail"]["data"]["status"] == "red"
    assert escalation["detail"]["data"]["days_red"] >= 14
    # And the CSM got the check's DM, his manager the escalation
    assert any("Health check due: Halvorsen Freight AS" in c["payload"]["text"] for c in _dms_to(stack, TOMAS))
    assert any("Escalation: Halvorsen Freight AS" in c["payload"]["text"] for c in _dms_to(stack, MARCUS))


def test_expansion_signals_reach_the_account_executive_once(stack, tap):
    t0 = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=20)
    # Given Nordlys is green with 92 % of its seats active (Gainsight) and an executive at the last meeting
    usage = json.loads((FIXTURES / "gainsight" / "usage-snapshot-nordlys.json").read_text())
    usage |= {"event_id": "e2e-nordlys-usage", "occurred_at": t0.isoformat()}
    _send(stack, "gainsight", usage, "gainsight_token")
    gainsight(stack, "meeting_held", NORDLYS_GAINSIGHT, "e2e-n-m1", t0, kind="EBR", executive_present=True)
    wait_until_idle(stack)
    assert _of(tap.drain(), "ExpansionSignal") == []  # +3 of 5
    # When a new department asks about the product and a premium-tier feature is requested (generic webhook)
    generic(stack, "DepartmentInterestExpressed", "acc-nordlys", "e2e-d1", t0 + timedelta(minutes=1),
            {"department": "Store Operations"})  # fmt: skip
    generic(stack, "FeatureRequested", "acc-nordlys", "e2e-f1", t0 + timedelta(minutes=2),
            {"feature": "Demand forecasting", "premium": True})  # fmt: skip
    wait_until_idle(stack)
    # Then one ExpansionSignal with its reasons is on the bus, and the AE got one DM
    [signal] = _of(tap.drain(), "ExpansionSignal")
    assert [r["signal"] for r in signal["detail"]["data"]["reasons"]] == ["high_adoption", "new_department"]
    [dm] = [c for c in _dms_to(stack, JONAS) if "Nordlys" in c["payload"]["text"]]
    assert "Schedule discovery call" in json.dumps(dm["payload"]["blocks"], ensure_ascii=False)
