"""Gathers an account's facts in two sequential round-trips. First, in parallel: the promoter's connections
(Query) and one BatchGetItem for the account profile, the promoter's contact item (PortfolioTable), the
account's signals and the promoter's cool-down (StateTable). Then one BatchGetItem for the CSM and every
connection's target account. Only the items the decision reads are fetched: never the account's other
contacts, however many it has."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any

from services.common.adapters.dynamo import Table, batch_get, key
from services.common.models.portfolio import Account, Connection, Contact, Member, Target
from services.common.models.signals import signals_key, unpack_signals
from services.common.storage import (
    KNOWS_PREFIX,
    PK,
    SK,
    Sk,
    account_key,
    asked_key,
    contact_key,
    member_key,
    target_key,
)
from services.triggers.models.facts import Facts

_MAX_TARGETS = 99  # BatchGetItem takes 100 keys: the CSM and up to 99 target accounts


class DynamoFacts:
    def __init__(self, portfolio_table: str, state_table: str, dynamodb: Any = None):
        self._portfolio = Table(portfolio_table, dynamodb)
        self._state = Table(state_table, dynamodb)

    def gather(self, account_id: str, promoter_key: str, promoter_id: str | None) -> Facts | None:
        account_pk = account_key(account_id)
        signals, asked_pk = signals_key(account_id), asked_key(promoter_key)
        promoter_sk = contact_key(promoter_id) if promoter_id else None
        with ThreadPoolExecutor(max_workers=1) as pool:
            connections_future = pool.submit(self._connections, promoter_id)
            first = batch_get(
                self._portfolio.db,
                {
                    self._state.name: {
                        "Keys": [key(signals[PK], signals[SK]), key(asked_pk, Sk.ASKED)],
                        "ConsistentRead": True,
                    },
                    self._portfolio.name: {
                        "Keys": [key(account_pk, Sk.PROFILE)] + ([key(account_pk, promoter_sk)] if promoter_sk else [])
                    },
                },
            )
            connections = connections_future.result()
        profile = first.get((account_pk, Sk.PROFILE))
        if profile is None:
            return None
        account = Account.model_validate(profile)
        member_pk = member_key(account.csm_id)
        domains = sorted({c.company_domain for c in connections if c.company_domain})[:_MAX_TARGETS]
        second = batch_get(
            self._portfolio.db,
            {
                self._portfolio.name: {
                    "Keys": [key(member_pk, Sk.PROFILE)] + [key(target_key(d), Sk.PROFILE) for d in domains]
                }
            },
        )
        signals_item, asked_item = first.get((signals[PK], signals[SK])), first.get((asked_pk, Sk.ASKED))
        promoter = first.get((account_pk, promoter_sk)) if promoter_sk else None
        member = second.get((member_pk, Sk.PROFILE))
        return Facts(
            account=account,
            promoter=Contact.model_validate(promoter) if promoter else None,
            csm=Member.model_validate(member) if member else None,
            signals=unpack_signals(signals_item or {}, account_id),
            last_asked=datetime.fromisoformat(asked_item["asked_at"]) if asked_item else None,
            connections=connections,
            targets={
                d: Target.model_validate(second[(target_key(d), Sk.PROFILE)])
                for d in domains
                if (target_key(d), Sk.PROFILE) in second
            },
        )

    def _connections(self, promoter_id: str | None) -> list[Connection]:
        if not promoter_id:
            return []
        return [Connection.model_validate(i) for i in self._portfolio.partition(contact_key(promoter_id), KNOWS_PREFIX)]
