import json
from datetime import UTC, datetime

import pytest

from boomerang.signing import sign
from services.common.models.events import PRODUCED_BY_BOOMERANG, NpsResponded
from services.ingest.logic.sources import sources
from services.ingest.models.webhook import WebhookRequest
from tests.fakes import EXAMPLES, FakePublisher
from tests.fakes.ingest import InMemoryOnce, ingest_service

SECRETS = {"delighted_api_key": "dk", "generic_signing_secret": "gs"}
NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
PRIYA = (EXAMPLES / "webhooks" / "delighted" / "01-promoter-priya-raman-halvorsen.json").read_bytes()


@pytest.fixture
def bus():
    return FakePublisher()


@pytest.fixture
def ingest(bus):
    return ingest_service(sources(), SECRETS, bus)


def _request(source: str, body: bytes, headers: dict[str, str], now: datetime = NOW) -> WebhookRequest:
    return WebhookRequest(source=source, headers=headers, body=body, received_at=now)


def test_signed_delighted_promoter_becomes_a_canonical_nps_event(ingest, bus):
    # Given a Delighted webhook signed with the API key
    headers = sign("delighted", PRIYA, "dk")
    # When it is accepted
    result = ingest.accept(_request("delighted", PRIYA, headers))
    # Then one NpsResponded for Priya's account and contact goes on the bus
    assert result.status == 202
    [event] = bus.published
    assert event.account_id == "acc-halvorsen"
    assert isinstance(event.data, NpsResponded)
    assert (event.data.score, event.data.contact_id) == (10, "con-priya-raman")
    assert result.body["event_ids"] == [event.event_id]


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"x-delighted-webhook-signature": "sha256=" + "0" * 64},
        {"x-delighted-webhook-signature": "garbage"},
    ],
)
def test_bad_signature_is_401_and_nothing_reaches_the_bus(ingest, bus, headers):
    result = ingest.accept(_request("delighted", PRIYA, headers))
    assert result.status == 401
    assert result.body["error"] == "invalid_signature"
    assert bus.published == []


def test_wrong_secret_is_401(ingest, bus):
    assert ingest.accept(_request("delighted", PRIYA, sign("delighted", PRIYA, "other"))).status == 401


@pytest.mark.parametrize(
    "body, fragment",
    [
        (b"{not json", "not valid JSON"),
        (b"", "empty body"),
        (
            json.dumps(
                {"event_type": "survey_response.created", "event_data": {"id": 1, "person": {}, "score": 42}}
            ).encode(),
            "score",
        ),
        (json.dumps({"event_data": {}}).encode(), "event_type"),
    ],
)
def test_malformed_signed_body_is_400_with_a_reason(ingest, bus, body, fragment):
    result = ingest.accept(_request("delighted", body, sign("delighted", body, "dk")))
    assert result.status == 400
    assert result.body["error"] == "malformed_payload"
    assert fragment in result.body["message"]
    assert bus.published == []


def test_unknown_source_is_404(ingest):
    result = ingest.accept(_request("myspace", PRIYA, {}))
    assert result.status == 404
    assert "delighted" in result.body["message"]


def test_respondent_we_cannot_place_is_422_not_guessed(ingest, bus):
    body = PRIYA.replace(b"priya.raman@halvorsen-freight.example", b"someone@unknown.example").replace(
        b'"id": "116895010"', b'"id": "1"'
    )
    result = ingest.accept(_request("delighted", body, sign("delighted", body, "dk")))
    assert result.status == 422
    assert result.body["error"] == "unknown_account"
    assert bus.published == []


def test_unsubscribe_is_acknowledged_and_ignored(ingest, bus):
    body = json.dumps(
        {"event_type": "unsubscribe.created", "event_data": {"person": {"email": "x@y.example"}}}
    ).encode()
    result = ingest.accept(_request("delighted", body, sign("delighted", body, "dk")))
    assert result.status == 200
    assert "unsubscribe" in result.body["ignored"]
    assert bus.published == []


def test_comment_update_keeps_the_response_id(ingest, bus):
    updated = PRIYA.replace(b"survey_response.created", b"survey_response.updated")
    ingest.accept(_request("delighted", PRIYA, sign("delighted", PRIYA, "dk")))
    ingest.accept(_request("delighted", updated, sign("delighted", updated, "dk")))
    created, update = bus.published
    assert created.data.response_id == update.data.response_id
    assert created.event_id != update.event_id


def _generic(event: dict) -> bytes:
    return json.dumps(event).encode()


def test_generic_event_signed_stripe_style_is_accepted(ingest, bus):
    body = _generic(
        {
            "id": "t-1",
            "type": "TicketOpened",
            "occurred_at": "2026-11-22T11:00:00Z",
            "account": {"source": "zendesk", "external_id": "24831017900715"},
            "data": {"ticket_id": "Z-1", "severity": "critical"},
        }
    )
    result = ingest.accept(_request("generic", body, sign("generic", body, "gs", timestamp=int(NOW.timestamp()))))
    assert result.status == 202, result.body
    assert bus.published[0].account_id == "acc-kestrel"


def test_generic_stale_timestamp_is_refused(ingest, bus):
    body = _generic(
        {
            "id": "t-1",
            "type": "PaymentLate",
            "occurred_at": "2026-11-22T11:00:00Z",
            "account": {"id": "acc-kestrel"},
            "data": {},
        }
    )
    headers = sign("generic", body, "gs", timestamp=int(NOW.timestamp()) - 301)
    result = ingest.accept(_request("generic", body, headers))
    assert result.status == 401
    assert "300 s" in result.body["message"]


@pytest.mark.parametrize("event_type", sorted(PRODUCED_BY_BOOMERANG))
def test_generic_cannot_inject_what_boomerang_produces(ingest, bus, event_type):
    # Given a correctly signed body naming a type only Boomerang may put on the bus (a decision or a score)
    body = _generic(
        {
            "id": "x",
            "type": event_type.value,
            "occurred_at": "2026-11-22T11:00:00Z",
            "account": {"id": "acc-kestrel"},
            "data": {"trigger_id": "t", "slack_user_id": "U1"},
        }
    )
    # When it is delivered / Then it is refused and nothing reaches the bus
    result = ingest.accept(_request("generic", body, sign("generic", body, "gs", timestamp=int(NOW.timestamp()))))
    assert result.status == 422
    assert bus.published == []


def test_unconfigured_secret_is_503_so_the_vendor_retries(bus):
    service = ingest_service(sources(), {}, bus)
    result = service.accept(_request("delighted", PRIYA, sign("delighted", PRIYA, "dk")))
    assert result.status == 503


def test_duplicate_delivery_is_200_and_publishes_once(bus):
    # Given the ingest service with delivery-level idempotency
    service = ingest_service(sources(), SECRETS, bus, once=InMemoryOnce())
    headers = sign("delighted", PRIYA, "dk")
    # When the same delivery arrives twice
    first = service.accept(_request("delighted", PRIYA, headers))
    second = service.accept(_request("delighted", PRIYA, headers))
    # Then the second is a 200 duplicate with the same ids, and one event was published
    assert (first.status, second.status) == (202, 200)
    assert second.body["duplicate"] is True
    assert second.body["event_ids"] == first.body["event_ids"]
    assert len(bus.published) == 1
