"""``boomerang risk``: rank a portfolio export by churn risk, with the reasons and the seed's risk playbook.

Risk is a transparent sum of points (capped at 100), one line per signal in ``SIGNALS`` below; each signal
belongs to one of the seed's four playbooks (or to none, for signals that only add urgency). The
recommended playbook is the one whose signals carry the most points. Bands: high ≥ 50, medium ≥ 25.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from services.common.models.config import Health

from .common import (
    columns_help,
    date_arg,
    load_health,
    money,
    num,
    parse,
    parser_for,
    pct,
    reports_input_errors,
    show,
    table,
)
from .customers import CUSTOMER_COLUMNS, read_customers

LOW_ENGAGEMENT = "Low Engagement"
LOW_ADOPTION = "Low Adoption"
EXECUTIVE_CHANGE = "Executive Change"
COMPETITOR = "Competitor Evaluation"

# The playbook names of the InterventionStarted event.
PLAYBOOK_IDS = {
    LOW_ENGAGEMENT: "low_engagement",
    LOW_ADOPTION: "low_adoption",
    EXECUTIVE_CHANGE: "executive_change",
    COMPETITOR: "competitor_evaluation",
}

PLAYBOOKS: dict[str, list[str]] = {
    LOW_ENGAGEMENT: [
        "Reach out to primary contact within 48 hours.",
        "Schedule a training refresh session.",
        "Share relevant best practices and use-case examples.",
        "Connect with identified power users to re-engage the team.",
        "Escalate to executive sponsor if no improvement within 14 days.",
    ],
    LOW_ADOPTION: [
        "Pull usage analytics to identify specific feature gaps.",
        "Interview users to surface blockers.",
        "Deliver targeted training on underused features.",
        "Set measurable adoption goals with the primary contact.",
        "Check in weekly until adoption metrics reach yellow threshold.",
    ],
    EXECUTIVE_CHANGE: [
        "Request introduction to the new executive within the first week.",
        "Schedule a value review presenting ROI to date.",
        "Refresh the business case with current metrics.",
        "Reset success metrics aligned to the new executive's priorities.",
        "Build new relationship map and update the success plan.",
    ],
    COMPETITOR: [
        "Understand the specific concerns driving the evaluation.",
        "Demonstrate unique value with data from the customer's own usage.",
        "Involve the executive sponsor for a strategic review.",
        "Offer a joint roadmap session to address feature gaps.",
        "Negotiate contract terms if retention requires flexibility.",
    ],
}

HIGH, MEDIUM = 50, 25


@dataclass(frozen=True)
class Signal:
    key: str
    points: int
    playbook: str | None
    rule: str  # how it is documented in --help and docs
    test: Callable[[dict[str, Any], Health], str | None]  # the reason, or None when the signal is absent


def _utilisation(row: dict[str, Any]) -> float | None:
    if row["active_users"] is None or not row["licensed_seats"]:
        return None
    return float(row["active_users"]) / float(row["licensed_seats"])


def _when(condition: bool, reason: str) -> str | None:
    return reason if condition else None


def _health_red(r: dict[str, Any], h: Health) -> str | None:
    s = r["health_score"]
    return _when(s is not None and s < h.yellow, f"health {num(s)} is red (< {h.yellow})")


def _health_yellow(r: dict[str, Any], h: Health) -> str | None:
    s = r["health_score"]
    return _when(s is not None and h.yellow <= s < h.green, f"health {num(s)} is yellow (< {h.green})")


def _seats(low: float, high: float | None) -> Callable[[dict[str, Any], Health], str | None]:
    def test(r: dict[str, Any], h: Health) -> str | None:
        u = _utilisation(r)
        hit = u is not None and u < low and (high is None or u >= high)
        return _when(hit, f"{r['active_users']}/{r['licensed_seats']} seats active ({pct(u, 0)})")

    return test


def _logins(low: float, high: float | None) -> Callable[[dict[str, Any], Health], str | None]:
    def test(r: dict[str, Any], h: Health) -> str | None:
        c = r["logins_30d_change_pct"]
        hit = c is not None and c <= low and (high is None or c > high)
        return _when(hit, f"logins {num(c)} % in 30 days")

    return test


def _days(column: str, low: int, high: int | None, reason: str) -> Callable[[dict[str, Any], Health], str | None]:
    """More than ``low`` days in ``column`` (and at most ``high``); ``reason`` names them as ``{days}``."""

    def test(r: dict[str, Any], h: Health) -> str | None:
        d = r[column]
        hit = d is not None and d > low and (high is None or d <= high)
        return _when(hit, reason.format(days=d))

    return test


def _meeting(low: int, high: int | None) -> Callable[[dict[str, Any], Health], str | None]:
    return _days("last_meeting_days", low, high, "no meeting for {days} days")


def _late(low: int, high: int | None) -> Callable[[dict[str, Any], Health], str | None]:
    return _days("payment_late_days", low, high, "invoice {days} days overdue")


def _nps(low: int, high: int) -> Callable[[dict[str, Any], Health], str | None]:
    def test(r: dict[str, Any], h: Health) -> str | None:
        n = r["nps"]
        return _when(n is not None and low <= n <= high, f"NPS {n}")

    return test


def _tickets(r: dict[str, Any], h: Health) -> str | None:
    t = r["open_critical_tickets"]
    return _when(bool(t), f"{t} open critical ticket(s)")


def _adoption(r: dict[str, Any], h: Health) -> str | None:
    a = r["feature_adoption_pct"]
    return _when(a is not None and a < 40, f"{num(a)} % of key features in use")


SIGNALS: tuple[Signal, ...] = (
    Signal("health_red", 25, None, "health score red (< yellow threshold)", _health_red),
    Signal("health_yellow", 10, None, "health score yellow (< green threshold)", _health_yellow),
    Signal("seats_low", 15, LOW_ADOPTION, "active users < 50 % of licensed seats", _seats(0.5, None)),
    Signal("seats_mid", 8, LOW_ADOPTION, "active users 50–69 % of licensed seats", _seats(0.7, 0.5)),
    Signal("features_low", 10, LOW_ADOPTION, "key-feature adoption < 40 %", _adoption),
    Signal("logins_drop", 15, LOW_ENGAGEMENT, "logins down 30 % or more in 30 days", _logins(-30, None)),
    Signal("logins_dip", 8, LOW_ENGAGEMENT, "logins down 15–29 % in 30 days", _logins(-15, -30)),
    Signal("no_meeting", 10, LOW_ENGAGEMENT, "no meeting for more than 60 days", _meeting(60, None)),
    Signal("few_meetings", 5, LOW_ENGAGEMENT, "no meeting for 31–60 days", _meeting(30, 60)),
    Signal(
        "champion_changed",
        15,
        EXECUTIVE_CHANGE,
        "champion left or changed role",
        lambda r, h: _when(bool(r["champion_changed"]), "champion changed"),
    ),
    Signal(
        "sponsor_changed",
        10,
        EXECUTIVE_CHANGE,
        "executive sponsor changed",
        lambda r, h: _when(bool(r["sponsor_changed"]), "executive sponsor changed"),
    ),
    Signal(
        "competitor",
        25,
        COMPETITOR,
        "competitor evaluation known",
        lambda r, h: _when(bool(r["competitor_mentioned"]), "competitor evaluation"),
    ),
    Signal("detractor", 10, None, "NPS 0–6 (detractor)", _nps(0, 6)),
    Signal("passive", 3, None, "NPS 7–8 (passive)", _nps(7, 8)),
    Signal("critical_tickets", 10, None, "one or more open critical tickets", _tickets),
    Signal("payment_late", 10, None, "invoice more than 30 days overdue", _late(30, None)),
    Signal("payment_due", 4, None, "invoice 1–30 days overdue", _late(0, 30)),
)


def band(points: int) -> str:
    return "high" if points >= HIGH else "medium" if points >= MEDIUM else "low"


def assess(row: dict[str, Any], health: Health, as_of: date) -> dict[str, Any]:
    hits = [(s, reason) for s in SIGNALS if (reason := s.test(row, health)) is not None]
    points = min(100, sum(s.points for s, _ in hits))
    by_playbook: dict[str, int] = {}
    for signal, _ in hits:
        if signal.playbook:
            by_playbook[signal.playbook] = by_playbook.get(signal.playbook, 0) + signal.points
    ranked = sorted(by_playbook.items(), key=lambda kv: (-kv[1], list(PLAYBOOKS).index(kv[0])))
    playbook = ranked[0][0] if ranked else None
    if playbook is None and points >= MEDIUM:
        playbook = LOW_ENGAGEMENT  # red/at-risk with no specific signal: the seed's "customer goes silent" route
    return {
        "account_id": row["account_id"],
        "name": row["name"],
        "segment": row["segment"],
        "arr": row["arr"],
        "renewal_date": row["renewal_date"].isoformat(),
        "days_to_renewal": (row["renewal_date"] - as_of).days,
        "csm_id": row["csm_id"],
        "health_score": row["health_score"],
        "risk": points,
        "band": band(points),
        "reasons": [{"signal": s.key, "points": s.points, "reason": reason} for s, reason in hits],
        "playbook": playbook,
        "other_playbooks": [name for name, _ in ranked if name != playbook],
        "steps": PLAYBOOKS.get(playbook, []) if playbook else [],
        # Starting the playbook, as the canonical event that makes the intervention plan active (it stops the
        # red-account escalation): post it through the generic webhook (docs/cs-tools.md).
        "intervention": None
        if playbook is None
        else {
            "type": "InterventionStarted",
            "account": {"id": row["account_id"]},
            "data": {
                "plan_id": f"{row['account_id']}-{PLAYBOOK_IDS[playbook]}-{as_of.isoformat()}",
                "playbook": PLAYBOOK_IDS[playbook],
            },
        },
    }


def analyse(rows: list[dict[str, Any]], health: Health, as_of: date) -> dict[str, Any]:
    ranked = sorted(
        (assess(r, health, as_of) for r in rows),
        key=lambda a: (-a["risk"], a["days_to_renewal"], -a["arr"], a["account_id"]),
    )
    totals = {b: {"accounts": 0, "arr": 0.0} for b in ("high", "medium", "low")}
    for account in ranked:
        totals[account["band"]]["accounts"] += 1
        totals[account["band"]]["arr"] += account["arr"]
    total_arr = sum(a["arr"] for a in ranked)
    at_risk = totals["high"]["arr"] + totals["medium"]["arr"]
    return {
        "as_of": as_of.isoformat(),
        "accounts": ranked,
        "bands": totals,
        "total_arr": total_arr,
        "arr_at_risk": at_risk,
        "arr_at_risk_share": at_risk / total_arr if total_arr else None,
        "scoring": {s.key: {"points": s.points, "playbook": s.playbook, "rule": s.rule} for s in SIGNALS},
        "thresholds": {"high": HIGH, "medium": MEDIUM},
    }


def render(data: dict[str, Any], top: int | None) -> str:
    accounts = data["accounts"][:top] if top else data["accounts"]
    rows = [
        [
            i,
            a["name"],
            a["segment"],
            money(a["arr"]),
            a["renewal_date"],
            num(a["health_score"]),
            a["risk"],
            a["band"],
            a["playbook"] or "-",
        ]
        for i, a in enumerate(accounts, start=1)
    ]
    headers = ["#", "account", "segment", "ARR", "renewal", "health", "risk", "band", "playbook"]
    lines = [f"Portfolio risk as of {data['as_of']} ({len(data['accounts'])} accounts)", ""]
    lines.append(table(headers, rows, right=(0, 3, 5, 6)))
    lines.append("")
    for name in ("high", "medium", "low"):
        b = data["bands"][name]
        lines.append(f"{name.capitalize():<7} risk: {b['accounts']:>2} account(s), {money(b['arr'])} ARR")
    lines.append(
        f"ARR at risk (high + medium): {money(data['arr_at_risk'])} of {money(data['total_arr'])}"
        f" ({pct(data['arr_at_risk_share'])})"
    )
    for a in accounts:
        if a["band"] == "low":
            continue
        lines.append("")
        lines.append(
            f"{a['name']} — risk {a['risk']} ({a['band']}), {money(a['arr'])}, renews {a['renewal_date']}"
            f" (in {a['days_to_renewal']} days)"
        )
        lines.append("  why: " + "; ".join(f"{r['reason']} (+{r['points']})" for r in a["reasons"]))
        lines.append(f"  playbook: {a['playbook']}")
        lines.extend(f"    {n}. {step}" for n, step in enumerate(a["steps"], start=1))
        if a["other_playbooks"]:
            lines.append(f"  also: {', '.join(a['other_playbooks'])}")
        if a["intervention"]:
            lines.append(
                f"  when started: send InterventionStarted (playbook {a['intervention']['data']['playbook']}) "
                "so the plan counts as active"
            )
    return "\n".join(lines)


def scoring_help() -> str:
    lines = [f"  +{s.points:<3} {s.rule}" + (f"  [{s.playbook}]" if s.playbook else "") for s in SIGNALS]
    return "\n".join(lines)


@reports_input_errors
def run(argv: list[str]) -> int:
    parser = parser_for(
        "risk",
        "Rank a portfolio export by churn risk, with reasons, the recommended playbook and ARR at risk.",
        "--portfolio columns:\n"
        + columns_help(CUSTOMER_COLUMNS)
        + f"\n\nrisk points (summed, capped at 100; high ≥ {HIGH}, medium ≥ {MEDIUM}):\n"
        + scoring_help(),
    )
    parser.add_argument("--portfolio", required=True, metavar="FILE", help="portfolio export CSV (customers.csv)")
    parser.add_argument("--as-of", type=date_arg, default=None, metavar="DATE", help="today's date (default: today)")
    parser.add_argument("--top", type=int, default=None, metavar="N", help="show only the N riskiest accounts")
    args = parse(parser, argv)
    health, rows = load_health(args.config), read_customers(Path(args.portfolio))
    if not rows:
        print(f"{args.portfolio}: no accounts", file=sys.stderr)
        return 1
    data = analyse(rows, health, args.as_of or date.today())
    if args.format == "json" and args.top:
        data["accounts"] = data["accounts"][: args.top]
    return show(data, args.format, lambda d: render(d, args.top))
