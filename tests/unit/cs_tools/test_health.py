from __future__ import annotations

import json

import pytest

from boomerang.cs_tools import health

from .conftest import EXAMPLES, lacking

ACME = ["--product", "9,8,9,9", "--relationship", "8,7,9,8", "--outcomes", "8,9,8"]


def test_acme_is_84_green_with_the_seeds_breakdown(capsys):
    # Given the seed's Acme Corp sub-metrics
    # When scored with the default 40/30/30 weights
    code = health.run(ACME)
    # Then the breakdown matches the seed's worked example: 3.50 + 2.40 + 2.50, × 10 = 84, Green
    out = capsys.readouterr().out
    assert code == 0
    assert "8.75 × 0.40 = 3.50" in out
    assert "8.00 × 0.30 = 2.40" in out
    assert "8.33 × 0.30 = 2.50" in out
    assert "Total: (3.50 + 2.40 + 2.50) × 10 = 84 → Green" in out


def test_acme_json_parses(capsys):
    # Given Acme, When asked for JSON
    assert health.run([*ACME, "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    # Then it is machine-readable with the same numbers
    assert round(data["score"]) == 84
    assert data["status"] == "green"
    assert data["confidence"] == 1.0
    assert data["pillars"]["product"]["contribution"] == pytest.approx(3.5)


def test_omitted_pillar_is_reweighted_and_confidence_shown(capsys):
    # Given only product and relationship
    assert health.run(["--product", "9,8,9,9", "--relationship", "8,7,9,8", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    # Then outcomes is not counted as zero, and confidence is 70 %
    assert data["pillars"]["outcomes"]["mean"] is None
    assert data["confidence"] == 0.7
    assert data["score"] == pytest.approx((0.4 * 8.75 + 0.3 * 8) / 0.7 * 10, abs=0.01)


def test_sub_metric_out_of_range_is_a_usage_error(capsys):
    # Given a sub-metric of 11, When run, Then argparse rejects it (exit 2)
    with pytest.raises(SystemExit) as exc:
        health.run(["--product", "9,11"])
    assert exc.value.code == 2
    assert "0–10" in capsys.readouterr().err


def test_customer_without_tables_or_scores_file_says_what_to_pass(capsys, monkeypatch):
    # Given --customer, no table names (flags or environment) and no --scores
    monkeypatch.delenv("STATE_TABLE", raising=False)
    monkeypatch.delenv("PORTFOLIO_TABLE", raising=False)
    # When run, Then exit 2 naming the flags and the stack outputs to take them from
    assert health.run(["--customer", "Halvorsen Freight AS"]) == 2
    assert lacking(capsys.readouterr().err, "--state-table", "StateTableName", "--scores FILE") == []


def test_customer_from_scores_file(capsys):
    # Given the example stored scores, When asking for Halvorsen by name
    code = health.run(["--customer", "halvorsen freight as", "--scores", str(EXAMPLES / "scores.csv")])
    # Then its stored score and status are shown
    out = capsys.readouterr().out
    assert code == 0
    assert "Stored score: 86 → Green" in out


def test_bad_scores_row_is_rejected_with_its_row_number(capsys, write_csv):
    # Given a scores file whose second data row has a score of 140
    path = write_csv(
        "scores.csv",
        """
account_id,name,score,status
acc-a,A,80,green
acc-b,B,140,green
""",
    )
    # When looking up a customer in it, Then exit 1, the row named, nothing printed as a result
    assert health.run(["--customer", "A", "--scores", str(path)]) == 1
    captured = capsys.readouterr()
    assert "scores.csv row 3: score: must be at most 100" in captured.err
    assert captured.out == ""
