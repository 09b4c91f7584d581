"""In-memory ingest adapters: identities, the raw archive, the quarantine, delivery idempotency."""

from __future__ import annotations

from typing import Any

from boomerang.portfolio.csv_files import Portfolio, read_portfolio
from services.common.storage import lookup_key
from services.ingest.logic.raw import reference as raw_reference
from services.ingest.models.webhook import Identity
from tests.fakes import EXAMPLES, FakePublisher


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
        item = self.lookups.get(lookup_key(namespace, external_id))
        return Identity(item["account_id"], item.get("contact_id")) if item else None

    def account_exists(self, account_id: str) -> bool:
        return account_id in self.accounts

    def remember(self, namespace: str, external_id: str, identity: Any, learned_from: str) -> bool:
        key = lookup_key(namespace, external_id)
        if key in self.lookups:
            return False
        self.lookups[key] = {"pk": key, "account_id": identity.account_id, "contact_id": identity.contact_id}
        self.learned.append((key, identity.account_id, learned_from))
        return True

    def add(self, namespace: str, external_id: str, account_id: str, contact_id: str | None = None) -> str:
        """An operator's import of one mapping; returns its lookup key."""
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
    telemetry: Any = None,
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
        telemetry=telemetry,
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

    def register(self, context: Any) -> None:
        """PowertoolsOnce takes the Lambda context; nothing to do in memory."""
