"""``boomerang backtest``: past health scores against what actually happened at renewal, reported as the
seed's success criteria.

Per renewal (account × renewal date with an outcome), with ``B`` = arr_before and ``A`` = arr_after:

* health-score accuracy = green-scored renewals that renewed (renewed, expanded or contracted) ÷ green-scored
  renewals; target ≥ 80 %
* GRR = Σ min(A, B) ÷ Σ B  (renewed ARR excluding expansion ÷ expiring ARR); target ≥ 90 %
* NRR = (Renewed + Expansion − Contraction) ÷ Beginning ARR = Σ A ÷ Σ B, where Renewed = Σ B of the
  accounts that did not churn; target ≥ 110 %
* logo retention = renewals that did not churn ÷ renewals; target ≥ 90 %
* early warning = median days from the first red score (end of its quarter) to the churn date (the renewal
  date) over churned renewals; churned accounts never scored red are counted as missed. Target ≥ 90 days
  (ours: the seed moves renewals to weekly monitoring 90 days out).
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from services.common.models.config import Health

from .common import (
    SEGMENTS,
    columns_help,
    load_health,
    money,
    parse,
    parser_for,
    pct,
    reports_input_errors,
    show,
    table,
)
from .history import HISTORY_COLUMNS, add_history_arg, read_history, renewals

TARGETS = {"accuracy": 0.80, "grr": 0.90, "nrr": 1.10, "logo_retention": 0.90, "early_warning_days": 90}


def _ratio(numerator: float, denominator: float) -> float | None:
    return numerator / denominator if denominator else None


def metrics(cases: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The success criteria over a set of renewals (see the module docstring for the formulas)."""
    kept = [c for c in cases if c["outcome"] != "churned"]
    green = [c for c in cases if c["status"] == "green"]
    red = [c for c in cases if c["status"] == "red"]
    churned = [c for c in cases if c["outcome"] == "churned"]
    beginning = sum(c["arr_before"] for c in cases)
    renewed = sum(c["arr_before"] for c in kept)
    expansion = sum(max(0.0, c["arr_after"] - c["arr_before"]) for c in kept)
    contraction = sum(max(0.0, c["arr_before"] - c["arr_after"]) for c in kept)
    churn_arr = beginning - renewed
    flagged = [c["days_red_before"] for c in churned if c["days_red_before"] is not None]
    return {
        "renewals": len(cases),
        "churned": len(churned),
        "beginning_arr": beginning,
        "renewed_arr": renewed,
        "expansion_arr": expansion,
        "contraction_arr": contraction,
        "churned_arr": churn_arr,
        "accuracy": _ratio(sum(1 for c in green if c["outcome"] != "churned"), len(green)),
        "green_renewals": len(green),
        "red_renewals": len(red),
        "red_that_churned": _ratio(sum(1 for c in red if c["outcome"] == "churned"), len(red)),
        "churned_flagged_red": _ratio(len(flagged), len(churned)),
        "grr": _ratio(renewed - contraction, beginning),
        "nrr": _ratio(renewed + expansion - contraction, beginning),
        "logo_retention": _ratio(len(kept), len(cases)),
        "early_warning_days": statistics.median(flagged) if flagged else None,
        "churned_never_red": len(churned) - len(flagged),
    }


def verdicts(m: dict[str, Any]) -> dict[str, dict[str, Any]]:
    out = {}
    for key, target in TARGETS.items():
        value = m[key]
        out[key] = {"value": value, "target": target, "pass": None if value is None else value >= target}
    return out


def backtest(rows: list[dict[str, Any]], health: Health) -> dict[str, Any]:
    cases = renewals(rows, health)
    overall = metrics(cases)
    by_segment = {s: metrics([c for c in cases if c["segment"] == s]) for s in SEGMENTS}
    matrix = {
        band: {o: sum(1 for c in cases if c["status"] == band and c["outcome"] == o) for o in _OUTCOME_ORDER}
        for band in ("green", "yellow", "red", "unscored")
    }
    periods = sorted({r["period"] for r in rows})
    return {
        "periods": f"{periods[0]}–{periods[-1]}" if periods else None,
        "accounts": len({r["account_id"] for r in rows}),
        "rows": len(rows),
        "overall": overall,
        "criteria": verdicts(overall),
        "status_vs_outcome": {band: counts for band, counts in matrix.items() if any(counts.values())},
        "segments": {s: m for s, m in by_segment.items() if m["renewals"]},
        "churned": [
            {
                "account_id": c["account_id"],
                "segment": c["segment"],
                "renewal_date": c["renewal_date"].isoformat(),
                "arr": c["arr_before"],
                "last_status": c["status"],
                "first_red": None if c["first_red"] is None else str(c["first_red"]),
                "days_red_before": c["days_red_before"],
            }
            for c in cases
            if c["outcome"] == "churned"
        ],
    }


