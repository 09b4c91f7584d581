"""Every source, the same guarantees: valid, wrong secret, stale timestamp, duplicate, malformed, unmappable."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.common.storage import SOURCE_SECRET_KEYS
from services.ingest.logic.sources import SOURCE_NAMES, sources
from services.ingest.models.webhook import WebhookRequest
from tests.fakes import FakePublisher
from tests.fakes.ingest import InMemoryArchive, InMemoryOnce, InMemoryQuarantine, ingest_service
from tests.samples import SAMPLES, SOURCE_OPTIONS, TIMESTAMPED, signed, url_for

ADAPTERS = sources(SOURCE_OPTIONS)
SECRETS = {adapter.secret_key: f"secret-of-{name}" for name, adapter in ADAPTERS.items()}
BASE = "https://hooks.boomerang.example"


class Harness:
    def __init__(self) -> None:
        self.bus = FakePublisher()
        self.archive = InMemoryArchive()
        self.quarantine = InMemoryQuarantine()
        self.service = ingest_service(
            ADAPTERS, SECRETS, self.bus, once=InMemoryOnce(), archive=self.archive, quarantine=self.quarantine
        )

    def deliver(self, source: str, body: bytes, secret: str | None = None, timestamp: int | None = None):
        right = SECRETS[ADAPTERS[source].secret_key]
        url = url_for(BASE, source, secret or right)
        headers = signed(source, body, secret or right, url, timestamp)
        request = WebhookRequest(source, headers, body, datetime.now(UTC), url=url, path=f"/webhooks/{source}")
        return self.service.accept(request)

    def nothing_kept(self) -> None:
        """Nothing was published, archived or quarantined (one assert each, so a failure says which)."""
        assert self.bus.published == []
        assert self.archive.bodies == {}
        assert self.quarantine.items == {}


@pytest.fixture
def harness() -> Harness:
    return Harness()


def test_every_source_has_a_sample():
    assert set(SAMPLES) == set(SOURCE_NAMES)


def test_the_sources_are_the_storage_contracts_each_with_its_secret_key():
    # Given the sources ingest builds, and the secret keys the storage contract names (infra creates those)
    built = sources()
    # Then they are the same sources, in the same order, each reading its own key
    assert list(built) == list(SOURCE_NAMES)
    assert list(SOURCE_NAMES) == list(SOURCE_SECRET_KEYS)
    assert {name: source.secret_key for name, source in built.items()} == SOURCE_SECRET_KEYS


@pytest.mark.parametrize("source", SOURCE_NAMES)
def test_valid_delivery_is_published_with_its_archived_raw_body(harness, source):
    # Given a correctly signed delivery
    body = SAMPLES[source].body
    # When it arrives
    result = harness.deliver(source, body)
    # Then it is accepted and its events are on the bus, each pointing at the exact archived body
    assert result.outcome == "accepted", result.body
    assert result.status == (200 if source == "salesforce" else 202)
    assert harness.bus.published
    assert len(harness.bus.published) == result.body["accepted"]
    assert {e.raw_ref for e in harness.bus.published} == {result.raw_ref}
    assert harness.archive.bodies[result.raw_ref].body == body
    assert harness.quarantine.items == {}


@pytest.mark.parametrize("source", SOURCE_NAMES)
def test_wrong_secret_is_401_and_nothing_is_kept_or_published(harness, source):
    result = harness.deliver(source, SAMPLES[source].body, secret="not-the-secret")
    assert (result.status, result.reason) == (401, "invalid_signature")
    harness.nothing_kept()


@pytest.mark.parametrize("source", TIMESTAMPED)
def test_a_delivery_signed_more_than_five_minutes_ago_is_401(harness, source):
    stale = int(datetime.now(UTC).timestamp()) - 301
    result = harness.deliver(source, SAMPLES[source].body, timestamp=stale)
    assert (result.status, result.reason) == (401, "invalid_signature")
    harness.nothing_kept()


@pytest.mark.parametrize("source", SOURCE_NAMES)
def test_duplicate_is_200_and_puts_nothing_new_on_the_bus(harness, source):
    # Given a delivery that was accepted
    body = SAMPLES[source].body
    first = harness.deliver(source, body)
    published, archived = len(harness.bus.published), harness.archive.stored
    # When the vendor delivers it again
    again = harness.deliver(source, body)
    # Then it is answered 200 as a duplicate with the same event ids, and nothing new is published or stored
    assert (again.status, again.outcome) == (200, "duplicate")
    assert again.body["event_ids"] == first.body["event_ids"]
    assert (len(harness.bus.published), harness.archive.stored) == (published, archived)


@pytest.mark.parametrize("source", SOURCE_NAMES)
def test_malformed_body_is_400_and_kept_in_the_quarantine(harness, source):
    body = SAMPLES[source].malformed
    result = harness.deliver(source, body)
    assert (result.status, result.body["error"]) == (400, "malformed_payload")
    assert result.body["message"]
    item = harness.quarantine.items[result.quarantine_id]
    assert (item.reason, item.source, item.body) == ("malformed_payload", source, body)
    assert harness.bus.published == []


@pytest.mark.parametrize("source", SOURCE_NAMES)
def test_unmappable_body_is_422_and_kept_in_the_quarantine(harness, source):
    body = SAMPLES[source].unmappable_body
    result = harness.deliver(source, body)
    assert result.status == 422, result.body
    assert result.body["error"] in ("unmappable", "unknown_account")
    item = harness.quarantine.items[result.body["quarantine_id"]]
    assert (item.reason, item.body, item.path) == (result.body["error"], body, f"/webhooks/{source}")
    assert "authenticated" in item.verified
    assert harness.bus.published == []
    assert harness.archive.bodies == {}
