"""The ingest's write-once Powertools idempotency store, on moto's DynamoDB."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import pytest

from boomerang.signing import sign
from services.ingest.adapters.idempotency import PowertoolsOnce
from services.ingest.logic.sources import sources
from services.ingest.models.webhook import WebhookRequest
from tests.fakes import FakePublisher
from tests.fakes.ingest import ingest_service
from tests.integration.services.conftest import Context
from tests.samples import SAMPLES


class CountingDynamoDB:
    """The moto client, counting the calls that DynamoDB bills as writes."""

    def __init__(self, real: Any):
        self._real = real
        self.writes: Counter[str] = Counter()

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._real, name)
        if name in ("put_item", "update_item", "delete_item"):

            def counted(**kwargs: Any) -> Any:
                self.writes[name] += 1
                return attr(**kwargs)

            return counted
        return attr


@pytest.fixture
def store(aws):
    ddb = CountingDynamoDB(aws.ddb)
    once = PowertoolsOnce(table_name="idempotency", dynamodb=ddb)
    once.register(Context())
    return once, ddb


def test_a_delivery_costs_one_write_and_its_redelivery_none(store, aws):
    once, ddb = store
    published: list[str] = []
    # Given a delivery that publishes once
    answer, duplicate = once("key-1", lambda: published.append("e1") or {"event_ids": ["e1"]})
    assert (answer, duplicate) == ({"event_ids": ["e1"]}, False)
    # Then the store wrote exactly one item, already completed
    assert ddb.writes == Counter(put_item=1)
    [record] = aws.ddb.scan(TableName="idempotency")["Items"]
    assert record["status"]["S"] == "COMPLETED"
    assert "expiration" in record
    # When the vendor redelivers it
    again, duplicate = once("key-1", lambda: published.append("e1-again") or {"event_ids": ["x"]})
    # Then the first answer comes back as a duplicate, nothing runs and nothing is written
    assert (again, duplicate) == ({"event_ids": ["e1"]}, True)
    assert published == ["e1"]
    assert ddb.writes == Counter(put_item=1)


def test_a_failed_publish_leaves_no_record_so_the_retry_publishes(store, aws):
    once, ddb = store

    def fail() -> dict[str, object]:
        raise RuntimeError("bus unavailable")

    # Given the bus refused the first attempt
    with pytest.raises(RuntimeError):
        once("key-2", fail)
    # Then no record blocks the vendor's retry, and nothing was written or deleted
    assert aws.ddb.scan(TableName="idempotency")["Count"] == 0
    assert sum(ddb.writes.values()) == 0
    # When the vendor retries, it is published
    assert once("key-2", lambda: {"event_ids": ["e2"]}) == ({"event_ids": ["e2"]}, False)


def test_twins_in_flight_at_once_both_publish_and_one_record_stands(store, aws):
    once, _ = store
    answers: list[tuple[dict[str, object], bool]] = []

    def first() -> dict[str, object]:
        # While the first delivery is publishing, its twin arrives and completes
        answers.append(once("key-3", lambda: {"event_ids": ["e3"]}))
        return {"event_ids": ["e3"]}

    # When both run
    outer = once("key-3", first)
    # Then both published the same event ids (consumers apply an event id once) and neither failed
    assert answers == [({"event_ids": ["e3"]}, False)]
    assert outer == ({"event_ids": ["e3"]}, False)
    assert aws.ddb.scan(TableName="idempotency")["Count"] == 1


def test_three_identical_deliveries_in_flight_at_once_all_get_202_with_the_same_event_ids(store, aws):
    once, _ = store
    # Given the ingest service on the real write-once store, and a bus that holds every publish until all
    # three deliveries are publishing (each has passed the store's check: none is "still being processed")
    publishing = threading.Barrier(3, timeout=10)

    class HeldBus(FakePublisher):
        def publish(self, events: list) -> None:
            publishing.wait()
            super().publish(events)

    bus = HeldBus()
    service = ingest_service(sources(), {"delighted_api_key": "dk"}, bus, once=once)
    body = SAMPLES["delighted"].body
    headers = sign("delighted", body, "dk")

    def deliver() -> Any:
        return service.accept(WebhookRequest("delighted", headers, body, datetime.now(UTC)))

    # When the vendor's three identical deliveries arrive at the same moment
    with ThreadPoolExecutor(max_workers=3) as pool:
        answers = list(pool.map(lambda _: deliver(), range(3)))
    # Then each is accepted with 202 and the same event ids (consumers apply an event id once)
    assert [a.status for a in answers] == [202, 202, 202]
    assert len({tuple(a.body["event_ids"]) for a in answers}) == 1
    assert {e.event_id for e in bus.published} == set(answers[0].body["event_ids"])
    # And one completed record stands, so a later redelivery is a 200 duplicate
    assert aws.ddb.scan(TableName="idempotency")["Count"] == 1
    later = deliver()
    assert (later.status, later.body["duplicate"]) == (200, True)
