"""Reads the portfolio (PortfolioTable) for every service. Writes happen only through the importer."""

from __future__ import annotations

import os
from typing import Any, Protocol

from services.common.adapters.dynamo import Table, batch_get, key
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


class PortfolioTable(Table):
    def __init__(self, table_name: str | None = None, dynamodb: Any = None):
        super().__init__(table_name or os.environ["PORTFOLIO_TABLE"], dynamodb)

    def account_for(self, source: str, external_id: str) -> str | None:
        item = self.read(lookup_key(source, external_id), "LOOKUP")
        return item["account_id"] if item else None

    def contact_for_email(self, email: str) -> tuple[str, str | None] | None:
        item = self.read(email_key(email), "LOOKUP")
        return (item["account_id"], item.get("contact_id")) if item else None

    def account(self, account_id: str) -> Account | None:
        item = self.read(account_key(account_id), "PROFILE")
        return Account.model_validate(item) if item else None

    def contacts(self, account_id: str) -> list[Contact]:
        return [Contact.model_validate(i) for i in self.partition(account_key(account_id), "CONTACT#")]

    def member(self, member_id: str) -> Member | None:
        item = self.read(member_key(member_id), "PROFILE")
        return Member.model_validate(item) if item else None

    def connections(self, contact_id: str) -> list[Connection]:
        return [Connection.model_validate(i) for i in self.partition(contact_key(contact_id), "KNOWS#")]

    def targets(self, domains: list[str]) -> dict[str, Target]:
        unique = sorted({d.lower() for d in domains})
        found: dict[str, Target] = {}
        for start in range(0, len(unique), 100):  # BatchGetItem takes at most 100 keys
            keys = [key(target_key(d), "PROFILE") for d in unique[start : start + 100]]
            for item in batch_get(self.db, {self.name: {"Keys": keys}}).values():
                target = Target.model_validate(item)
                found[target.domain] = target
        return found
