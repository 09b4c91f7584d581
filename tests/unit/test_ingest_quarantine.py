"""The quarantine: kept with its reason, listed by reason, replayed idempotently with today's mappings."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import get_args

import pytest

from boomerang.signing import sign
from services.ingest.logic.quarantine import Replayer
from services.ingest.logic.sources import sources
from services.ingest.models.quarantine import REASONS, Reason
from services.ingest.models.webhook import WebhookRequest
from tests.fakes import FakePublisher
from tests.fakes.ingest import InMemoryArchive, InMemoryIdentities, InMemoryOnce, InMemoryQuarantine, ingest_service
from tests.samples import SAMPLES

SECRETS = {"delighted_api_key": "dk", "churnzero_token": "cz", "hubspot_client_secret": "hs", "typeform_secret": "tf"}
NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
URL = "https://hooks.example/webhooks/hubspot"


class World:
    def __init__(self, options: dict | None = None) -> None:
        self.bus = FakePublisher()
        self.identities = InMemoryIdentities.examples()
        self.archive = InMemoryArchive()
        self.quarantine = InMemoryQuarantine()
        self.once = InMemoryOnce()
        self.service = self.with_options(options or {})
        self.replayer = Replayer(self.service, self.quarantine, clock=lambda: NOW)

    def with_options(self, options: dict):
        return ingest_service(
            sources(options),
            SECRETS,
            self.bus,
            once=self.once,
            identities=self.identities,
            archive=self.archive,
            quarantine=self.quarantine,
        )

    def deliver(self, source: str, body: bytes, secret: str):
        headers = sign(source, body, secret, timestamp=int(NOW.timestamp()), url=URL)
        return self.service.accept(WebhookRequest(source, headers, body, NOW, url=URL, path=f"/webhooks/{source}"))


@pytest.fixture
def world() -> World:
    return World()


def _churnzero(account: str = "CUST-20001") -> bytes:
    return SAMPLES["churnzero"].body.replace(b"CUST-10474", account.encode())


def test_unknown_account_waits_for_its_mapping_and_is_published_once_it_exists(world):
    # Given a ChurnZero renewal for an account id nobody imported
    result = world.deliver("churnzero", _churnzero(), "cz")
    # Then it is refused with 422 and kept, waiting for exactly that lookup
    assert (result.status, result.body["error"]) == (422, "unknown_account")
    item = world.quarantine.items[result.quarantine_id]
    assert item.waiting_for == ("LOOKUP#churnzero#CUST-20001",)
    assert world.bus.published == []
    # When the operator imports the mapping and the items waiting for it are replayed
    key = world.identities.add("churnzero", "CUST-20001", "acc-rioclaro")
    [replayed] = world.replayer.replay_waiting([key])
    # Then the event is published for that account, with its raw body archived, and the item is done
    assert (replayed.result, replayed.outcome) == ("replayed", "accepted")
    [event] = world.bus.published
    assert event.account_id == "acc-rioclaro"
    assert event.event_id == replayed.event_ids[0]
    assert world.archive.bodies[event.raw_ref].body == _churnzero()
    assert world.quarantine.items[result.quarantine_id].status == "replayed"
    assert world.quarantine.waiting_for(key) == []


def test_replay_is_idempotent(world):
    result = world.deliver("churnzero", _churnzero(), "cz")
    world.identities.add("churnzero", "CUST-20001", "acc-rioclaro")
    first = world.replayer.replay(result.quarantine_id)
    again = world.replayer.replay(result.quarantine_id)
    assert first.result == "replayed"
    assert (again.result, again.event_ids) == ("already_replayed", first.event_ids)
    assert len(world.bus.published) == 1


def test_a_vendor_retry_that_succeeds_first_makes_the_replay_a_duplicate(world):
    # Given a quarantined delivery whose mapping then arrives, and the vendor retries before any replay
    body = _churnzero()
    kept = world.deliver("churnzero", body, "cz")
    world.identities.add("churnzero", "CUST-20001", "acc-rioclaro")
    assert world.deliver("churnzero", body, "cz").outcome == "accepted"
    # When the item is replayed
    replayed = world.replayer.replay(kept.quarantine_id)
    # Then nothing new reaches the bus and the item is done
    assert (replayed.result, replayed.outcome) == ("replayed", "duplicate")
    assert len(world.bus.published) == 1


def test_a_still_failing_replay_keeps_the_item_with_the_new_reason(world):
    # Given a Typeform answer quarantined as unmappable (no NPS field configured)
    body = SAMPLES["typeform"].unmappable_body
    kept = world.deliver("typeform", body, "tf")
    assert kept.body["error"] == "unmappable"
    # When the field is configured (today's rules) but the respondent is still unknown, and it is replayed
    world.service = world.with_options({"typeform": {"nps_field_ref": "nps_score"}})
    result = Replayer(world.service, world.quarantine).replay(kept.quarantine_id)
    # Then it stays in the quarantine, now waiting for the respondent's mapping
    assert (result.result, result.reason) == ("quarantined", "unknown_account")
    item = world.quarantine.items[kept.quarantine_id]
    assert (item.reason, item.attempts, item.deliveries, item.status) == ("unknown_account", 1, 1, "pending")
    assert "LOOKUP#email#nobody@unknown-company.example" in item.waiting_for
    assert world.bus.published == []


def test_the_same_bad_delivery_twice_is_one_item_with_two_deliveries(world):
    first = world.deliver("delighted", b"{broken", "dk")
    second = world.deliver("delighted", b"{broken", "dk")
    assert first.quarantine_id == second.quarantine_id
    assert world.quarantine.items[first.quarantine_id].deliveries == 2


def test_pending_items_are_listed_by_reason_and_source(world):
    world.deliver("delighted", b"{broken", "dk")
    world.deliver("churnzero", _churnzero(), "cz")
    world.deliver("churnzero", _churnzero("CUST-20002"), "cz")
    assert [i.source for i in world.quarantine.pending("unknown_account")] == ["churnzero", "churnzero"]
    assert [i.source for i in world.quarantine.pending("malformed_payload", "delighted")] == ["delighted"]
    assert list(world.quarantine.pending("unknown_account", "delighted")) == []


def test_bulk_replay_of_unknown_accounts_stops_when_time_runs_out(world):
    for n in range(3):
        world.deliver("churnzero", _churnzero(f"CUST-2000{n}"), "cz")
    for n in range(3):
        world.identities.add("churnzero", f"CUST-2000{n}", "acc-rioclaro")
    budget = iter([True, False])
    results, following = world.replayer.replay_reason("unknown_account", keep_going=lambda: next(budget, False))
    assert len(results) == 1
    assert following is not None
    results, following = world.replayer.replay_reason("unknown_account", after=following)
    assert (len(results), following) == (2, None)
    assert len(world.bus.published) == 3


def test_a_bulk_replay_continues_past_items_that_still_fail(world):
    # Given two unknown accounts of which only the one listed second gets its mapping
    kept = {world.deliver("churnzero", _churnzero(a), "cz").quarantine_id: a for a in ("CUST-20001", "CUST-20002")}
    _, second = [kept[i.quarantine_id] for i in world.quarantine.pending("unknown_account")]
    world.identities.add("churnzero", second, "acc-rioclaro")
    # When the bulk replay runs out of time after the first (still failing) item and continues
    budget = iter([True, False])
    first, following = world.replayer.replay_reason("unknown_account", keep_going=lambda: next(budget, False))
    rest, done = world.replayer.replay_reason("unknown_account", after=following)
    # Then the continuation does not start over: it replays the second and reaches the end
    assert [r.result for r in first] == ["quarantined"]
    assert ([r.result for r in rest], done) == (["replayed"], None)


def test_a_partly_unknown_batch_replays_only_the_waiting_events(world):
    # Given a HubSpot batch where one company is unknown (two other events were published)
    body = SAMPLES["hubspot"].body.replace(b"6061034054", b"1111111111")
    result = world.deliver("hubspot", body, "hs")
    assert result.outcome == "accepted"
    assert result.body["quarantined"] == 1
    published = len(world.bus.published)
    item = world.quarantine.items[result.quarantine_id]
    assert len(item.pending_events) == 1
    # When the company's mapping arrives and the item is replayed
    key = world.identities.add("hubspot", "1111111111", "acc-meridian")
    [replayed] = world.replayer.replay_waiting([key])
    # Then exactly the waiting event is published
    assert replayed.result == "replayed"
    assert len(world.bus.published) == published + 1
    assert world.bus.published[-1].source_event_id == item.pending_events[0]


def test_unknown_item_and_unknown_source_are_reported_not_raised(world):
    assert world.replayer.replay("nope").result == "not_found"


def test_a_replay_answers_with_ids_never_with_the_body(world):
    kept = world.deliver("churnzero", _churnzero(), "cz")
    world.identities.add("churnzero", "CUST-20001", "acc-rioclaro")
    answer = world.replayer.replay(kept.quarantine_id).as_dict()
    assert set(answer) == {"quarantine_id", "result", "outcome", "event_ids"}
    json.dumps(answer)


def test_a_bulk_replay_names_exactly_the_reasons_the_quarantine_keeps():
    # The request model's Literal spells the reasons again (a type needs them spelled); they must agree
    assert get_args(Reason) == REASONS
