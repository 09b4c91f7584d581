"""The raw archive's format and references, and events too large for the bus."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime

import pytest

from boomerang.signing import sign
from services.common.adapters.bus import _chunks, entry_size
from services.common.models.events import EventType, new_event
from services.ingest.logic.fit import DETAIL_BUDGET_BYTES, MARKER, fit, may_exceed
from services.ingest.logic.raw import RawDelivery, RawRef, find_in_batch, parse_line, record_line
from services.ingest.logic.sources import sources
from services.ingest.models.errors import Unmappable
from services.ingest.models.webhook import WebhookRequest
from tests.fakes import FakePublisher
from tests.fakes.ingest import InMemoryArchive, ingest_service
from tests.samples import SAMPLES

NOW = datetime(2026, 11, 22, 12, 0, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    "body",
    [b'{"a": "caf\xc3\xa9 \\u2028 \\n"}\n\r\x00', b"\xff\xfe not utf-8", b"", "line\u2028sep\n".encode()],
)
def test_an_archived_line_gives_back_the_exact_bytes(body):
    raw = RawDelivery.new("delighted", NOW, "application/json", body)
    line = record_line(raw)
    assert line.endswith(b"\n")
    assert line.count(b"\n") == 1
    assert parse_line(line) == raw


def test_a_record_is_found_in_a_batch_by_its_id():
    raws = [RawDelivery.new("zendesk", NOW, None, f'{{"n": {n}}}'.encode()) for n in range(5)]
    batch = gzip.decompress(gzip.compress(b"".join(record_line(r) for r in raws)))
    assert find_in_batch(batch, raws[3].record_id) == raws[3]
    assert find_in_batch(batch, "zendesk-0000") is None


def test_a_reference_names_bucket_hour_and_record_and_parses_back():
    raw = RawDelivery("generic-00ff", "generic", NOW, None, b"{}")
    ref = RawRef.of("boomerang-raw", raw)
    assert str(ref) == "s3://boomerang-raw/raw/2026/11/22/12/#generic-00ff"
    assert RawRef.parse(str(ref)) == ref
    assert ref.body_key == "raw/2026/11/22/12/generic-00ff.body"
    # a batch object is named after its oldest record: the previous and next hours are searched too
    assert ref.search_prefixes() == ["raw/2026/11/22/12/", "raw/2026/11/22/11/", "raw/2026/11/22/13/"]


@pytest.mark.parametrize(
    "text", ["raw/2026/11/22/12/#x", "s3://b/raw/2026/11/22/12/", "s3://b/other/#x", "s3://b/raw/x/#y"]
)
def test_anything_else_is_not_a_reference(text):
    with pytest.raises(ValueError):
        RawRef.parse(text)


def _nps(comment: str):
    return new_event(
        source="delighted",
        source_event_id="r1",
        account_id="acc-halvorsen",
        event_type=EventType.NPS_RESPONDED,
        data={"response_id": "r1", "score": 10, "comment": comment},
        occurred_at=NOW,
        received_at=NOW,
        raw_ref="s3://b/raw/2026/11/22/12/#delighted-1",
    )


def test_an_event_that_fits_is_left_alone():
    event = _nps("great")
    assert fit(event) is event


@pytest.mark.parametrize("comment", ["x" * 300_000, 'ü"\\' * 60_000])
def test_free_text_is_trimmed_so_the_event_fits_and_says_where_the_rest_is(comment):
    trimmed = fit(_nps(comment))
    assert len(trimmed.detail().encode()) <= DETAIL_BUDGET_BYTES
    assert trimmed.data.comment.endswith(MARKER)
    assert comment.startswith(trimmed.data.comment.removesuffix(MARKER)[:1000])
    assert (trimmed.event_id, trimmed.raw_ref) == (_nps("").event_id, _nps("").raw_ref)


def test_an_event_too_large_without_free_text_is_refused_as_unmappable():
    event = new_event(
        source="generic",
        source_event_id="big",
        account_id="acc-halvorsen",
        event_type=EventType.TICKET_UPDATED,
        data={"ticket_id": "t" * 100_000, "status": "open"},
        occurred_at=NOW,
        received_at=NOW,
    )
    with pytest.raises(Unmappable):
        fit(event)


def test_small_bodies_skip_measuring():
    assert not may_exceed(b"x" * 20_000)
    assert may_exceed(b"x" * 40_000)


def test_a_huge_survey_comment_is_still_published_and_the_full_body_archived():
    # Given a Delighted answer whose comment is 900 KB
    body = json.loads(SAMPLES["delighted"].body)
    body["event_data"]["comment"] = "Ünïcode comment. " * 55_000
    raw_body = json.dumps(body).encode()
    bus, archive = FakePublisher(), InMemoryArchive()
    service = ingest_service(sources(), {"delighted_api_key": "dk"}, bus, archive=archive)
    # When it arrives
    result = service.accept(WebhookRequest("delighted", sign("delighted", raw_body, "dk"), raw_body, NOW))
    # Then the event is published within the budget, its comment trimmed, and the raw body kept in full
    assert result.status == 202
    [event] = bus.published
    assert len(event.detail().encode()) <= DETAIL_BUDGET_BYTES
    assert event.data.comment.endswith(MARKER)
    assert archive.bodies[event.raw_ref].body == raw_body


def test_put_events_calls_stay_within_ten_entries_and_256_kb():
    entries = [
        {"Source": "s", "DetailType": "T", "Detail": "x" * size, "Resources": []}
        for size in (60_000, 60_000, 60_000, 60_000, 60_000, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10)
    ]
    chunks = _chunks(entries)
    assert [len(c) for c in chunks] == [4, 10, 1]
    assert all(sum(entry_size(e) for e in c) <= 256 * 1024 for c in chunks)


def test_a_replayed_body_is_referenced_under_the_hour_it_is_archived_not_received():
    # Given a delivery received on the 1st and archived (replayed) on the 3rd
    received, stored = datetime(2026, 11, 1, 9, 5, tzinfo=UTC), datetime(2026, 11, 3, 17, 40, tzinfo=UTC)
    raw = RawDelivery.new("hubspot", received, None, b"[]", stored_at=stored)
    # Then its reference names the 3rd's hour (where Firehose files it) and it keeps its receipt time
    assert RawRef.parse(InMemoryArchive().reference(raw)).hour == datetime(2026, 11, 3, 17, tzinfo=UTC)
    assert parse_line(record_line(raw)) == raw


class FlakyArchive(InMemoryArchive):
    """Fails the first write, as a throttled Firehose and S3 together would."""

    def begin(self, raw):
        if self.stored == 0:
            self.stored += 1

            def failed():
                raise ConnectionError("archive unavailable")

            return failed
        return super().begin(raw)


def test_if_the_body_cannot_be_kept_the_delivery_fails_and_its_retry_points_at_the_same_raw_ref():
    from tests.fakes.ingest import InMemoryOnce

    # Given the archive fails once while the events go to the bus
    bus, archive = FakePublisher(), FlakyArchive()
    service = ingest_service(sources(), {"delighted_api_key": "dk"}, bus, once=InMemoryOnce(), archive=archive)
    body = SAMPLES["delighted"].body
    request = WebhookRequest("delighted", sign("delighted", body, "dk"), body, NOW)
    # When it is delivered: the error surfaces (the vendor gets a 5xx and retries)
    with pytest.raises(ConnectionError):
        service.accept(request)
    # Then the retry is accepted, archived, and its events point at the same raw_ref as the first attempt's
    retry = service.accept(request)
    assert retry.status == 202
    assert {e.raw_ref for e in bus.published} == {retry.raw_ref}
    assert archive.bodies[retry.raw_ref].body == body


def test_the_same_bytes_get_the_same_record_id_and_other_bytes_another():
    first = RawDelivery.new("zendesk", NOW, None, b'{"a": 1}')
    assert RawDelivery.new("zendesk", NOW, None, b'{"a": 1}').record_id == first.record_id
    assert RawDelivery.new("zendesk", NOW, None, b'{"a": 2}').record_id != first.record_id
    assert RawDelivery.new("intercom", NOW, None, b'{"a": 1}').record_id != first.record_id
