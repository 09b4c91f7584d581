"""In-memory triggers adapters (the evaluator's fact gathering) and the examples' peak moments."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from services.common.models.events import EventEnvelope, EventType, new_event
from tests.fakes import InMemoryDirectory, InMemoryStateStore

#: The moment the examples are evaluated at (their NPS answers arrive five minutes before).
NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
PRIYA = "priya.raman@halvorsen-freight.example"  # a promoter with connections at ICP-fit accounts


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


def nps(
    directory: InMemoryDirectory,
    email: str,
    score: int,
    response_id: str = "r1",
    at: datetime = NOW - timedelta(minutes=5),
) -> EventEnvelope:
    """The NpsResponded Delighted's webhook becomes for the example contact ``email``."""
    contact = directory.contact_by_email(email)
    return new_event(
        source="delighted",
        source_event_id=response_id,
        account_id=contact.account_id,
        event_type=EventType.NPS_RESPONDED,
        occurred_at=at,
        received_at=at,
        data={
            "response_id": response_id,
            "score": score,
            "contact_id": contact.contact_id,
            "respondent_email": email,
            "respondent_name": contact.name,
        },
    )
