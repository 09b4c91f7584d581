"""Writes a portfolio directory into the PortfolioTable (and the lookups ingest resolves identities by)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from boomerang.portfolio.csv_files import Portfolio, read_portfolio
from services.common.adapters.aws import client
from services.common.adapters.dynamo import to_item
from services.common.storage import (
    account_key,
    contact_key,
    contact_namespace,
    email_key,
    lookup_key,
    member_key,
    name_key,
    renewal_key,
    target_key,
)


def portfolio_items(portfolio: Portfolio) -> Iterator[tuple[str, dict[str, Any]]]:
    """(kind, item) for every record, keys as in docs/architecture.md."""
    for account in portfolio.accounts:
        yield "accounts", {"pk": account_key(account.account_id), "sk": "PROFILE", **account.model_dump(mode="json")}
        for source, external_id in account.external_ids.items():
            yield "lookups", {"pk": lookup_key(source, external_id), "sk": "LOOKUP", "account_id": account.account_id}
        if account.domain:
            yield (
                "lookups",
                {"pk": lookup_key("domain", account.domain), "sk": "LOOKUP", "account_id": account.account_id},
            )
        # `boomerang health --customer NAME` finds the account by its name with one GetItem.
        yield "lookups", {"pk": name_key(account.name), "sk": "LOOKUP", "account_id": account.account_id}
        # `boomerang forecast --period 2027Q1` Queries the accounts renewing in a quarter.
        if account.renewal_date is not None:
            yield (
                "renewals",
                {
                    "pk": renewal_key(account.renewal_date),
                    "sk": account_key(account.account_id),
                    "account_id": account.account_id,
                    "renewal_date": account.renewal_date.isoformat(),
                },
            )
    for contact in portfolio.contacts:
        yield (
            "contacts",
            {
                "pk": account_key(contact.account_id),
                "sk": contact_key(contact.contact_id),
                **contact.model_dump(mode="json"),
            },
        )
        person = {"sk": "LOOKUP", "account_id": contact.account_id, "contact_id": contact.contact_id}
        if contact.email:
            yield "lookups", {"pk": email_key(contact.email), **person}
        for source, external_id in contact.external_ids.items():
            yield "lookups", {"pk": lookup_key(contact_namespace(source), external_id), **person}
    for member in portfolio.members:
        yield "members", {"pk": member_key(member.member_id), "sk": "PROFILE", **member.model_dump(mode="json")}
    for target in portfolio.targets:
        yield "targets", {"pk": target_key(target.domain), "sk": "PROFILE", **target.model_dump(mode="json")}
    for number, connection in enumerate(portfolio.connections):
        yield (
            "connections",
            {
                "pk": contact_key(connection.contact_id),
                "sk": f"KNOWS#{number:05d}",
                **connection.model_dump(mode="json"),
            },
        )


def import_portfolio(data_dir: Path, table_name: str, dynamodb: Any = None) -> dict[str, int]:
    """Validate every file first (nothing is written if any row is bad), then batch-write. Returns counts."""
    portfolio = read_portfolio(Path(data_dir))
    db = dynamodb or client("dynamodb")
    counts: dict[str, int] = {}
    batch: list[dict[str, Any]] = []
    for kind, item in portfolio_items(portfolio):
        counts[kind] = counts.get(kind, 0) + 1
        batch.append({"PutRequest": {"Item": to_item(item)}})
        if len(batch) == 25:  # BatchWriteItem's limit
            _write(db, table_name, batch)
            batch = []
    if batch:
        _write(db, table_name, batch)
    return counts


def _write(db: Any, table_name: str, batch: list[dict[str, Any]]) -> None:
    request: dict[str, Any] = {table_name: batch}
    for _ in range(8):
        unprocessed = db.batch_write_item(RequestItems=request).get("UnprocessedItems") or {}
        if not unprocessed:
            return
        request = unprocessed
    raise RuntimeError(f"DynamoDB kept {len(request.get(table_name, []))} items unprocessed; import incomplete")
