"""In-memory stand-ins for the adapters, so domain code is tested with no AWS and no network."""

from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from boomerang.portfolio.csv_files import Portfolio, read_portfolio
from services.common.events import EventEnvelope, EventType, new_event
from services.common.portfolio import Account, Connection, Contact, Member, Target
from services.common.signals import AccountSignals
from services.ingest.logic.identities import Identity
from services.ingest.logic.raw import reference as raw_reference
from services.triggers.logic.evaluator import TriggerRecord

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


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
        from services.scoring.dal.state_table import ConcurrentUpdate

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


class FakeSlack:
    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self._ts = itertools.count(1)

    def chat_postMessage(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(("chat.postMessage", kwargs))
        return {"ok": True, "channel": "D" + kwargs["channel"][1:], "ts": f"1700000000.{next(self._ts):06d}"}

    def chat_update(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(("chat.update", kwargs))
        return {"ok": True}


class FakeMailer:
    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    def send(self, **kwargs: Any) -> str:
        self.sent.append(kwargs)
        return f"msg-{len(self.sent)}"


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


class InMemoryFacts:
    """The evaluator's two-read fact gathering, over the in-memory directory and state."""

    def __init__(self, directory: InMemoryDirectory, store: InMemoryStateStore):
        self.directory = directory
        self.store = store

    def gather(self, account_id: str, contact_key: str, promoter_id: str | None) -> Any:
        from services.triggers.models.facts import Facts

        account = self.directory.account(account_id)
        if account is None:
            return None
        return Facts(
            account=account,
            promoter=next((c for c in self.directory.contacts(account_id) if c.contact_id == promoter_id), None),
            csm=self.directory.member(account.csm_id),
            signals=self.store.load(account_id),
            last_asked=self.store.last_asked(contact_key),
            connections=(connections := self.directory.connections(promoter_id) if promoter_id else []),
            targets=self.directory.targets([c.company_domain for c in connections if c.company_domain]),
        )


class InMemorySchedules:
    """Health-check schedules as the StateTable's CADENCE items and DueIndex keep them."""

    def __init__(self) -> None:
        self.items: dict[str, Any] = {}

    def put_schedule(self, entry: Any) -> None:
        current = self.items.get(entry.account_id)
        if current is not None and current.since > entry.since:
            return  # an older status change arriving late
        last_check = current.last_check_at if current is not None else None
        from dataclasses import replace

        self.items[entry.account_id] = replace(entry, last_check_at=last_check)

    def due(self, now: datetime) -> list[Any]:
        return sorted((e for e in self.items.values() if e.due_at <= now), key=lambda e: e.due_at)

    def reschedule(self, before: Any, after: Any) -> bool:
        current = self.items.get(before.account_id)
        if current is None or current.due_at != before.due_at or current.since != before.since:
            return False
        self.items[after.account_id] = after
        return True


class RecordingAnnouncer:
    """Scoring's announcer: history records, schedules (into ``schedules``) and every published event."""

    def __init__(self, schedules: InMemorySchedules | None = None) -> None:
        self.announcements: list[Any] = []
        self.events: list[EventEnvelope] = []
        self.schedules = schedules

    def announce(self, announcement: Any) -> None:
        self.announcements.append(announcement)
        if announcement.schedule is not None and self.schedules is not None:
            self.schedules.put_schedule(announcement.schedule)
        self.events.append(announcement.event)

    def signal(self, event: EventEnvelope) -> None:
        self.events.append(event)

    def of_type(self, event_type: str) -> list[EventEnvelope]:
        return [e for e in self.events if e.type == event_type]


# -- ingest: identities, raw archive, quarantine ---------------------------------------------------------


class InMemoryIdentities:
    """The PortfolioTable's lookups, built by the importer's own item generator (same keys, same values)."""

    def __init__(self, portfolio: Portfolio):
        from boomerang.portfolio.importer import portfolio_items

        self.lookups: dict[str, dict[str, Any]] = {}
        self.accounts: set[str] = set()
        for kind, item in portfolio_items(portfolio):
            if kind == "lookups":
                self.lookups[item["pk"]] = item
            elif kind == "accounts":
                self.accounts.add(item["account_id"])
        self.learned: list[tuple[str, str, str]] = []  # (lookup key, account id, learned from)

    @classmethod
    def examples(cls) -> InMemoryIdentities:
        return cls(read_portfolio(EXAMPLES / "portfolio"))

    def find(self, namespace: str, external_id: str) -> Any:
        item = self.lookups.get(f"LOOKUP#{namespace}#{external_id}")  # services.common.portfolio.lookup_key
        return Identity(item["account_id"], item.get("contact_id")) if item else None

    def account_exists(self, account_id: str) -> bool:
        return account_id in self.accounts

    def remember(self, namespace: str, external_id: str, identity: Any, learned_from: str) -> bool:
        from services.common.portfolio import lookup_key

        key = lookup_key(namespace, external_id)
        if key in self.lookups:
            return False
        self.lookups[key] = {"pk": key, "account_id": identity.account_id, "contact_id": identity.contact_id}
        self.learned.append((key, identity.account_id, learned_from))
        return True

    def add(self, namespace: str, external_id: str, account_id: str, contact_id: str | None = None) -> str:
        """An operator's import of one mapping; returns its lookup key."""
        from services.common.portfolio import lookup_key

        key = lookup_key(namespace, external_id)
        self.lookups[key] = {"pk": key, "account_id": account_id, "contact_id": contact_id}
        return key


class InMemoryArchive:
    """Keeps each archived body under its raw_ref (``keep=False`` discards them: benchmarks)."""

    def __init__(self, bucket: str = "raw-archive", keep: bool = True):
        self.bucket = bucket
        self.keep = keep
        self.bodies: dict[str, Any] = {}
        self.stored = 0

    def reference(self, raw: Any) -> str:
        return raw_reference(self.bucket, raw)  # the production reference format, not a fake one

    def store(self, raw: Any) -> str:
        self.stored += 1
        if self.keep:
            self.bodies[self.reference(raw)] = raw
        return "memory"

    def begin(self, raw: Any) -> Any:
        how = self.store(raw)
        return lambda: how


class InMemoryQuarantine:
    """The QuarantineTable's behaviour: upsert by id, waiting pointers, listing of pending items."""

    def __init__(self) -> None:
        self.items: dict[str, Any] = {}
        self.waiting: dict[str, set[str]] = {}

    def keep(self, item: Any, *, replay: bool) -> None:
        import dataclasses

        old = self.items.get(item.quarantine_id)
        counts = {
            "deliveries": (old.deliveries if old else 0) + (0 if replay else 1),
            "attempts": (old.attempts if old else 0) + (1 if replay else 0),
        }
        first = {"received_at": old.received_at} if old else {}
        self.items[item.quarantine_id] = dataclasses.replace(item, status="pending", outcome=None, **counts, **first)
        for key in item.waiting_for:
            self.waiting.setdefault(key, set()).add(item.quarantine_id)

    def get(self, quarantine_id: str) -> Any:
        return self.items.get(quarantine_id)

    def resolve(self, quarantine_id: str, outcome: str, event_ids: list[str], raw_ref: str | None, at: Any) -> None:
        import dataclasses

        item = self.items[quarantine_id]
        if item.status != "pending":
            return
        self.items[quarantine_id] = dataclasses.replace(
            item, status="replayed", outcome=outcome, event_ids=tuple(event_ids), raw_ref=raw_ref, body=b""
        )
        for key in item.waiting_for:
            self.waiting.get(key, set()).discard(quarantine_id)

    def waiting_for(self, lookup_key: str) -> list[str]:
        return sorted(self.waiting.get(lookup_key, ()))

    def pending(self, reason: str, source: str | None = None) -> Any:
        found = [
            i
            for i in self.items.values()
            if i.status == "pending" and i.reason == reason and source in (None, i.source)
        ]
        return iter(sorted(found, key=lambda i: i.listing_key))


def ingest_service(
    sources: Any,
    secrets: dict[str, str],
    bus: FakePublisher | None = None,
    *,
    once: Any = None,
    identities: InMemoryIdentities | None = None,
    archive: InMemoryArchive | None = None,
    quarantine: InMemoryQuarantine | None = None,
) -> Any:
    """The ingest service on in-memory adapters (the example portfolio unless ``identities`` is given)."""
    from services.ingest.logic.pipeline import IngestService

    return IngestService(
        sources,
        lambda: secrets,
        identities if identities is not None else InMemoryIdentities.examples(),
        bus if bus is not None else FakePublisher(),
        once,
        archive=archive if archive is not None else InMemoryArchive(),
        quarantine=quarantine if quarantine is not None else InMemoryQuarantine(),
    )


class InMemoryOnce:
    """Delivery-key idempotency as Powertools gives it: a repeated key returns the first answer."""

    def __init__(self) -> None:
        self.done: dict[str, dict[str, object]] = {}

    def __call__(self, key: str, action: Any) -> tuple[dict[str, object], bool]:
        if key in self.done:
            return self.done[key], True
        self.done[key] = action()
        return self.done[key], False


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
