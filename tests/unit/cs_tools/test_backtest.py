from __future__ import annotations

import json

import pytest

from boomerang.cs_tools import backtest

from .conftest import EXAMPLES, lacking

# Four renewals on 2025-06-30, each judged by the 2025Q2 score (its quarter ends on the renewal date):
#   A green, renewed 100 → 100;  B green, expanded 100 → 150;  C yellow, contracted 100 → 80;
#   D red since 2025Q1 (ends 2025-03-31), churned 100 → 0: flagged 91 days before the churn.
TINY = """
account_id,segment,period,score,status,renewal_date,outcome,arr_before,arr_after
A,SMB,2025Q1,85,green,2025-06-30,renewed,100,100
A,SMB,2025Q2,86,green,2025-06-30,renewed,100,100
B,SMB,2025Q2,90,green,2025-06-30,expanded,100,150
C,SMB,2025Q2,70,yellow,2025-06-30,contracted,100,80
D,SMB,2024Q4,70,yellow,2025-06-30,churned,100,0
D,SMB,2025Q1,55,red,2025-06-30,churned,100,0
D,SMB,2025Q2,50,red,2025-06-30,churned,100,
E,SMB,2025Q2,50,red,2026-06-30,,,
"""


def test_metric_formulas_on_a_tiny_history(capsys, write_csv):
    # Given the hand-made history above
    path = write_csv("history.csv", TINY)
    # When backtested
    assert backtest.run(["--history", str(path), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    o = data["overall"]
    # Then: beginning 400, renewed (prior ARR of the 3 kept) 300, expansion 50, contraction 20
    assert (o["beginning_arr"], o["renewed_arr"], o["expansion_arr"], o["contraction_arr"]) == (400, 300, 50, 20)
    assert o["grr"] == pytest.approx((300 - 20) / 400)  # 70 %
    assert o["nrr"] == pytest.approx((300 + 50 - 20) / 400)  # 82.5 %
    assert o["logo_retention"] == pytest.approx(3 / 4)
    assert o["accuracy"] == pytest.approx(2 / 2)  # both green accounts renewed
    assert o["early_warning_days"] == 91
    assert o["renewals"] == 4  # E's renewal has no outcome yet
    assert data["criteria"]["grr"] == {"value": pytest.approx(0.7), "target": 0.9, "pass": False}
    assert data["criteria"]["accuracy"]["pass"] is True


def test_examples_report_the_success_criteria(capsys):
    # Given the example history (8 quarters, 40 accounts), When backtested as text
    assert backtest.run(["--history", str(EXAMPLES / "history.csv")]) == 0
    out = capsys.readouterr().out
    # Then each criterion is shown with its target and verdict
    assert (
        lacking(
            out,
            "68 renewals, 11 churned",
            "Health-score accuracy (green that renewed)     94.1 %  ≥ 80 %     PASS",
            "Gross revenue retention (GRR)                  82.1 %  ≥ 90 %     FAIL",
            "Net revenue retention (NRR)",
            "≥ 110 %",
            "Logo retention",
        )
        == []
    )


def test_examples_json_parses(capsys):
    assert backtest.run(["--history", str(EXAMPLES / "history.csv"), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data["criteria"]) == {"accuracy", "grr", "nrr", "logo_retention", "early_warning_days"}
    assert len(data["churned"]) == data["overall"]["churned"] == 11


def test_inconsistent_rows_are_rejected_with_row_numbers(capsys, write_csv):
    # Given a churned row that keeps ARR (row 2), an unknown outcome (row 3) and a repeated quarter (row 4)
    path = write_csv(
        "history.csv",
        """
account_id,segment,period,score,renewal_date,outcome,arr_before,arr_after
A,SMB,2025Q1,50,2025-06-30,churned,100,20
B,SMB,2025Q1,50,2025-06-30,lost,100,0
A,SMB,2025Q1,55,2025-06-30,,,
""",
    )
    # When backtested, Then exit 1 and each problem names its row
    assert backtest.run(["--history", str(path)]) == 1
    captured = capsys.readouterr()
    assert (
        lacking(
            captured.err,
            "history.csv row 2: arr_after: a churned account keeps no ARR",
            "history.csv row 3: outcome: expected one of renewed, churned, contracted, expanded",
            "history.csv row 4: score of 'A' in 2025Q1 repeats row 2",
        )
        == []
    )
    assert captured.out == ""
