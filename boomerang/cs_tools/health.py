"""``boomerang health``: the seed's three-pillar health score with its breakdown.

HEALTH = (Product × 40 % + Relationship × 30 % + Outcomes × 30 %) × 10, each pillar the mean of its 0–10
sub-metrics; the weights and the green/yellow thresholds come from ``[health]`` in the rules file (per
segment when ``[health.segments.<Segment>]`` is set). An omitted pillar is not a zero: its weight is shared
among the measured ones, and confidence is the share of the model's weight that was measured.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from boomerang.aws_endpoint import use_endpoint
from services.common.models.config import Health
from services.scoring.logic.health import combine, pillar_mean, status, weights_for

from .common import (
    PILLARS,
    SEGMENTS,
    Column,
    InputError,
    add_table_args,
    choice,
    columns_help,
    load_health,
    num,
    number,
    parse,
    parser_for,
    pct,
    print_json,
    read_csv,
    reports_input_errors,
    table,
    text,
)

SCORE_COLUMNS = (
    Column("account_id", text, help="account id (acc-…); --customer matches it or name"),
    Column("name", text, required=False, help="company name"),
    Column("segment", choice(*SEGMENTS), required=False, help="Enterprise, Mid-Market, SMB or Strategic"),
    Column("score", number(0, 100), help="stored health score, 0–100"),
    Column("status", choice("green", "yellow", "red"), required=False, help="stored status (else from score)"),
    Column("product", number(0, 10), required=False, help="Product pillar mean, 0–10"),
    Column("relationship", number(0, 10), required=False, help="Relationship pillar mean, 0–10"),
    Column("outcomes", number(0, 10), required=False, help="Outcomes pillar mean, 0–10"),
    Column("scored_at", text, required=False, help="when it was scored (ISO date)"),
)

LIVE_LOOKUP_MISSING = (
    "--customer reads the stored score from the deployed tables: pass --state-table and --portfolio-table "
    "(stack outputs StateTableName / PortfolioTableName, or set STATE_TABLE / PORTFOLIO_TABLE), "
    "or --scores FILE for a CSV export of stored scores (e.g. examples/cs/scores.csv)"
)


def _sub_metrics(value: str) -> list[float]:
    try:
        values = [float(v) for v in value.split(",") if v.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated numbers 0–10, got {value!r}") from None
    if not values:
        raise argparse.ArgumentTypeError("expected at least one sub-metric")
    bad = [v for v in values if not 0 <= v <= 10]
    if bad:
        raise argparse.ArgumentTypeError(f"sub-metrics are 0–10, got {', '.join(f'{v:g}' for v in bad)}")
    return values


def breakdown(
    pillars: dict[str, float | None], segment: str | None, health: Health, sub_metrics: dict[str, list[float]]
) -> dict[str, Any]:
    """The score, its status, and each pillar's mean, weight and contribution (on the 0–10 scale)."""
    weights = weights_for(segment, health)
    result = combine(pillars, weights)
    present = sum(getattr(weights, p) for p in PILLARS if pillars.get(p) is not None)
    rows: dict[str, Any] = {}
    for pillar in PILLARS:
        mean = pillars.get(pillar)
        weight = getattr(weights, pillar)
        effective = weight / present if mean is not None and present else 0.0
        rows[pillar] = {
            "sub_metrics": sub_metrics.get(pillar),
            "mean": None if mean is None else round(mean, 4),
            "weight": weight,
            "effective_weight": round(effective, 4),
            "contribution": None if mean is None else round(mean * effective, 4),
        }
    return {
        "segment": segment,
        "weights": {p: getattr(weights, p) for p in PILLARS},
        "pillars": rows,
        "score": result.score,
        "status": None if result.score is None else status(result.score, health),
        "confidence": result.confidence,
        "thresholds": {"green": health.green, "yellow": health.yellow},
    }


