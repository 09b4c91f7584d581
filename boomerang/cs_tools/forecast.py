"""``boomerang forecast``: renewals due in a quarter and their expected renewed ARR by health band.

Expected renewed ARR = Σ ARR × P(renew | band). The probabilities are the defaults below, or calibrated
from a history file (per band: renewed ARR excluding expansion ÷ expiring ARR, i.e. the band's GRR, when
the band has at least ``MIN_HISTORY`` renewals), or set by flags, which win. An account without a health
score is forecast with the yellow probability and shown as ``unscored``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from boomerang.aws_endpoint import use_endpoint
from services.common.models.config import Health
from services.scoring.logic.health import status

from .common import (
    Quarter,
    add_table_args,
    columns_help,
    load_health,
    money,
    num,
    parse,
    parser_for,
    pct,
    probability_arg,
    quarter_arg,
    reports_input_errors,
    show,
    table,
)
from .customers import CUSTOMER_COLUMNS, read_customers
from .history import HISTORY_COLUMNS, read_history, renewals

DEFAULTS = {"green": 0.95, "yellow": 0.75, "red": 0.40}
BANDS = ("green", "yellow", "red", "unscored")
MIN_HISTORY = 5
GRR_TARGET = 0.90


def calibrated(history: list[dict[str, Any]], health: Health) -> dict[str, dict[str, Any]]:
    """Per band: the ARR-weighted renewal rate (GRR) of past renewals, by the status they had before."""
    out: dict[str, dict[str, Any]] = {}
    for band in ("green", "yellow", "red"):
        cases = [r for r in renewals(history, health) if r["status"] == band]
        expiring = sum(r["arr_before"] for r in cases)
        kept = sum(min(r["arr_after"], r["arr_before"]) for r in cases)
        out[band] = {"renewals": len(cases), "probability": kept / expiring if expiring else None}
    return out


def probabilities(
    args: argparse.Namespace, history: list[dict[str, Any]] | None, health: Health
) -> tuple[dict[str, float], dict[str, str]]:
    probs = dict(DEFAULTS)
    source = dict.fromkeys(DEFAULTS, "default")
    if history is not None:
        for band, fit in calibrated(history, health).items():
            if fit["probability"] is not None and fit["renewals"] >= MIN_HISTORY:
                probs[band] = round(fit["probability"], 4)
                source[band] = f"history: {fit['renewals']} renewals"
            else:
                source[band] = f"default: history has {fit['renewals']} {band} renewals, fewer than {MIN_HISTORY}"
    for band in DEFAULTS:
        flag = getattr(args, f"p_{band}")
        if flag is not None:
            probs[band] = flag
            source[band] = f"--p-{band}"
    return probs, source


def forecast(
    rows: list[dict[str, Any]], period: Quarter, health: Health, probs: dict[str, float], source: dict[str, str]
) -> dict[str, Any]:
    due = sorted(
        (r for r in rows if period.start <= r["renewal_date"] <= period.end),
        key=lambda r: (r["renewal_date"], r["account_id"]),
    )
    renewals_: list[dict[str, Any]] = []
    bands = {b: {"accounts": 0, "expiring_arr": 0.0, "expected_arr": 0.0} for b in BANDS}
    for row in due:
        score = row["health_score"]
        band = "unscored" if score is None else status(score, health)
        p = probs["yellow" if band == "unscored" else band]
        expected = row["arr"] * p
        renewals_.append(
            {
                "account_id": row["account_id"],
                "name": row["name"],
                "segment": row["segment"],
                "renewal_date": row["renewal_date"].isoformat(),
                "arr": row["arr"],
                "health_score": score,
                "band": band,
                "probability": p,
                "expected_arr": round(expected, 2),
            }
        )
        bands[band]["accounts"] += 1
        bands[band]["expiring_arr"] += row["arr"]
        bands[band]["expected_arr"] += expected
    expiring = sum(b["expiring_arr"] for b in bands.values())
    expected_total = sum(b["expected_arr"] for b in bands.values())
    grr = expected_total / expiring if expiring else None
    return {
        "period": str(period),
        "from": period.start.isoformat(),
        "to": period.end.isoformat(),
        "probabilities": probs,
        "probability_source": {**source, "unscored": "the yellow probability"},
        "renewals": renewals_,
        "bands": {b: {**v, "expected_arr": round(v["expected_arr"], 2)} for b, v in bands.items()},
        "expiring_arr": expiring,
        "expected_renewed_arr": round(expected_total, 2),
        "expected_arr_at_risk": round(expiring - expected_total, 2),
        "expected_grr": grr,
        "grr_target": GRR_TARGET,
        "grr_meets_target": None if grr is None else grr >= GRR_TARGET,
    }


def render(data: dict[str, Any]) -> str:
    lines = [f"Renewals due in {data['period']} ({data['from']} … {data['to']})", ""]
    lines.append(
        "P(renew) used: "
        + ", ".join(f"{b} {data['probabilities'][b]:.2f} ({data['probability_source'][b]})" for b in DEFAULTS)
        + "; unscored accounts use the yellow probability"
    )
    lines.append("")
    if not data["renewals"]:
        lines.append("No renewals due in this period.")
        return "\n".join(lines)
    rows = [
        [
            r["name"],
            r["segment"],
            r["renewal_date"],
            money(r["arr"]),
            num(r["health_score"]),
            r["band"],
            f"{r['probability']:.2f}",
            money(r["expected_arr"]),
        ]
        for r in data["renewals"]
    ]
    headers = ["account", "segment", "renewal", "ARR", "health", "band", "P", "expected"]
    lines.append(table(headers, rows, right=(3, 4, 6, 7)))
    lines.append("")
    band_rows = [
        [b, v["accounts"], money(v["expiring_arr"]), money(v["expected_arr"])]
        for b, v in data["bands"].items()
        if v["accounts"]
    ]
    band_rows.append(["total", len(data["renewals"]), money(data["expiring_arr"]), money(data["expected_renewed_arr"])])
    lines.append(table(["band", "accounts", "expiring ARR", "expected renewed"], band_rows, right=(1, 2, 3)))
    lines.append("")
    verdict = "meets" if data["grr_meets_target"] else "below"
    lines.append(
        f"Expected GRR: {pct(data['expected_grr'])} ({verdict} the {pct(data['grr_target'], 0)} target);"
        f" expected ARR at risk: {money(data['expected_arr_at_risk'])}"
    )
    return "\n".join(lines)


@reports_input_errors
def run(argv: list[str]) -> int:
    parser = parser_for(
        "forecast",
        "Forecast the renewals due in a quarter: expected renewed ARR by health band and the expected GRR.",
        "Without --portfolio, the renewals are read from the deployed tables (--portfolio-table, --state-table;\n"
        "boto3's credentials apply, or --endpoint-url with the moto URL `boomerang local` prints): the accounts\n"
        "renewing in the quarter and their stored health scores (insufficient data counts as unscored).\n\n"
        "--portfolio columns (the same export as `boomerang risk`; forecast uses account_id, name, segment, arr,"
        " renewal_date, health_score):\n"
        + columns_help(CUSTOMER_COLUMNS)
        + "\n\n--history columns (as `boomerang backtest`):\n"
        + columns_help(HISTORY_COLUMNS),
    )
    parser.add_argument("--period", required=True, type=quarter_arg, metavar="YYYYQn", help="e.g. 2027Q1")
    parser.add_argument("--portfolio", metavar="FILE", help="portfolio export CSV (e.g. examples/cs/customers.csv)")
    add_table_args(parser, "for the stored health scores", "to read the renewals from, without --portfolio")
    parser.add_argument("--history", metavar="FILE", help="calibrate the band probabilities from past renewals")
    for band, default in DEFAULTS.items():
        parser.add_argument(
            f"--p-{band}", type=probability_arg, metavar="P", help=f"P(renew) of a {band} account (default {default})"
        )
    args = parse(parser, argv)
    if not args.portfolio and not (args.portfolio_table and args.state_table):
        print(
            "boomerang forecast: give --portfolio FILE (a portfolio export, e.g. examples/cs/customers.csv), or "
            "--portfolio-table and --state-table (stack outputs PortfolioTableName / StateTableName, or "
            "PORTFOLIO_TABLE / STATE_TABLE) to forecast from the deployed tables",
            file=sys.stderr,
        )
        return 2
    health = load_health(args.config)
    if args.portfolio:
        rows = read_customers(Path(args.portfolio))
    else:
        from .stored import renewal_rows

        use_endpoint(args)
        rows = renewal_rows(args.period, args.portfolio_table, args.state_table)
    history = read_history(Path(args.history)) if args.history else None
    probs, source = probabilities(args, history, health)
    return show(forecast(rows, args.period, health, probs, source), args.format, render)
