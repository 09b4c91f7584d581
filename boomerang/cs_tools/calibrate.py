"""``boomerang calibrate``: propose per-segment pillar weights from past renewals (seed 004's troubleshooting:
"recalibrate weights quarterly by comparing predicted scores against actual renewal outcomes … by tier").

For each segment, every weight triple on a grid (``--step``, default 0.05, summing to 1) plus the configured
weights rescores each renewal's last score before the renewal from its pillars, and is judged by
**balanced accuracy** = ½ × (share of renewed accounts not scored red + share of churned accounts scored
red), so a model cannot win by calling everyone healthy. Ties go to the higher share of green accounts that
renewed (the seed's accuracy), then to the weights closest to the configured ones. The configured weights
are always a candidate, so the proposal never scores below them on the history it was fitted to.
Nothing is written: a ``[health.segments.<Segment>]`` snippet is printed to paste into the rules file.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from services.common.models.config import Health, PillarWeights
from services.scoring.logic.health import weights_for

from .common import (
    PILLARS,
    SEGMENTS,
    columns_help,
    load_health,
    parse,
    parser_for,
    pct,
    reports_input_errors,
    show,
    table,
)
from .history import HISTORY_COLUMNS, add_history_arg, read_history, renewals

MIN_RENEWALS = 10


def grid(step: float) -> list[PillarWeights]:
    n = round(1 / step)
    out = []
    for p in range(n + 1):
        for r in range(n + 1 - p):
            o = n - p - r
            out.append(PillarWeights(product=round(p / n, 4), relationship=round(r / n, 4), outcomes=round(o / n, 4)))
    return out


def evaluate(cases: list[dict[str, Any]]) -> dict[str, Any]:
    kept = [c for c in cases if c["outcome"] != "churned"]
    churned = [c for c in cases if c["outcome"] == "churned"]
    green = [c for c in cases if c["status"] == "green"]
    not_red = sum(1 for c in kept if c["status"] != "red") / len(kept) if kept else None
    red = sum(1 for c in churned if c["status"] == "red") / len(churned) if churned else None
    parts = [v for v in (not_red, red) if v is not None]
    return {
        "balanced_accuracy": sum(parts) / len(parts) if parts else None,
        "renewed_not_red": not_red,
        "churned_red": red,
        "green_renewed": sum(1 for c in green if c["outcome"] != "churned") / len(green) if green else None,
        "green": len(green),
    }


def _key(result: dict[str, Any], weights: PillarWeights, current: PillarWeights) -> tuple[float, float, float]:
    distance = sum(abs(getattr(weights, p) - getattr(current, p)) for p in PILLARS)
    return (result["balanced_accuracy"] or 0.0, result["green_renewed"] or 0.0, -distance)


def calibrate_segment(
    rows: list[dict[str, Any]], segment: str, health: Health, step: float, min_renewals: int
) -> dict[str, Any]:
    current = weights_for(segment, health)
    seg_rows = [r for r in rows if r["segment"] == segment]
    before_cases = renewals(seg_rows, health, {segment: current})
    churned = sum(1 for c in before_cases if c["outcome"] == "churned")
    before = evaluate(before_cases)
    result: dict[str, Any] = {
        "segment": segment,
        "renewals": len(before_cases),
        "churned": churned,
        "current": current.model_dump(),
        "before": before,
    }
    if len(before_cases) < min_renewals or churned == 0 or churned == len(before_cases):
        why = (
            f"only {len(before_cases)} renewals (fewer than {min_renewals})"
            if len(before_cases) < min_renewals
            else "no churned renewal to learn from"
            if churned == 0
            else "no renewed account to learn from"
        )
        return {**result, "proposed": None, "after": before, "note": f"kept the configured weights: {why}"}
    best_weights, best = current, before
    for candidate in grid(step):
        scored = evaluate(renewals(seg_rows, health, {segment: candidate}))
        if _key(scored, candidate, current) > _key(best, best_weights, current):
            best_weights, best = candidate, scored
    changed = best_weights != current
    return {
        **result,
        "proposed": best_weights.model_dump() if changed else None,
        "after": best,
        "note": "" if changed else "the configured weights are already the best on this history",
    }


def snippet(results: list[dict[str, Any]]) -> str:
    blocks = []
    for r in results:
        if r["proposed"]:
            w = r["proposed"]
            blocks.append(f"[health.segments.{r['segment']}]\n" + "\n".join(f"{p} = {w[p]:.2f}" for p in PILLARS))
    return "\n\n".join(blocks)


def render(data: dict[str, Any]) -> str:
    lines = [
        f"Calibration on {data['history']} (grid step {data['step']:g}; balanced accuracy = ½ × (renewed not red"
        " + churned red)); nothing was written",
        "",
    ]
    rows = []
    for r in data["segments"]:
        cur = "/".join(f"{r['current'][p]:.2f}" for p in PILLARS)
        new = "/".join(f"{r['proposed'][p]:.2f}" for p in PILLARS) if r["proposed"] else "(keep)"
        rows.append(
            [
                r["segment"],
                r["renewals"],
                r["churned"],
                cur,
                pct(r["before"]["balanced_accuracy"]),
                new,
                pct(r["after"]["balanced_accuracy"]),
                f"{pct(r['before']['churned_red'], 0)} → {pct(r['after']['churned_red'], 0)}",
                f"{pct(r['before']['green_renewed'], 0)} → {pct(r['after']['green_renewed'], 0)}",
            ]
        )
    headers = ["segment", "renewals", "churned", "configured P/R/O", "before", "proposed P/R/O", "after",
               "churned red", "green renewed"]  # fmt: skip
    lines.append(table(headers, rows, right=(1, 2, 4, 6)))
    notes = [f"  {r['segment']}: {r['note']}" for r in data["segments"] if r["note"]]
    if notes:
        lines += ["", "Notes:", *notes]
    lines.append("")
    if data["snippet"]:
        lines.append(
            "Paste into boomerang.toml (review first; fitted in-sample, so re-check with next quarter's data):"
        )
        lines.append("")
        lines.append(data["snippet"])
    else:
        lines.append("No change proposed.")
    return "\n".join(lines)


def _step(value: str) -> float:
    try:
        step = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {value!r}") from None
    if not 0 < step <= 0.5 or abs(round(1 / step) * step - 1) > 1e-9:
        raise argparse.ArgumentTypeError("step must divide 1 evenly, e.g. 0.05, 0.1, 0.25")
    return step


@reports_input_errors
def run(argv: list[str]) -> int:
    parser = parser_for(
        "calibrate",
        "Propose per-segment pillar weights that best separate renewed from churned accounts in a history"
        " file, with accuracy before and after, as a [health.segments.<Segment>] TOML snippet. Never writes"
        " any file.",
        "--history columns (as `boomerang backtest`; the pillars are needed to rescore):\n"
        + columns_help(HISTORY_COLUMNS),
    )
    add_history_arg(parser)
    parser.add_argument("--segment", choices=SEGMENTS, action="append", help="only this segment (repeatable)")
    parser.add_argument("--step", type=_step, default=0.05, help="grid step of the weights (default 0.05)")
    parser.add_argument(
        "--min-renewals", type=int, default=MIN_RENEWALS, help=f"fewest renewals to fit a segment ({MIN_RENEWALS})"
    )
    args = parse(parser, argv)
    health, rows = load_health(args.config), read_history(Path(args.history))
    present = {r["segment"] for r in rows}
    segments = [s for s in (args.segment or SEGMENTS) if s in present]
    results = [calibrate_segment(rows, s, health, args.step, args.min_renewals) for s in segments]
    data = {"history": args.history, "step": args.step, "segments": results, "snippet": snippet(results)}
    return show(data, args.format, render)
