"""``boomerang qbr``: the seed's Quarterly Business Review template as Markdown, filled from data files.

Partnership summary from the portfolio directory (accounts.csv: customer_since, arr, licensed_seats; the
CSM from csms.csv) and the "Active users" metric; the metrics table from the quarterly metrics CSV with
the trend computed against the previous quarter's actual (up / down / flat within ±1 %); achievements,
value delivered and next quarter's goals from optional CSVs. Anything not recorded is marked so rather
than invented.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from boomerang.portfolio.csv_files import PortfolioError, read_portfolio

from .common import (
    Column,
    InputError,
    Quarter,
    choice,
    columns_help,
    duplicates,
    money,
    num,
    number,
    parse,
    parser_for,
    quarter,
    quarter_arg,
    read_csv,
    reports_input_errors,
    text,
)

METRIC_COLUMNS = (
    Column("account_id", text, help="account id, as in accounts.csv"),
    Column("quarter", quarter, help="e.g. 2026Q4"),
    Column("metric", text, help='metric name; "Active users" also fills the partnership summary'),
    Column("target", number(), required=False, help="the quarter's target (empty: none)"),
    Column("actual", number(), help="the quarter's actual"),
    Column("unit", text, required=False, help='"%", "$", "h", … (shown after the number; "$" before)'),
    Column("better", choice("higher", "lower"), required=False, help="which way is good (default higher)"),
)
ACHIEVEMENT_COLUMNS = (
    Column("account_id", text, help="account id"),
    Column("quarter", quarter, help="the quarter of the achievement"),
    Column("achievement", text, help="what the customer achieved"),
    Column("metric", text, required=False, help="the number that shows it, e.g. +18 % on-time deliveries"),
)
GOAL_COLUMNS = (
    Column("account_id", text, help="account id"),
    Column("quarter", quarter, help="the quarter the goal is for (the QBR's next quarter)"),
    Column("goal", text, help="the goal"),
    Column("success_metric", text, required=False, help="how success is measured"),
)
VALUE_COLUMNS = (
    Column("account_id", text, help="account id"),
    Column("quarter", quarter, help="the quarter"),
    Column("time_saved_hours", number(0), required=False, help="hours saved in the quarter"),
    Column("cost_reduction_usd", number(), required=False, help="cost reduction in the quarter, USD"),
    Column("other_impact", text, required=False, help="other impact, in words"),
)

FLAT = 0.01
NOT_RECORDED = "_not recorded_"


def trend(actual: float, previous: float | None) -> str:
    if previous is None:
        return "new"
    if previous == 0:
        return "flat" if actual == 0 else "up" if actual > 0 else "down"
    change = (actual - previous) / abs(previous)
    return "flat" if abs(change) <= FLAT else "up" if change > 0 else "down"


def _fmt(value: float | None, unit: str | None) -> str:
    if value is None:
        return "–"
    if unit == "$":
        return money(value)
    shown = f"{value:,.0f}" if round(value, 1) == int(value) else f"{value:,.1f}"
    return f"{shown} {unit}" if unit else shown


def _for(rows: list[dict[str, Any]], account_id: str, q: Quarter) -> list[dict[str, Any]]:
    return [r for r in rows if r["account_id"] == account_id and r["quarter"] == q]


def build(args: Any) -> dict[str, Any]:
    try:
        portfolio = read_portfolio(Path(args.data))
    except PortfolioError as exc:
        raise InputError(exc.problems) from exc
    wanted = args.customer.strip().lower()
    matches = [a for a in portfolio.accounts if wanted in (a.account_id.lower(), a.name.lower())]
    if not matches:
        raise InputError([f"{args.data}/accounts.csv: no account named {args.customer!r} (use its name or account_id)"])
    account = matches[0]
    q: Quarter = args.quarter
    problems: list[str] = []
    metrics = read_csv(Path(args.metrics), METRIC_COLUMNS, problems)
    problems += duplicates(metrics, lambda r: f"{r['metric']!r} of {r['account_id']} in {r['quarter']}",
                          Path(args.metrics).name, "metric")  # fmt: skip
    achievements = read_csv(Path(args.achievements), ACHIEVEMENT_COLUMNS, problems) if args.achievements else []
    goals = read_csv(Path(args.goals), GOAL_COLUMNS, problems) if args.goals else []
    values = read_csv(Path(args.value), VALUE_COLUMNS, problems) if args.value else []
    if problems:
        raise InputError(problems)

    previous = {r["metric"].lower(): r["actual"] for r in _for(metrics, account.account_id, q.previous())}
    table_rows = []
    active_users = None
    for r in _for(metrics, account.account_id, q):
        t = trend(r["actual"], previous.get(r["metric"].lower()))
        good = None if t in ("new", "flat") else (t == "up") == ((r["better"] or "higher") == "higher")
        table_rows.append(
            {
                "metric": r["metric"],
                "unit": r["unit"],
                "target": r["target"],
                "actual": r["actual"],
                "previous": previous.get(r["metric"].lower()),
                "trend": t,
                "improving": good,
                "met_target": None
                if r["target"] is None
                else (
                    r["actual"] >= r["target"] if (r["better"] or "higher") == "higher" else r["actual"] <= r["target"]
                ),
            }
        )
        if r["metric"].lower() == "active users":
            active_users = r["actual"]
    value = next(iter(_for(values, account.account_id, q)), None)
    csm = next((m.name for m in portfolio.members if m.member_id == account.csm_id), account.csm_id)
    return {
        "customer": account.name,
        "account_id": account.account_id,
        "quarter": str(q),
        "previous_quarter": str(q.previous()),
        "next_quarter": str(q.next()),
        "csm": csm,
        "customer_since": account.customer_since.isoformat() if account.customer_since else None,
        "arr": account.arr,
        "active_users": active_users,
        "licensed_seats": account.licensed_seats,
        "achievements": [
            {"achievement": a["achievement"], "metric": a["metric"]} for a in _for(achievements, account.account_id, q)
        ],
        "metrics": table_rows,
        "value": None
        if value is None
        else {k: value[k] for k in ("time_saved_hours", "cost_reduction_usd", "other_impact")},
        "goals": [
            {"goal": g["goal"], "success_metric": g["success_metric"]}
            for g in _for(goals, account.account_id, q.next())
        ],
    }


def markdown(d: dict[str, Any]) -> str:
    users = f"{num(d['active_users'], 0)} active" if d["active_users"] is not None else "active: " + NOT_RECORDED
    seats = f"{d['licensed_seats']} licensed" if d["licensed_seats"] is not None else "licensed: " + NOT_RECORDED
    lines = [
        f"# Quarterly Business Review: {d['customer']}",
        "",
        f"_{d['quarter']} · prepared by {d['csm']}_",
        "",
        "## Partnership Summary",
        f"- Customer since: {d['customer_since'] or NOT_RECORDED}",
        f"- Current ARR: {money(d['arr'])}",
        f"- Users: {users} / {seats}",
        "",
        "## Quarter in Review",
        "### Achievements",
    ]
    if d["achievements"]:
        lines += [f"- {a['achievement']}" + (f" ({a['metric']})" if a["metric"] else "") for a in d["achievements"]]
    else:
        lines.append(f"- {NOT_RECORDED}")
    lines += ["", "### Metrics"]
    if d["metrics"]:
        lines += ["| Metric | Target | Actual | Trend |", "|--------|--------|--------|-------|"]
        for m in d["metrics"]:
            trend_text = m["trend"]
            if m["previous"] is not None:
                verdict = "" if m["improving"] is None else ", better" if m["improving"] else ", worse"
                trend_text += f" (from {_fmt(m['previous'], m['unit'])}{verdict})"
            lines.append(
                f"| {m['metric']} | {_fmt(m['target'], m['unit'])} | {_fmt(m['actual'], m['unit'])} | {trend_text} |"
            )
    else:
        lines.append(f"{NOT_RECORDED} for {d['quarter']}")
    lines += ["", "## Value Delivered"]
    v = d["value"] or {}
    hours = v.get("time_saved_hours")
    cost = v.get("cost_reduction_usd")
    lines += [
        f"- Time saved: {num(hours, 0) + ' hours' if hours is not None else NOT_RECORDED}",
        f"- Cost reduction: {money(cost) if cost is not None else NOT_RECORDED}",
        f"- Other impact: {v.get('other_impact') or NOT_RECORDED}",
        "",
        f"## Next Quarter Goals ({d['next_quarter']})",
    ]
    if d["goals"]:
        lines += [
            f"{i}. {g['goal']}" + (f" — success: {g['success_metric']}" if g["success_metric"] else "")
            for i, g in enumerate(d["goals"], start=1)
        ]
    else:
        lines.append(f"1. {NOT_RECORDED}")
    return "\n".join(lines) + "\n"


@reports_input_errors
def run(argv: list[str]) -> int:
    parser = parser_for(
        "qbr",
        "Write the seed's QBR template as Markdown for one customer and quarter, filled from data files.",
        "--data: a portfolio directory (examples/portfolio: accounts.csv, contacts.csv, csms.csv)\n\n"
        "--metrics columns:\n" + columns_help(METRIC_COLUMNS) + "\n\n"
        "--achievements columns:\n" + columns_help(ACHIEVEMENT_COLUMNS) + "\n\n"
        "--goals columns:\n" + columns_help(GOAL_COLUMNS) + "\n\n"
        "--value columns:\n" + columns_help(VALUE_COLUMNS),
    )
    parser.add_argument("--customer", required=True, metavar="NAME", help="account name or account_id")
    parser.add_argument("--quarter", required=True, type=quarter_arg, metavar="YYYYQn", help="e.g. 2026Q4")
    parser.add_argument("--data", required=True, metavar="DIR", help="portfolio directory (examples/portfolio)")
    parser.add_argument("--metrics", required=True, metavar="FILE", help="quarterly metrics CSV")
    parser.add_argument("--achievements", metavar="FILE", help="achievements CSV (optional)")
    parser.add_argument("--goals", metavar="FILE", help="next-quarter goals CSV (optional)")
    parser.add_argument("--value", metavar="FILE", help="value delivered CSV (optional)")
    parser.add_argument("--out", metavar="FILE", help="write here instead of stdout")
    args = parse(parser, argv, config=False)
    data = build(args)
    output = (
        json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n" if args.format == "json" else markdown(data)
    )
    if args.out:
        Path(args.out).write_text(output, encoding="utf-8")
        print(f"wrote {args.out}", file=sys.stderr)
    else:
        sys.stdout.write(output)
    return 0
