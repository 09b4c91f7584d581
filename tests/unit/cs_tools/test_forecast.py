from __future__ import annotations

import json

import pytest

from boomerang.cs_tools import forecast

from .conftest import EXAMPLES, lacking

ARGS = ["--period", "2027Q1", "--portfolio", str(EXAMPLES / "customers.csv"), "--format", "json"]


def test_2027q1_examples_with_default_probabilities(capsys):
    # Given the examples, When forecasting 2027Q1 with the default probabilities
    assert forecast.run(ARGS) == 0
    data = json.loads(capsys.readouterr().out)
    # Then Brightwater and Copperline (red) and Halvorsen (green) are due
    assert [r["account_id"] for r in data["renewals"]] == ["acc-brightwater", "acc-copperline", "acc-halvorsen"]
    assert data["probabilities"] == {"green": 0.95, "yellow": 0.75, "red": 0.40}
    assert data["expiring_arr"] == 408_400
    assert data["expected_renewed_arr"] == pytest.approx(264_000 * 0.95 + 144_400 * 0.40)
    assert data["expected_grr"] == pytest.approx((264_000 * 0.95 + 144_400 * 0.40) / 408_400)
    assert data["grr_meets_target"] is False


def test_flags_override_probabilities(capsys):
    # Given --p-red 0.5, When forecasting, Then red renewals use it and say so
    assert forecast.run([*ARGS, "--p-red", "0.5"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["bands"]["red"]["expected_arr"] == pytest.approx(144_400 * 0.5)
    assert data["probability_source"]["red"] == "--p-red"


def test_history_calibrates_bands_with_enough_renewals(capsys):
    # Given the example history, When forecasting with it
    assert forecast.run([*ARGS, "--history", str(EXAMPLES / "history.csv")]) == 0
    data = json.loads(capsys.readouterr().out)
    # Then green and yellow come from history, red (too few renewals) keeps its default
    assert data["probability_source"]["green"].startswith("history")
    assert data["probability_source"]["red"].startswith("default")
    assert 0 < data["probabilities"]["green"] <= 1


def test_text_output_states_probabilities(capsys):
    assert forecast.run(ARGS[:-2]) == 0
    out = capsys.readouterr().out
    assert "green 0.95 (default)" in out
    assert "Expected GRR: 75.6 % (below the 90 % target)" in out


def test_without_portfolio_or_tables_exit_2(capsys, monkeypatch):
    monkeypatch.delenv("STATE_TABLE", raising=False)
    monkeypatch.delenv("PORTFOLIO_TABLE", raising=False)
    assert forecast.run(["--period", "2027Q1"]) == 2
    assert lacking(capsys.readouterr().err, "--portfolio FILE", "--portfolio-table") == []


def test_bad_period_is_a_usage_error():
    with pytest.raises(SystemExit):
        forecast.run(["--period", "Q5-2027", "--portfolio", "x.csv"])
