"""Gathers an account's facts in two sequential round-trips: the account Query (profile + contacts) and the
promoter's connections Query run in parallel, then one BatchGetItem fetches signals and the cool-down
(StateTable), the CSM and every connection's target account (PortfolioTable)."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any

from services.common.adapters.dynamo import Table, batch_get, key
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
        self._portfolio = Table(portfolio_table or os.environ["PORTFOLIO_TABLE"], dynamodb)
        self._state = Table(state_table or os.environ["STATE_TABLE"], dynamodb)

    def gather(self, account_id: str, asked_key: str, promoter_id: str | None) -> Facts | None:
        with ThreadPoolExecutor(max_workers=2) as pool:
            connections_future = pool.submit(self._connections, promoter_id)
            account, contacts = self._account(account_id)
            connections = connections_future.result()
        if account is None:
            return None
        signals_pk, asked_pk, member_pk = (
            signals_key(account_id)["pk"],
            f"ASKED#{asked_key}",
            member_key(account.csm_id),
        )
        # BatchGetItem takes 100 keys in all: 2 state keys, the CSM, and up to 97 target accounts.
        domains = sorted({c.company_domain for c in connections if c.company_domain})[:97]
        items = batch_get(
            self._portfolio.db,
            {
                self._state.name: {
                    "Keys": [key(signals_pk, "SIGNALS"), key(asked_pk, "ASKED")],
                    "ConsistentRead": True,
                },
                self._portfolio.name: {
                    "Keys": [key(member_pk, "PROFILE")] + [key(target_key(d), "PROFILE") for d in domains]
                },
            },
        )
        signals_item, asked_item = items.get((signals_pk, "SIGNALS")), items.get((asked_pk, "ASKED"))
        member = items.get((member_pk, "PROFILE"))
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
        return [Connection.model_validate(i) for i in self._portfolio.partition(contact_key(promoter_id), "KNOWS#")]

    def _account(self, account_id: str) -> tuple[Account | None, list[Contact]]:
        account: Account | None = None
        contacts: list[Contact] = []
        for item in self._portfolio.partition(account_key(account_id), ""):
            if item["sk"] == "PROFILE":
                account = Account.model_validate(item)
            elif item["sk"].startswith("CONTACT#"):
                contacts.append(Contact.model_validate(item))
        return account, contacts
