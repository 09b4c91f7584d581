"""In-memory triggers adapters: the evaluator's fact gathering."""

from __future__ import annotations

from typing import Any

from tests.fakes import InMemoryDirectory, InMemoryStateStore


class InMemoryFacts:
    """The evaluator's two-read fact gathering, over the in-memory directory and state."""

    def __init__(self, directory: InMemoryDirectory, store: InMemoryStateStore):
        self.directory = directory
        self.store = store

    def gather(self, account_id: str, promoter_key: str, promoter_id: str | None) -> Any:
        from services.triggers.models.facts import Facts

        account = self.directory.account(account_id)
        if account is None:
            return None
        return Facts(
            account=account,
            promoter=next((c for c in self.directory.contacts(account_id) if c.contact_id == promoter_id), None),
            csm=self.directory.member(account.csm_id),
            signals=self.store.load(account_id),
            last_asked=self.store.last_asked(promoter_key),
            connections=(connections := self.directory.connections(promoter_id) if promoter_id else []),
            targets=self.directory.targets([c.company_domain for c in connections if c.company_domain]),
        )
