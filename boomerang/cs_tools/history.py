"""Past health scores and the renewals they predicted (examples/cs/history.csv), read by ``backtest``,
``calibrate`` and ``forecast --history``.

One row is one account's score in one quarter (``period``). ``renewal_date``/``outcome``/``arr_before``/
``arr_after`` describe the account's next renewal after that quarter, repeated on every row that leads up
to it; ``outcome`` is empty while that renewal has not happened yet. A renewal is judged by the latest
score of a quarter that ended on or before its renewal date.
"""

from __future__ import annotations

import argparse
from collections import defaultdict
from pathlib import Path
from typing import Any

from services.common.models.config import Health, PillarWeights
from services.scoring.logic.health import combine, status, weights_for

from .common import PILLARS, SEGMENTS, Column, InputError, choice, duplicates, iso_date, number, quarter, read_csv, text

OUTCOMES = ("renewed", "churned", "contracted", "expanded")

HISTORY_COLUMNS = (
    Column("account_id", text, help="account id"),
    Column("segment", choice(*SEGMENTS), help="Enterprise, Mid-Market, SMB or Strategic"),
    Column("period", quarter, help="quarter of the score, e.g. 2025Q3 (one row per account and quarter)"),
    Column("product", number(0, 10), required=False, help="Product pillar mean, 0–10"),
    Column("relationship", number(0, 10), required=False, help="Relationship pillar mean, 0–10"),
    Column("outcomes", number(0, 10), required=False, help="Outcomes pillar mean, 0–10"),
    Column("score", number(0, 100), required=False, help="score given at the time, 0–100 (else from pillars)"),
    Column("status", choice("green", "yellow", "red"), required=False, help="status given (else from score)"),
    Column("renewal_date", iso_date, help="the account's next renewal after this quarter"),
    Column(
        "outcome", choice(*OUTCOMES), required=False, help="renewed, churned, contracted or expanded; empty: not yet"
    ),
    Column("arr_before", number(0), required=False, help="ARR up for renewal, USD (required with an outcome)"),
    Column("arr_after", number(0), required=False, help="ARR after the renewal, USD (0 or empty when churned)"),
)


def add_history_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--history", required=True, metavar="FILE", help="history CSV (examples/cs/history.csv)")


def _row_problems(row: dict[str, Any], file: str) -> list[str]:
    where = f"{file} row {row['_row']}"
    problems = []
    if row["score"] is None and all(row[p] is None for p in PILLARS):
        problems.append(f"{where}: needs a score or at least one of product, relationship, outcomes")
    outcome, before, after = row["outcome"], row["arr_before"], row["arr_after"]
    if outcome is None:
        return problems
    if before is None:
        problems.append(f"{where}: arr_before: required when outcome is set")
        return problems
    if outcome == "churned":
        if after:
            problems.append(f"{where}: arr_after: a churned account keeps no ARR, got {after:g}")
        row["arr_after"] = 0.0
    elif after is None:
        problems.append(f"{where}: arr_after: required when outcome is {outcome}")
    elif outcome == "renewed" and after != before:
        problems.append(f"{where}: outcome renewed needs arr_after = arr_before; use contracted or expanded")
    elif outcome == "contracted" and not 0 < after < before:
        problems.append(f"{where}: outcome contracted needs 0 < arr_after < arr_before")
    elif outcome == "expanded" and after <= before:
        problems.append(f"{where}: outcome expanded needs arr_after > arr_before")
    if row["period"].start > row["renewal_date"]:
        problems.append(f"{where}: renewal_date {row['renewal_date']} is before period {row['period']}")
    return problems


def read_history(path: Path) -> list[dict[str, Any]]:
    problems: list[str] = []
    rows = read_csv(path, HISTORY_COLUMNS, problems)
    problems += duplicates(rows, lambda r: f"{r['account_id']!r} in {r['period']}", path.name, "score of")
    for row in rows:
        problems.extend(_row_problems(row, path.name))
    first: dict[tuple[str, Any], dict[str, Any]] = {}
    for row in rows:
        key = (row["account_id"], row["renewal_date"])
        seen = first.setdefault(key, row)
        facts = ("outcome", "arr_before", "arr_after")
        if seen is not row and row["outcome"] and seen["outcome"] and any(row[f] != seen[f] for f in facts):
            problems.append(
                f"{path.name} row {row['_row']}: renewal of {row['account_id']} on {row['renewal_date']}"
                f" disagrees with row {seen['_row']} (outcome/arr_before/arr_after)"
            )
    if problems:
        raise InputError(sorted(problems, key=_row_number))
    return rows


def _row_number(problem: str) -> int:
    """Sort key: problems in file order (by the row number they name)."""
    parts = problem.split(" row ", 1)
    digits = parts[1].split(":", 1)[0] if len(parts) > 1 else ""
    return int(digits) if digits.isdigit() else 0


def score_of(row: dict[str, Any], health: Health, weights: PillarWeights | None = None) -> tuple[float | None, str]:
    """The row's (score, status): as recorded, or recomputed with ``weights`` when given (calibration)."""
    if weights is not None or row["score"] is None:
        use = weights or weights_for(row["segment"], health)
        score = combine({p: row[p] for p in PILLARS}, use).score
        if score is None:
            return None, "unscored"
        return score, status(score, health)
    return row["score"], row["status"] or status(row["score"], health)


def renewals(
    rows: list[dict[str, Any]], health: Health, weights: dict[str, PillarWeights] | None = None
) -> list[dict[str, Any]]:
    """One record per past renewal (account, renewal date) with the status that predicted it and the
    snapshots leading up to it. ``weights`` (per segment) recomputes every score, for calibration."""
    groups: dict[tuple[str, Any], list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        if row["outcome"] is not None:
            groups[(row["account_id"], row["renewal_date"])].append(row)
    out = []
    for (account_id, renewal_date), group in sorted(groups.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        before = sorted((r for r in group if r["period"].end <= renewal_date), key=lambda r: r["period"])
        if not before:
            continue  # no score ended before this renewal: nothing predicted it
        last = before[-1]
        use = None if weights is None else weights.get(last["segment"], weights_for(last["segment"], health))
        timeline = [(r["period"], *score_of(r, health, use)) for r in before]
        score, band = timeline[-1][1], timeline[-1][2]
        first_red = next((p for p, _, s in timeline if s == "red"), None)
        out.append(
            {
                "account_id": account_id,
                "segment": last["segment"],
                "renewal_date": renewal_date,
                "period": last["period"],
                "pillars": {p: last[p] for p in PILLARS},
                "score": score,
                "status": band,
                "outcome": last["outcome"],
                "arr_before": last["arr_before"],
                "arr_after": last["arr_after"],
                "first_red": first_red,
                "days_red_before": None if first_red is None else (renewal_date - first_red.end).days,
            }
        )
    return out
