"""Reads the portfolio (PortfolioTable) for every service. Writes happen only through the importer."""

from __future__ import annotations

from services.common.adapters.dynamo import Table, batch_get, key
from services.common.models.portfolio import Account, Connection, Contact, Member, Target
from services.common.storage import (
    CONTACT_PREFIX,
    KNOWS_PREFIX,
    Sk,
    account_key,
    contact_key,
    email_key,
    lookup_key,
    member_key,
    target_key,
)


class PortfolioTable(Table):
    def account_for(self, source: str, external_id: str) -> str | None:
        item = self.read(lookup_key(source, external_id), Sk.LOOKUP)
        return item["account_id"] if item else None

    def contact_for_email(self, email: str) -> tuple[str, str | None] | None:
        item = self.read(email_key(email), Sk.LOOKUP)
        return (item["account_id"], item.get("contact_id")) if item else None

    def account(self, account_id: str) -> Account | None:
        item = self.read(account_key(account_id), Sk.PROFILE)
        return Account.model_validate(item) if item else None

    def contacts(self, account_id: str) -> list[Contact]:
        return [Contact.model_validate(i) for i in self.partition(account_key(account_id), CONTACT_PREFIX)]

    def member(self, member_id: str) -> Member | None:
        item = self.read(member_key(member_id), Sk.PROFILE)
        return Member.model_validate(item) if item else None

    def connections(self, contact_id: str) -> list[Connection]:
        return [Connection.model_validate(i) for i in self.partition(contact_key(contact_id), KNOWS_PREFIX)]

    def targets(self, domains: list[str]) -> dict[str, Target]:
        unique = sorted({d.lower() for d in domains})
        found: dict[str, Target] = {}
        for start in range(0, len(unique), 100):  # BatchGetItem takes at most 100 keys
            keys = [key(target_key(d), Sk.PROFILE) for d in unique[start : start + 100]]
            for item in batch_get(self.db, {self.name: {"Keys": keys}}).values():
                target = Target.model_validate(item)
                found[target.domain] = target
        return found
