"""The portfolio export read by ``risk`` and ``forecast`` (examples/cs/customers.csv): one row per account
with its commercial facts and the latest signals."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .common import SEGMENTS, Column, InputError, boolean, choice, duplicates, integer, iso_date, number, read_csv, text

CUSTOMER_COLUMNS = (
    Column("account_id", text, help="account id, unique (acc-…, as in examples/portfolio/accounts.csv)"),
    Column("name", text, help="company name"),
    Column("segment", choice(*SEGMENTS), help="Enterprise, Mid-Market, SMB or Strategic"),
    Column("arr", number(0), help="annual recurring revenue, USD"),
    Column("renewal_date", iso_date, help="next renewal, YYYY-MM-DD"),
    Column("csm_id", text, required=False, help="owning CSM (member_id)"),
    Column("health_score", number(0, 100), required=False, help="latest health score 0–100 (empty: not scored)"),
    Column("active_users", integer(0), required=False, help="users active in the last 30 days"),
    Column("licensed_seats", integer(0), required=False, help="seats under contract"),
    Column("feature_adoption_pct", number(0, 100), required=False, help="share of the key features in use, 0–100"),
    Column("logins_30d_change_pct", number(-100), required=False, help="change in logins vs the previous 30 days, %"),
    Column("open_critical_tickets", integer(0), required=False, help="open P1/critical support tickets"),
    Column("last_meeting_days", integer(0), required=False, help="days since the last meeting with the customer"),
    Column("nps", integer(0), required=False, help="latest NPS answer of the main contact, 0–10"),
    Column("champion_changed", boolean, required=False, help="yes if the champion left or changed role (90 days)"),
    Column("sponsor_changed", boolean, required=False, help="yes if the executive sponsor changed (90 days)"),
    Column("competitor_mentioned", boolean, required=False, help="yes if a competitor evaluation is known"),
    Column("payment_late_days", integer(0), required=False, help="days the oldest open invoice is overdue"),
)


def read_customers(path: Path) -> list[dict[str, Any]]:
    problems: list[str] = []
    rows = read_csv(path, CUSTOMER_COLUMNS, problems)
    problems += duplicates(rows, lambda r: repr(r["account_id"]), path.name, "account_id")
    for row in rows:
        if row["nps"] is not None and row["nps"] > 10:
            problems.append(f"{path.name} row {row['_row']}: nps: must be 0–10, got {row['nps']}")
    if problems:
        raise InputError(problems)
    return rows
