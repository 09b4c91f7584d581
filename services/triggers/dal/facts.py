"""Gathers an account's facts in two sequential round-trips: the account Query (profile + contacts) and the
promoter's connections Query run in parallel, then one BatchGetItem fetches signals and the cool-down
(StateTable), the CSM and every connection's target account (PortfolioTable)."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any

from services.common.adapters.dynamo import client, from_item
from services.common.portfolio import (
    Account,
    Connection,
    Contact,
    Member,
    Target,
    account_key,
    contact_key,
    member_key,
    target_key,
)
from services.common.signals import AccountSignals, signals_key
from services.triggers.models.facts import Facts


class DynamoFacts:
    def __init__(self, portfolio_table: str | None = None, state_table: str | None = None, dynamodb: Any = None):
        self._portfolio = portfolio_table or os.environ["PORTFOLIO_TABLE"]
        self._state = state_table or os.environ["STATE_TABLE"]
        self._dynamodb = dynamodb

    @property
    def _db(self) -> Any:
        if self._dynamodb is None:
            self._dynamodb = client("dynamodb")
        return self._dynamodb

    def gather(self, account_id: str, asked_key: str, promoter_id: str | None) -> Facts | None:
        with ThreadPoolExecutor(max_workers=2) as pool:
            connections_future = pool.submit(self._connections, promoter_id)
            account, contacts = self._account(account_id)
            connections = connections_future.result()
        if account is None:
            return None
        asked = {"pk": f"ASKED#{asked_key}", "sk": "ASKED"}
        domains = sorted({c.company_domain for c in connections if c.company_domain})[:98]  # 100 keys per call
        portfolio_keys = [{"pk": member_key(account.csm_id), "sk": "PROFILE"}]
        portfolio_keys += [{"pk": target_key(d), "sk": "PROFILE"} for d in domains]
        wanted = {
            self._state: {"Keys": [_key(signals_key(account_id)), _key(asked)], "ConsistentRead": True},
            self._portfolio: {"Keys": [_key(k) for k in portfolio_keys]},
        }
        items: dict[tuple[str, str], dict[str, Any]] = {}
        while wanted:
            response = self._db.batch_get_item(RequestItems=wanted)
            for table_items in response.get("Responses", {}).values():
                for raw in table_items:
                    item = from_item(raw)
                    items[(item["pk"], item["sk"])] = item
            wanted = response.get("UnprocessedKeys") or {}
        signals_item = items.get((signals_key(account_id)["pk"], "SIGNALS"))
        asked_item = items.get((asked["pk"], "ASKED"))
        member = items.get((member_key(account.csm_id), "PROFILE"))
        targets = {
            d: Target.model_validate(items[(target_key(d), "PROFILE")])
            for d in domains
            if (target_key(d), "PROFILE") in items
        }
        return Facts(
            account=account,
            contacts=contacts,
            csm=Member.model_validate(member) if member else None,
            signals=AccountSignals.model_validate_json(signals_item["signals"])
            if signals_item
            else AccountSignals(account_id=account_id),
            last_asked=datetime.fromisoformat(asked_item["asked_at"]) if asked_item else None,
            connections=connections,
            targets=targets,
        )

    def _connections(self, promoter_id: str | None) -> list[Connection]:
        if not promoter_id:
            return []
        return [Connection.model_validate(i) for i in self._query(contact_key(promoter_id), "KNOWS#")]

    def _account(self, account_id: str) -> tuple[Account | None, list[Contact]]:
        account: Account | None = None
        contacts: list[Contact] = []
        for item in self._query(account_key(account_id), ""):
            if item["sk"] == "PROFILE":
                account = Account.model_validate(item)
            elif item["sk"].startswith("CONTACT#"):
                contacts.append(Contact.model_validate(item))
        return account, contacts

    def _query(self, pk: str, sk_prefix: str) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        values = {":pk": {"S": pk}} | ({":sk": {"S": sk_prefix}} if sk_prefix else {})
        kwargs: dict[str, Any] = {
            "TableName": self._portfolio,
            "KeyConditionExpression": "pk = :pk AND begins_with(sk, :sk)" if sk_prefix else "pk = :pk",
            "ExpressionAttributeValues": values,
        }
        while True:
            page = self._db.query(**kwargs)
            items.extend(from_item(raw) for raw in page.get("Items", []))
            if "LastEvaluatedKey" not in page:
                return items
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def _key(values: dict[str, str]) -> dict[str, dict[str, str]]:
    return {k: {"S": v} for k, v in values.items()}