def render(data: dict[str, Any], title: str = "Health score") -> str:
    rows = []
    contributions = []
    for pillar, p in data["pillars"].items():
        subs = ", ".join(f"{v:g}" for v in p["sub_metrics"]) if p["sub_metrics"] else ""
        if p["mean"] is None:
            rows.append([pillar.capitalize(), "(not measured)", "-", f"{p['weight']:.2f}", "-", "-"])
            continue
        contributions.append(f"{p['contribution']:.2f}")
        rows.append(
            [
                pillar.capitalize(),
                subs,
                f"{p['mean']:.2f}",
                f"{p['weight']:.2f}",
                f"{p['effective_weight']:.2f}",
                f"{p['mean']:.2f} × {p['effective_weight']:.2f} = {p['contribution']:.2f}",
            ]
        )
    segment = data["segment"] or "default"
    lines = [
        f"{title} (weights: {segment})",
        table(["pillar", "sub-metrics", "mean", "weight", "used", "contribution"], rows, right=(2, 3, 4)),
    ]
    if data["score"] is None:
        lines.append("Total: no pillar measured; no score")
        return "\n".join(lines)
    label = str(data["status"]).capitalize()
    if "recomputed_score" in data:
        lines.append(f"Stored score: {num(data['score'])} → {label}")
    else:
        lines.append(f"Total: ({' + '.join(contributions)}) × 10 = {num(data['score'])} → {label}")
    thresholds = data["thresholds"]
    lines.append(
        f"Confidence: {pct(data['confidence'], 0)} of the model's weight measured"
        f" · green ≥ {thresholds['green']}, yellow ≥ {thresholds['yellow']}"
    )
    if data["confidence"] < 1:
        lines.append("Missing pillars were not counted as zero: their weight was shared among the measured ones.")
    return "\n".join(lines)


def _stored(args: argparse.Namespace, health: Health) -> dict[str, Any]:
    rows = read_csv(Path(args.scores), SCORE_COLUMNS)
    wanted = args.customer.strip().lower()
    matches = [r for r in rows if wanted in (r["account_id"].lower(), (r["name"] or "").lower())]
    if not matches:
        raise InputError([f"{args.scores}: no stored score for {args.customer!r} (matched on account_id or name)"])
    row = matches[-1]  # the file's latest row for the account
    segment = args.segment or row["segment"]
    pillars = {p: row[p] for p in PILLARS}
    data = breakdown(pillars, segment, health, {})
    data["recomputed_score"] = data["score"]
    data["score"] = row["score"]
    data["status"] = row["status"] or status(row["score"], health)
    data["customer"] = {"account_id": row["account_id"], "name": row["name"], "scored_at": row["scored_at"]}
    data["source"] = f"{args.scores} row {row['_row']}"
    return data


@reports_input_errors
def run(argv: list[str]) -> int:
    parser = parser_for(
        "health",
        "Compute a health score from pillar sub-metrics (0–10 each), or show a customer's stored score.",
        "--customer NAME reads the account's stored score from the deployed tables (--state-table, --portfolio-table;\n"
        "boto3's usual credentials apply, or --endpoint-url with the moto URL `boomerang local` prints), with the\n"
        "explanation rebuilt from the stored signals. --scores FILE reads a CSV export instead; its columns:\n"
        + columns_help(SCORE_COLUMNS),
    )
    for pillar, example in (("product", "9,8,9,9"), ("relationship", "8,7,9,8"), ("outcomes", "8,9,8")):
        parser.add_argument(
            f"--{pillar}",
            type=_sub_metrics,
            metavar="N,N,…",
            help=f"{pillar.capitalize()} sub-metrics, 0–10, comma-separated (e.g. {example}); may be omitted",
        )
    parser.add_argument("--segment", choices=SEGMENTS, help="use this segment's weights ([health.segments.<S>])")
    parser.add_argument("--customer", metavar="NAME", help="show the stored score of this account (id or name)")
    add_table_args(parser, "to read --customer's score from", "to find --customer in")
    parser.add_argument("--scores", metavar="FILE", help="instead of the tables: a CSV of stored scores")
    args = parse(parser, argv)

    given = {p: getattr(args, p) for p in PILLARS if getattr(args, p) is not None}
    if args.customer and given:
        parser.error("--customer reads a stored score; do not combine it with --product/--relationship/--outcomes")
    if not args.customer and not given:
        parser.error("give at least one of --product, --relationship, --outcomes (or --customer NAME)")
    live = bool(args.customer and not args.scores)
    if live and not (args.state_table and args.portfolio_table):
        print(f"boomerang health: {LIVE_LOOKUP_MISSING}", file=sys.stderr)
        return 2
    health = load_health(args.config)
    if live:
        from .stored import render_stored, stored_health

        use_endpoint(args)
        data = stored_health(args.customer, args.state_table, args.portfolio_table, health)
    elif args.customer:
        data = _stored(args, health)
    else:
        pillars = {p: pillar_mean({str(i): v for i, v in enumerate(given[p])}) if p in given else None for p in PILLARS}
        data = breakdown(pillars, args.segment, health, given)

    if args.format == "json":
        print_json(data)
        return 0
    if live:
        print(render_stored(data))
    elif args.customer:
        customer = data["customer"]
        title = f"Health score of {customer['name'] or customer['account_id']} ({data['source']})"
        print(render(data, title))
        if data["recomputed_score"] is not None and abs(data["recomputed_score"] - data["score"]) >= 0.5:
            print(f"Note: with the current weights these pillars give {num(data['recomputed_score'])}.")
    else:
        print(render(data))
    return 0
