"""A customer's stored health score, read from the deployed tables (``boomerang health --customer NAME``).

The account is found by id (``ACCOUNT#<id>`` / ``PROFILE``) or by name (``LOOKUP#name#<name>``, written by
``boomerang portfolio import``) in the PortfolioTable; its score is the health summary scoring keeps in the
StateTable's signals item, and the explanation (pillars, sub-metrics with their inputs, what moved, confidence)
is rebuilt from the stored signals with the same model scoring uses. The last score-history records give the
trend. Reads only (GetItem, Query); boto3 honours ``AWS_ENDPOINT_URL`` (the local stack's moto URL).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from services.common.models.config import Health
from services.common.models.portfolio import Account
from services.common.storage import HEALTH_PREFIX, account_key, name_key
from services.scoring.logic.health import HealthModel, assess, explain

from .common import InputError, num, pct, table

HISTORY_SHOWN = 5


def find_account(portfolio: Any, customer: str) -> Account:
    wanted = customer.strip()
    account = portfolio.account(wanted)
    if account is None:
        item = portfolio.read(name_key(wanted), "LOOKUP")
        account = portfolio.account(item["account_id"]) if item else None
    if account is None:
        raise InputError(
            [f"{portfolio.name}: no account with id or name {customer!r} (names are matched ignoring case)"]
        )
    return account


def stored_health(
    customer: str, state_table: str, portfolio_table: str, health: Health, now: datetime | None = None
) -> dict[str, Any]:
    from services.common.adapters.portfolio_table import PortfolioTable
    from services.common.adapters.state_table import StateTableBase

    try:
        portfolio = PortfolioTable(portfolio_table)
        account = find_account(portfolio, customer)
        state = StateTableBase(state_table)
        signals = state.load(account.account_id)
        history = state.partition(account_key(account.account_id), HEALTH_PREFIX)
    except InputError:
        raise
    except Exception as exc:  # botocore's errors: no credentials, no such table, endpoint unreachable
        raise InputError([f"cannot read the stored score: {type(exc).__name__}: {exc}"]) from exc
    summary = signals.health
    if summary is None or summary.score is None or signals.updated_at is None:
        raise InputError([f"{account.name} ({account.account_id}): no stored score yet (no event was scored)"])

    model = HealthModel.from_config(health)
    at = signals.updated_at
    inputs, scored = assess(signals, account, at, model)
    explanation = explain(inputs, scored, list(summary.sub), None)
    _, current = assess(signals, account, now or datetime.now(UTC), model)
    return {
        "customer": {"account_id": account.account_id, "name": account.name, "segment": account.segment},
        "source": f"{state_table} (ACCOUNT#{account.account_id} / SIGNALS)",
        "scored_at": at.isoformat(),
        "score": summary.score,
        "status": summary.status,
        "status_since": summary.since.isoformat() if summary.since else None,
        "insufficient_data": summary.low,
        "last_announced": {"score": summary.announced, "status": summary.announced_status},
        "explanation": explanation,
        "recomputed_score": scored.score,
        "as_of_now": {"score": current.score, "status": current.status, "insufficient_data": current.insufficient},
        "history": [
            {k: h.get(k) for k in ("score", "status", "previous_score", "previous_status", "reason", "moved")}
            | {"at": h["sk"].removeprefix(HEALTH_PREFIX)}
            for h in sorted(history, key=lambda h: h["sk"], reverse=True)[:HISTORY_SHOWN]
        ],
    }


def _value(value: Any) -> str:
    """A sub-metric or input as a CS user reads it: ``10`` not ``10.0``, "not measured" rather than ``None``."""
    if value is None:
        return "not measured"
    return num(value) if isinstance(value, int | float) and not isinstance(value, bool) else str(value)


def _moved(rows: list[dict[str, Any]]) -> str:
    return "; ".join(
        f"{m['submetric']} {_value(m.get('from'))} → {_value(m.get('to'))}"
        + ("" if m.get("points") is None else f" ({m['points']:+g} points)")
        for m in rows
    )


def _meetings(log: str) -> str:
    """The meeting log (oldest first: x missed, a attended, e attended with an executive) in words."""
    attended, executive = len(log) - log.count("x"), log.count("e")
    with_exec = f" ({executive} with an executive)" if executive else ""
    return f"last {len(log)} meeting(s): {attended} attended{with_exec}, {log.count('x')} missed"


def _inputs(inputs: dict[str, Any]) -> str:
    return ", ".join(_meetings(v) if k == "recent" else f"{k} {_value(v)}" for k, v in inputs.items())


def renewal_rows(period: Any, portfolio_table: str, state_table: str) -> list[dict[str, Any]]:
    """The accounts renewing in ``period`` (a Query of ``RENEWAL#<quarter>``), with their stored health score
    (None when unscored or on insufficient data), as rows of the portfolio export ``forecast`` reads."""
    from services.common.adapters.dynamo import Table, batch_get, key
    from services.common.models.portfolio import Account
    from services.common.models.signals import signals_key, unpack_signals

    try:
        portfolio = Table(portfolio_table)
        ids = [item["account_id"] for item in portfolio.partition(f"RENEWAL#{period}")]
        found: dict[tuple[str, str], dict[str, Any]] = {}
        for start in range(0, len(ids), 50):  # ≤ 100 keys per BatchGetItem: a profile and a signals item each
            chunk = ids[start : start + 50]
            state_keys = [key(**signals_key(i)) for i in chunk]
            request = {
                portfolio_table: {"Keys": [key(account_key(i), "PROFILE") for i in chunk]},
                state_table: {"Keys": state_keys},
            }
            found |= batch_get(portfolio.db, request)
    except Exception as exc:  # botocore's errors: no credentials, no such table, endpoint unreachable
        raise InputError([f"cannot read the renewals: {type(exc).__name__}: {exc}"]) from exc
    rows = []
    for account_id in ids:
        profile = found.get((account_key(account_id), "PROFILE"))
        if profile is None:
            continue
        account = Account.model_validate(profile)
        stored = found.get((account_key(account_id), "SIGNALS"))
        summary = unpack_signals(stored, account_id).health if stored else None
        score = summary.score if summary is not None and not summary.low else None
        rows.append(
            {
                "account_id": account.account_id,
                "name": account.name,
                "segment": account.segment,
                "arr": account.arr,
                "renewal_date": account.renewal_date,
                "health_score": score,
            }
        )
    return rows


def render_stored(data: dict[str, Any]) -> str:
    e = data["explanation"]
    customer = data["customer"]
    lines = [
        f"Health score of {customer['name']} ({customer['account_id']}, {customer['segment']}) — "
        f"stored in {data['source']}, scored {data['scored_at']}",
    ]
    rows = []
    for pillar, subs in e["submetrics"].items():
        mean = e["pillars"][pillar]
        rows.append([pillar.capitalize(), "n/a" if mean is None else f"{mean:.2f}", f"{e['weights'][pillar]:.2f}", ""])
        for name, sub in subs.items():
            inputs = _inputs(sub.get("inputs") or {})
            value = "missing" if sub["value"] is None else _value(sub["value"])
            rows.append(["", "", "", f"{name} {value}" + (f" ({inputs})" if inputs else "")])
    lines.append(table(["pillar", "mean", "weight", "sub-metrics (inputs)"], rows, right=(1, 2)))
    status = str(data["status"]).capitalize()
    since = f" since {data['status_since'][:10]}" if data.get("status_since") else ""
    lines.append(f"Total: {num(data['score'])} → {status}{since}")
    note = " — insufficient data: not announced" if data["insufficient_data"] else ""
    lines.append(
        f"Confidence: {pct(e['confidence'], 0)} of the model's weight had a measured pillar; "
        f"{pct(e['coverage'], 0)} measured sub-metric by sub-metric{note}"
    )
    if e["missing"]:
        lines.append(f"Missing (not counted as zero): {', '.join(e['missing'])}")
    if e["moved"]:
        since = "since the last announcement" if data["last_announced"]["score"] is not None else "(none announced yet)"
        lines.append(f"Moved most {since}: {_moved(e['moved'])}")
    last = data["history"][0] if data["history"] else None
    if last and last.get("moved"):
        lines.append(f"Moved most at the last change ({last['at'][:16]}, {last['reason']}): {_moved(last['moved'])}")
    current = data["as_of_now"]
    if current["score"] is not None and (
        current["status"] != data["status"] or abs(current["score"] - data["score"]) >= 1
    ):
        stale = " (insufficient data)" if current["insufficient_data"] else ""
        lines.append(
            f"As of now (inputs age): {num(current['score'])} → {str(current['status']).capitalize()}{stale}; "
            "the cadence job rescores it at the next check"
        )
    if data["history"]:
        trend = " ← ".join(f"{h['at'][:10]} {h['status']} {num(h['score'])}" for h in data["history"])
        lines.append(f"History (announced changes, newest first): {trend}")
    return "\n".join(lines)
