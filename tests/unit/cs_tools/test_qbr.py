from __future__ import annotations

import json
from pathlib import Path

from boomerang.cs_tools import qbr

from .conftest import EXAMPLES, PORTFOLIO, lacking

BASE = ["--data", str(PORTFOLIO), "--metrics", str(EXAMPLES / "quarterly_metrics.csv")]
EXTRAS = [
    *("--achievements", str(EXAMPLES / "achievements.csv")),
    *("--goals", str(EXAMPLES / "goals.csv")),
    *("--value", str(EXAMPLES / "value.csv")),
]


def test_halvorsen_2026q4_fills_the_seeds_template(tmp_path: Path, capsys):
    # Given the example data, When writing Halvorsen's 2026Q4 QBR to a file
    out = tmp_path / "qbr.md"
    code = qbr.run(["--customer", "Halvorsen Freight AS", "--quarter", "2026Q4", *BASE, *EXTRAS, "--out", str(out)])
    # Then the seed's sections are filled from the data
    assert code == 0
    text = out.read_text(encoding="utf-8")
    assert text.startswith("# Quarterly Business Review: Halvorsen Freight AS")
    assert lacking(text, "## Partnership Summary", "## Quarter in Review", "### Metrics", "## Value Delivered") == []
    assert (
        lacking(
            text,
            "- Customer since: 2022-04-01",
            "- Current ARR: $264,000",
            "- Users: 158 active / 180 licensed",
            "| Active users | 144 | 158 | up (from 153, better) |",
            "| Exception resolution time | 6 h | 4.5 h | down (from 5.8 h, better) |",
            "- Time saved: 1240 hours",
            "## Next Quarter Goals (2027Q1)",
            "1. Extend tracking to the Swedish cross-dock",
        )
        == []
    )


def test_without_optional_files_nothing_is_invented(capsys):
    # Given only the metrics, When writing a QBR for Tasman (by account id), Then gaps are marked
    assert qbr.run(["--customer", "acc-tasman", "--quarter", "2026Q4", *BASE]) == 0
    text = capsys.readouterr().out
    assert lacking(text, "- Time saved: _not recorded_", "1. _not recorded_") == []


def test_json_parses(capsys):
    assert qbr.run(["--customer", "Kestrel Components Inc.", "--quarter", "2026Q4", *BASE, "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["quarter"] == "2026Q4"
    assert {m["metric"] for m in data["metrics"]} >= {"Active users", "On-time delivery rate"}


def test_trend():
    assert qbr.trend(110, 100) == "up"
    assert qbr.trend(90, 100) == "down"
    assert qbr.trend(100.5, 100) == "flat"
    assert qbr.trend(5, None) == "new"


def test_unknown_customer_exit_1(capsys):
    assert qbr.run(["--customer", "Nobody Inc", "--quarter", "2026Q4", *BASE]) == 1
    assert "no account named 'Nobody Inc'" in capsys.readouterr().err


def test_bad_metrics_row_is_rejected(capsys, write_csv):
    # Given a metrics file with an unparseable quarter on row 3
    path = write_csv(
        "metrics.csv",
        """
account_id,quarter,metric,target,actual
acc-tasman,2026Q4,Active users,32,34
acc-tasman,Q4,Active users,32,x
""",
    )
    # When writing a QBR, Then exit 1 naming the row and both reasons, nothing on stdout
    code = qbr.run(
        ["--customer", "acc-tasman", "--quarter", "2026Q4", "--data", str(PORTFOLIO), "--metrics", str(path)]
    )
    captured = capsys.readouterr()
    assert code == 1
    assert "metrics.csv row 3: quarter: not a quarter" in captured.err
    assert "metrics.csv row 3: actual: not a number" in captured.err
    assert captured.out == ""
