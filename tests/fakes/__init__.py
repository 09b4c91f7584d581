"""In-memory stand-ins for the adapters, so domain code is tested with no AWS and no network.

Shared ones here; each service's own in tests/fakes/<service>.py.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from boomerang.portfolio.csv_files import Portfolio, read_portfolio
from services.common.models.events import EventEnvelope, EventType, new_event
from services.common.models.portfolio import Account, Connection, Contact, Member, Target
from services.common.models.signals import AccountSignals
from services.triggers.models.trigger import TriggerRecord

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


class InMemoryDirectory:
    def __init__(self, portfolio: Portfolio):
        self.portfolio = portfolio
        self.lookups: dict[tuple[str, str], str] = {}
        for account in portfolio.accounts:
            for source, external_id in account.external_ids.items():
                self.lookups[(source, external_id)] = account.account_id
            if account.domain:
                self.lookups[("domain", account.domain)] = account.account_id

    @classmethod
    def examples(cls) -> InMemoryDirectory:
        return cls(read_portfolio(EXAMPLES / "portfolio"))

    def account_for(self, source: str, external_id: str) -> str | None:
        return self.lookups.get((source, external_id))

    def contact_for_email(self, email: str) -> tuple[str, str | None] | None:
        for c in self.portfolio.contacts:
            if c.email == email.lower():
                return c.account_id, c.contact_id
        return None

    def account_exists(self, account_id: str) -> bool:
        return self.account(account_id) is not None

    def account(self, account_id: str) -> Account | None:
        return next((a for a in self.portfolio.accounts if a.account_id == account_id), None)

    def contacts(self, account_id: str) -> list[Contact]:
        return [c for c in self.portfolio.contacts if c.account_id == account_id]

    def contact_by_email(self, email: str) -> Contact:
        return next(c for c in self.portfolio.contacts if c.email == email)

    def member(self, member_id: str) -> Member | None:
        return next((m for m in self.portfolio.members if m.member_id == member_id), None)

    def connections(self, contact_id: str) -> list[Connection]:
        return [c for c in self.portfolio.connections if c.contact_id == contact_id]

    def targets(self, domains: list[str]) -> dict[str, Target]:
        wanted = {d.lower() for d in domains}
        return {t.domain: t for t in self.portfolio.targets if t.domain in wanted}


class InMemoryStateStore:
    """Signals, triggers, cool-downs and ask decisions, as the StateTable keeps them."""

    def __init__(self) -> None:
        self.signals: dict[str, AccountSignals] = {}
        self.asked: dict[str, datetime] = {}
        self.triggers: dict[str, dict[str, Any]] = {}

    # scoring
    def load(self, account_id: str) -> AccountSignals:
        return self.signals.get(account_id, AccountSignals(account_id=account_id))

    def save(self, before: AccountSignals, after: AccountSignals) -> None:
        from services.scoring.models.errors import ConcurrentUpdate

        if self.load(after.account_id).version != before.version:
            raise ConcurrentUpdate(after.account_id)
        self.signals[after.account_id] = after.model_copy(update={"version": before.version + 1})

    # triggers
    def last_asked(self, contact_key: str) -> datetime | None:
        return self.asked.get(contact_key)

    def claim(self, record: TriggerRecord, cooldown_days: int) -> bool:
        if record.trigger_id in self.triggers:
            return False
        self.triggers[record.trigger_id] = {
            "status": "pending",
            "account_id": record.account_id,
            "csm_member_id": record.csm_member_id,
            "csm_slack_user_id": record.csm_slack_user_id,
            "window_ends_at": record.window_ends_at.isoformat(),
        }
        self.asked[record.promoter_contact_id or ""] = record.fired_at
        return True

    # notify
    def get(self, trigger_id: str) -> dict[str, Any] | None:
        return self.triggers.get(trigger_id)

    def dm_sent(self, trigger_id: str) -> bool:
        return bool(self.triggers.get(trigger_id, {}).get("slack_ts"))

    def set_message(self, trigger_id: str, channel: str, ts: str, blocks_json: str) -> None:
        self.triggers[trigger_id].update(slack_channel=channel, slack_ts=ts, blocks=blocks_json)

    def mark_emailed(self, trigger_id: str, message_id: str) -> None:
        self.triggers[trigger_id]["email_message_id"] = message_id

    def decide(self, trigger_id: str, status: str, slack_user_id: str, at: datetime) -> bool:
        record = self.triggers.get(trigger_id)
        if not record or record["status"] != "pending" or datetime.fromisoformat(record["window_ends_at"]) <= at:
            return False
        record.update(status=status, decided_by=slack_user_id)
        return True


class FakePublisher:
    def __init__(self) -> None:
        self.published: list[EventEnvelope] = []

    def publish(self, events: list[EventEnvelope]) -> None:
        self.published.extend(events)


class Clock:
    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


# -- canonical events as the generic source makes them, and as the bus delivers them to a queue ------------

EVENT_TIME = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


def generic_event(
    event_type: EventType, data: dict[str, Any], sid: str = "1", at: datetime = EVENT_TIME, account_id: str = "acc"
) -> EventEnvelope:
    return new_event(
        source="generic",
        source_event_id=sid,
        account_id=account_id,
        event_type=event_type,
        data=data,
        occurred_at=at,
        received_at=at,
    )


def bus_message(event: EventEnvelope, source: str = "boomerang.ingest") -> str:
    """The SQS message body an EventBridge rule delivers for ``event``."""
    return json.dumps({"source": source, "detail-type": event.type.value, "detail": json.loads(event.detail())})
