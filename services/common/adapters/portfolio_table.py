"""Reads the portfolio (PortfolioTable) for every service. Writes happen only through the importer."""

from __future__ import annotations

import os
from typing import Any, Protocol

from services.common.adapters.dynamo import client, from_item
from services.common.portfolio import (
    Account,
    Connection,
    Contact,
    Member,
    Target,
    account_key,
    contact_key,
    email_key,
    lookup_key,
    member_key,
    target_key,
)


class Directory(Protocol):
    """What the domain needs to know about people and accounts (an in-memory fake serves tests)."""

    def account_for(self, source: str, external_id: str) -> str | None: ...
    def contact_for_email(self, email: str) -> tuple[str, str | None] | None: ...
    def account(self, account_id: str) -> Account | None: ...
    def contacts(self, account_id: str) -> list[Contact]: ...
    def member(self, member_id: str) -> Member | None: ...
    def connections(self, contact_id: str) -> list[Connection]: ...
    def targets(self, domains: list[str]) -> dict[str, Target]: ...


class PortfolioTable:
    def __init__(self, table_name: str | None = None, dynamodb: Any = None):
        self._table = table_name or os.environ["PORTFOLIO_TABLE"]
        self._dynamodb = dynamodb

    @property
    def _db(self) -> Any:
        if self._dynamodb is None:
            self._dynamodb = client("dynamodb")
        return self._dynamodb

    def _get(self, pk: str, sk: str) -> dict[str, Any] | None:
        response = self._db.get_item(TableName=self._table, Key={"pk": {"S": pk}, "sk": {"S": sk}})
        item = response.get("Item")
        return from_item(item) if item else None

    def _query(self, pk: str, sk_prefix: str) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "pk = :pk AND begins_with(sk, :sk)",
            "ExpressionAttributeValues": {":pk": {"S": pk}, ":sk": {"S": sk_prefix}},
        }
        while True:
            page = self._db.query(**kwargs)
            items.extend(from_item(i) for i in page.get("Items", []))
            if "LastEvaluatedKey" not in page:
                return items
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def account_for(self, source: str, external_id: str) -> str | None:
        item = self._get(lookup_key(source, external_id), "LOOKUP")
        return item["account_id"] if item else None

    def contact_for_email(self, email: str) -> tuple[str, str | None] | None:
        item = self._get(email_key(email), "LOOKUP")
        return (item["account_id"], item.get("contact_id")) if item else None

    def account(self, account_id: str) -> Account | None:
        item = self._get(account_key(account_id), "PROFILE")
        return Account.model_validate(item) if item else None

    def contacts(self, account_id: str) -> list[Contact]:
        return [Contact.model_validate(i) for i in self._query(account_key(account_id), "CONTACT#")]

    def member(self, member_id: str) -> Member | None:
        item = self._get(member_key(member_id), "PROFILE")
        return Member.model_validate(item) if item else None

    def connections(self, contact_id: str) -> list[Connection]:
        return [Connection.model_validate(i) for i in self._query(contact_key(contact_id), "KNOWS#")]

    def targets(self, domains: list[str]) -> dict[str, Target]:
        found: dict[str, Target] = {}
        unique = sorted({d.lower() for d in domains})
        for start in range(0, len(unique), 100):  # BatchGetItem takes at most 100 keys
            keys = [{"pk": {"S": target_key(d)}, "sk": {"S": "PROFILE"}} for d in unique[start : start + 100]]
            request: dict[str, Any] = {self._table: {"Keys": keys}}
            while request:
                response = self._db.batch_get_item(RequestItems=request)
                for item in response.get("Responses", {}).get(self._table, []):
                    target = Target.model_validate(from_item(item))
                    found[target.domain] = target
                request = response.get("UnprocessedKeys") or {}
        return found