_OUTCOME_ORDER = ("renewed", "expanded", "contracted", "churned")
_LABELS = {
    "accuracy": "Health-score accuracy (green that renewed)",
    "grr": "Gross revenue retention (GRR)",
    "nrr": "Net revenue retention (NRR)",
    "logo_retention": "Logo retention",
    "early_warning_days": "Early warning (median days red before churn)",
}


def _value(key: str, value: float | None) -> str:
    if value is None:
        return "n/a"
    return f"{value:.0f} days" if key == "early_warning_days" else pct(value)


def render(data: dict[str, Any]) -> str:
    o = data["overall"]
    lines = [
        f"Backtest of {data['rows']} scores of {data['accounts']} accounts ({data['periods']}):"
        f" {o['renewals']} renewals, {o['churned']} churned",
        "",
    ]
    rows = []
    for key, v in data["criteria"].items():
        target = f"≥ {v['target']} days" if key == "early_warning_days" else f"≥ {pct(v['target'], 0)}"
        verdict = "n/a" if v["pass"] is None else "PASS" if v["pass"] else "FAIL"
        rows.append([_LABELS[key], _value(key, v["value"]), target, verdict])
    lines.append(table(["criterion", "actual", "target", "result"], rows, right=(1,)))
    lines.append("")
    lines.append(
        f"ARR: beginning {money(o['beginning_arr'])}, renewed {money(o['renewed_arr'])}, expansion"
        f" {money(o['expansion_arr'])}, contraction {money(o['contraction_arr'])}, churned {money(o['churned_arr'])}"
    )
    lines.append(
        f"Green renewals: {o['green_renewals']}; red renewals: {o['red_renewals']}"
        f" ({pct(o['red_that_churned'])} of them churned); churned accounts flagged red first:"
        f" {pct(o['churned_flagged_red'])} ({o['churned_never_red']} never red)"
    )
    lines.append("")
    lines.append("Last status before renewal vs outcome:")
    matrix = data["status_vs_outcome"]
    lines.append(
        table(
            ["status", *_OUTCOME_ORDER],
            [[band, *[counts[o] for o in _OUTCOME_ORDER]] for band, counts in matrix.items()],
            right=(1, 2, 3, 4),
        )
    )
    lines.append("")
    lines.append("By segment (recalibrate where accuracy or early warning is weak: `boomerang calibrate`):")
    seg_rows = [
        [
            s,
            m["renewals"],
            m["churned"],
            pct(m["accuracy"]),
            pct(m["grr"]),
            pct(m["nrr"]),
            pct(m["logo_retention"]),
            pct(m["churned_flagged_red"]),
            _value("early_warning_days", m["early_warning_days"]),
        ]
        for s, m in data["segments"].items()
    ]
    headers = ["segment", "renewals", "churned", "accuracy", "GRR", "NRR", "logos", "churn red", "warning"]
    lines.append(table(headers, seg_rows, right=(1, 2, 3, 4, 5, 6, 7, 8)))
    return "\n".join(lines)


@reports_input_errors
def run(argv: list[str]) -> int:
    parser = parser_for(
        "backtest",
        "Compare past health scores with renewal outcomes and report the seed's success criteria"
        " (accuracy, GRR, NRR, logo retention, early warning), each with its target.",
        "--history columns (one row per account and quarter):\n"
        + columns_help(HISTORY_COLUMNS)
        + "\n\nA renewal is judged by the latest score of a quarter that ended on or before its renewal date."
        "\nScores are taken as recorded; rows without a score are scored from their pillars with the config.",
    )
    add_history_arg(parser)
    args = parse(parser, argv)
    data = backtest(read_history(Path(args.history)), load_health(args.config))
    if not data["overall"]["renewals"]:
        print(f"{args.history}: no renewal with an outcome and an earlier score; nothing to backtest")
        return 1
    return show(data, args.format, render)
