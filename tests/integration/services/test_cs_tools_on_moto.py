"""CS tools on the deployed tables (moto): `health --customer NAME` reads the stored score with its explanation;
`forecast --period` reads the quarter's renewals and their stored scores."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from boomerang.cs_tools import forecast, health
from services.common.models.events import EventType
from tests.fakes import bus_message, generic_event
from tests.integration.services.conftest import Context, sqs_event


def _score_halvorsen() -> None:
    from services.scoring.handlers.consume import handler

    t0 = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=3)
    usage = {
        "active_users": 170,
        "licensed_seats": 180,
        "logins_30d": 2400,
        "features_adopted": 8,
        "features_available": 10,
    }
    low = {
        "active_users": 60,
        "licensed_seats": 180,
        "logins_30d": 900,
        "features_adopted": 4,
        "features_available": 10,
    }
    batch = [
        _bus_message(EventType.USAGE_REPORTED, usage, "u1", t0),
        _bus_message(EventType.MEETING_HELD, {"executive_present": True}, "m1", t0 + timedelta(minutes=1)),
        _bus_message(EventType.NPS_RESPONDED, {"response_id": "n1", "score": 9}, "n1", t0 + timedelta(minutes=2)),
        _bus_message(EventType.USAGE_REPORTED, low, "u2", t0 + timedelta(hours=1)),
    ]
    assert handler(sqs_event(batch), Context()) == {"batchItemFailures": []}


def test_health_customer_by_name_reads_the_stored_score_and_explains_it(aws, capsys):
    # Given Halvorsen was scored by the scoring function
    _score_halvorsen()
    # When CS ops asks for it by name (any case), naming the tables as the stack outputs do
    args = ["--customer", "halvorsen freight as", "--state-table", "state", "--portfolio-table", "portfolio"]
    assert health.run(args) == 0
    out = capsys.readouterr().out
    # Then the stored score, each pillar with its sub-metrics and their inputs, confidence and trend are shown
    shown = (
        "Health score of Halvorsen Freight AS (acc-halvorsen, Enterprise)",
        "active 3.7 (active_users 60, licensed_seats 180)",
        "meetings 10 (last 1 meeting(s): 1 attended (1 with an executive), 0 missed",
        "Confidence:",
        "Missing (not counted as zero): response, goals, roi, impact",
        "Moved most at the last change",
        "active 10 → 3.7",
        "History (announced changes, newest first):",
    )
    assert [line for line in shown if line not in out] == []

    # And --format json carries the same, by account id too
    assert health.run(["--customer", "acc-halvorsen", "--state-table", "state", "--portfolio-table", "portfolio",
                       "--format", "json"]) == 0  # fmt: skip
    data = json.loads(capsys.readouterr().out)
    assert data["customer"]["account_id"] == "acc-halvorsen"
    assert data["recomputed_score"] == data["score"]
    assert data["explanation"]["submetrics"]["product"]["active"]["inputs"] == {
        "active_users": 60,
        "licensed_seats": 180,
    }
    assert data["status"] in ("green", "yellow")
    assert data["history"][0]["status"] == data["last_announced"]["status"]


def test_health_customer_unknown_or_unscored_is_a_clear_error(aws, capsys):
    tables = ["--state-table", "state", "--portfolio-table", "portfolio"]
    assert health.run(["--customer", "Nobody Inc", *tables]) == 1
    assert "no account with id or name 'Nobody Inc'" in capsys.readouterr().err
    assert health.run(["--customer", "Kestrel Components Inc.", *tables]) == 1
    assert "no stored score yet" in capsys.readouterr().err


def test_forecast_reads_the_quarters_renewals_and_their_stored_scores(aws, capsys):
    # Given Halvorsen (renews 2027-03-31) was scored; Brightwater and Copperline (2027Q1 too) were not
    _score_halvorsen()
    capsys.readouterr()  # the scoring function's logs
    # When the 2027Q1 forecast is asked of the tables
    args = ["--period", "2027Q1", "--portfolio-table", "portfolio", "--state-table", "state", "--format", "json"]
    assert forecast.run(args) == 0
    data = json.loads(capsys.readouterr().out)
    # Then the three renewals of the quarter are forecast, Halvorsen with its stored score
    by_id = {r["account_id"]: r for r in data["renewals"]}
    assert set(by_id) == {"acc-brightwater", "acc-copperline", "acc-halvorsen"}
    assert (by_id["acc-halvorsen"]["health_score"], by_id["acc-halvorsen"]["band"]) == (76.48, "yellow")
    assert by_id["acc-brightwater"]["band"] == "unscored"
    assert data["expiring_arr"] == 118_000 + 26_400 + 264_000
    assert data["expected_renewed_arr"] == round(408_400 * 0.75, 2)  # yellow and unscored: the yellow P


def _bus_message(event_type: EventType, data: dict, sid: str, at: datetime) -> str:
    return bus_message(generic_event(event_type, data, sid, at, account_id="acc-halvorsen"))


def test_health_customer_after_the_first_score_says_not_measured_never_none(aws, capsys):
    # Given Halvorsen's first score: one usage snapshot, announced against no earlier sub-metrics
    from services.scoring.handlers.consume import handler

    usage = {"active_users": 170, "licensed_seats": 180, "logins_30d": 2400}
    at = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    assert handler(sqs_event([_bus_message(EventType.USAGE_REPORTED, usage, "first", at)]), Context()) == {
        "batchItemFailures": []
    }
    capsys.readouterr()
    # When CS ops reads the stored score
    assert health.run(["--customer", "acc-halvorsen", "--state-table", "state", "--portfolio-table", "portfolio"]) == 0
    out = capsys.readouterr().out
    # Then what had no value before reads "not measured", numbers as a CS user writes them, never Python's None
    assert "None" not in out
    assert "tickets not measured → 10" in out
    assert "licensed_seats 180," in out
