"""HubSpot CRM webhooks (v3 signature over method + decoded URI + body + timestamp): deals, companies, contacts."""

import json
from datetime import UTC, datetime, timedelta

import pytest

from services.common.models.events import (
    ChampionChanged,
    DealStageChanged,
    EventType,
    ExpansionSigned,
    RenewalRiskFlagged,
    RenewalSigned,
)
from services.ingest.logic.sources.hubspot import HubSpot, signed_uri
from services.ingest.models.webhook import WebhookRequest
from tests.unit.sources.conftest import NOW, b64, fixture, mac, refused, request, service

SECRET = "hs-client-secret-5f3c"
SECRETS = {HubSpot.secret_key: SECRET}
URL = "https://hooks.boomerang.example/webhooks/hubspot"
OPTIONS = {
    "renewal_pipelines": {"default": ["appointmentscheduled", "contractsent", "closedwon", "closedlost"]},
    "expansion_pipelines": {"expansion": ["91400232", "91400235", "91400236"]},
    "closed_won_stages": ["closedwon", "91400235"],
}


def _sign(body: bytes, url: str = URL, secret: str = SECRET, at: datetime = NOW, method: str = "POST") -> dict:
    """Headers as HubSpot sends them: v3 signature over method + decoded URI + body + ms timestamp."""
    stamp = str(int(at.timestamp() * 1000))
    message = (method + signed_uri(url)).encode() + body + stamp.encode()
    return {
        "content-type": "application/json",
        "x-hubspot-signature-v3": b64(mac(secret, message)),
        "x-hubspot-request-timestamp": stamp,
    }


def _request(body: bytes, headers: dict, url: str = URL) -> WebhookRequest:
    return request("hubspot", body, headers, url=url)


@pytest.fixture
def ingest(bus):
    return service(HubSpot(**OPTIONS), SECRETS, bus)


def test_mixed_batch_maps_only_the_events_boomerang_uses(ingest, bus):
    # Given a signed batch: a company risk flag, a contact creation, a deal amount change and a deal won
    body = fixture("hubspot", "01-mixed-batch.json")
    # When it is accepted
    result = ingest.accept(_request(body, _sign(body)))
    # Then the risk flag and the renewal are published, the two unused events are skipped
    assert result.status == 202, result.body
    risk, renewal = bus.published
    assert (risk.type, risk.account_id, risk.source_event_id) == (
        EventType.RENEWAL_RISK_FLAGGED,
        "acc-meridian",
        "3816279340",
    )
    assert isinstance(risk.data, RenewalRiskFlagged)
    assert risk.data.at_risk
    assert (renewal.type, renewal.account_id, renewal.source_event_id) == (
        EventType.RENEWAL_SIGNED,
        "acc-halvorsen",
        "3816279343",
    )
    assert isinstance(renewal.data, RenewalSigned)
    assert renewal.data.contract_id == "18733902611"
    assert renewal.occurred_at == datetime(2026, 11, 22, 11, 55, 3, tzinfo=UTC)
    assert result.body["event_ids"] == [risk.event_id, renewal.event_id]


def test_stage_ids_place_deals_in_pipelines_and_contact_roles_map_to_people(ingest, bus):
    # Given a custom pipeline's won stage, a contact becoming champion (generic object subscription)
    # and an open stage of the expansion pipeline
    body = fixture("hubspot", "04-expansion-and-champion.json")
    # When it is accepted
    result = ingest.accept(_request(body, _sign(body)))
    # Then: ExpansionSigned for Brightwater, ChampionChanged for Halvorsen, DealStageChanged for Nordlys
    assert result.status == 202, result.body
    expansion, champion, stage = bus.published
    assert (expansion.type, expansion.account_id) == (EventType.EXPANSION_SIGNED, "acc-brightwater")
    assert isinstance(expansion.data, ExpansionSigned)
    assert expansion.data.contract_id == "18733902800"
    assert (champion.type, champion.account_id) == (EventType.CHAMPION_CHANGED, "acc-halvorsen")
    assert isinstance(champion.data, ChampionChanged)
    assert champion.data.change == "joined"
    assert (stage.type, stage.account_id) == (EventType.DEAL_STAGE_CHANGED, "acc-nordlys")
    assert isinstance(stage.data, DealStageChanged)
    assert (stage.data.deal_id, stage.data.stage, stage.data.pipeline) == ("18733902801", "91400232", "expansion")


def test_without_options_a_won_deal_is_only_a_stage_change(bus):
    # Given the adapter built with no options (no renewal or expansion pipelines named)
    ingest = service(HubSpot(), SECRETS, bus)
    body = fixture("hubspot", "01-mixed-batch.json")
    # When the batch with a closedwon deal arrives
    result = ingest.accept(_request(body, _sign(body)))
    # Then the deal is a DealStageChanged (no pipeline known), never guessed to be a renewal
    assert result.status == 202, result.body
    assert [e.type for e in bus.published] == [EventType.RENEWAL_RISK_FLAGGED, EventType.DEAL_STAGE_CHANGED]
    assert bus.published[1].data.stage == "closedwon"
    assert bus.published[1].data.pipeline is None


def test_a_batch_with_nothing_used_is_acknowledged_and_ignored(ingest, bus):
    # Given a signed batch with a contact creation and a company name change
    body = fixture("hubspot", "02-unused-only.json")
    # When it is accepted
    result = ingest.accept(_request(body, _sign(body)))
    # Then it is a 200 with the reasons, and nothing reaches the bus
    assert result.status == 200
    assert "contact.creation" in result.body["ignored"]
    assert "company.propertyChange (name)" in result.body["ignored"]
    assert bus.published == []


def test_duplicate_delivery_yields_the_same_event_ids(ingest, bus):
    # Given the same batch delivered twice (HubSpot retries; attemptNumber differs, eventId does not)
    body = fixture("hubspot", "01-mixed-batch.json")
    retry = body.replace(b'"attemptNumber": 0', b'"attemptNumber": 1')
    # When both are accepted
    first = ingest.accept(_request(body, _sign(body)))
    second = ingest.accept(_request(retry, _sign(retry)))
    # Then both deliveries name the same canonical event ids, so consumers deduplicate
    assert first.body["event_ids"] == second.body["event_ids"]


def test_signature_covers_the_query_with_hubspots_decoding(ingest, bus):
    # Given a target URL whose query has percent-escapes HubSpot decodes before signing (%3A, %40)
    url = URL + "?tenant=acme%3Aeu&owner=ops%40acme.example&note=a%20b"
    body = fixture("hubspot", "01-mixed-batch.json")
    headers = _sign(body, url=url)
    assert signed_uri(url) == URL + "?tenant=acme:eu&owner=ops@acme.example&note=a%20b"
    # When it arrives on that URL
    result = ingest.accept(_request(body, headers, url=url))
    # Then it verifies
    assert result.status == 202, result.body


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(lambda h, b: ({**h, "x-hubspot-signature-v3": "A" * 44}, b), id="wrong signature"),
        pytest.param(lambda h, b: ({k: v for k, v in h.items() if "signature" not in k}, b), id="no signature"),
        pytest.param(lambda h, b: ({k: v for k, v in h.items() if "timestamp" not in k}, b), id="no timestamp"),
        pytest.param(lambda h, b: (h, b.replace(b"true", b"false")), id="body changed"),
        pytest.param(
            lambda h, b: ({**h, "x-hubspot-request-timestamp": str(int(h["x-hubspot-request-timestamp"]) + 1)}, b),
            id="timestamp changed",
        ),
    ],
)
def test_tampered_delivery_is_401_and_nothing_is_published(ingest, bus, tamper):
    # Given a correctly signed batch that is then altered
    body = fixture("hubspot", "01-mixed-batch.json")
    headers, sent = tamper(_sign(body), body)
    # When it is accepted
    result = ingest.accept(_request(sent, headers))
    # Then it is refused as unauthenticated
    refused(result, bus, 401, "invalid_signature")


def test_wrong_secret_or_other_url_is_401(ingest, bus):
    body = fixture("hubspot", "01-mixed-batch.json")
    # Given a batch signed with another app's secret, and one signed for another URL
    wrong_secret = _sign(body, secret="someone-else")
    other_url = _sign(body, url="https://evil.example/webhooks/hubspot")
    # When they are accepted, Then both are 401 and nothing is published
    assert ingest.accept(_request(body, wrong_secret)).status == 401
    assert ingest.accept(_request(body, other_url)).status == 401
    assert bus.published == []


@pytest.mark.parametrize("age", [timedelta(minutes=5, seconds=1), timedelta(hours=2), -timedelta(minutes=6)])
def test_stale_or_future_timestamp_is_401(ingest, bus, age):
    # Given a correctly signed batch whose timestamp is more than 5 minutes from now
    body = fixture("hubspot", "01-mixed-batch.json")
    headers = _sign(body, at=NOW - age)
    # When it is accepted
    result = ingest.accept(_request(body, headers))
    # Then it is refused
    assert result.status == 401
    assert "300 s" in result.body["message"]
    assert bus.published == []


def test_timestamp_within_the_window_is_accepted(ingest):
    body = fixture("hubspot", "01-mixed-batch.json")
    assert ingest.accept(_request(body, _sign(body, at=NOW - timedelta(minutes=4, seconds=59)))).status == 202


@pytest.mark.parametrize(
    "body, fragment",
    [
        (b"[{not json", "not valid JSON"),
        (b"", "empty body"),
        (b'{"eventId": 1}', "JSON array"),
        (json.dumps([{"eventId": 1, "subscriptionType": "deal.propertyChange"}]).encode(), "objectId"),
        (
            json.dumps([{"eventId": 1, "subscriptionType": "x", "objectId": 1, "occurredAt": "yesterday"}]).encode(),
            "occurredAt",
        ),
    ],
)
def test_malformed_signed_body_is_400(ingest, bus, body, fragment):
    # Given a correctly signed body that is not a HubSpot batch
    result = ingest.accept(_request(body, _sign(body)))
    # Then it is a 400 naming the problem
    assert result.status == 400, result.body
    assert fragment in result.body["message"]
    assert bus.published == []


def test_deal_event_without_its_company_is_422_not_guessed(ingest, bus):
    # Given a deal stage change that names only the deal
    body = fixture("hubspot", "03-deal-stage-without-company.json")
    # When it is accepted
    result = ingest.accept(_request(body, _sign(body)))
    # Then it is unmappable, with the reason and where to read more
    assert result.status == 422
    assert result.body["error"] == "unmappable"
    assert "associatedCompanyId" in result.body["message"]
    assert "18733902700" in result.body["message"]
    assert bus.published == []


def test_company_unknown_to_the_portfolio_is_422(ingest, bus):
    # Given a batch whose only used event names a company nobody imported
    batch = [e for e in json.loads(fixture("hubspot", "01-mixed-batch.json")) if "6061034054" in json.dumps(e)]
    body = json.dumps(batch).replace("6061034054", "1111111111").encode()
    # When it arrives / Then 422 unknown_account, kept in the quarantine, nothing on the bus
    result = ingest.accept(_request(body, _sign(body)))
    assert result.status == 422
    assert result.body["error"] == "unknown_account"
    assert result.body["quarantine_id"].startswith("hubspot-")
    assert bus.published == []


def test_a_batch_with_one_unknown_company_publishes_the_rest_and_keeps_that_event(ingest, bus):
    # Given the mixed batch where one company is unknown
    body = fixture("hubspot", "01-mixed-batch.json").replace(b"6061034054", b"1111111111")
    # When it arrives
    result = ingest.accept(_request(body, _sign(body)))
    # Then the known companies' events are published and the unknown one waits in the quarantine
    assert result.status == 202, result.body
    assert result.body["quarantined"] == 1
    assert result.quarantine_id == result.body["quarantine_id"]
    assert result.body["accepted"] >= 1
    assert len(bus.published) == result.body["accepted"]
    assert all(e.account_id != "acc-meridian" for e in bus.published)


def test_clearing_the_risk_property_unflags_the_account(ingest, bus):
    # Given the risk property set back to an empty value
    batch = json.loads(fixture("hubspot", "01-mixed-batch.json"))[:1]
    batch[0]["propertyValue"] = ""
    body = json.dumps(batch).encode()
    # When it is accepted
    assert ingest.accept(_request(body, _sign(body))).status == 202
    # Then the account is reported as no longer at risk
    assert bus.published[0].data.at_risk is False


@pytest.mark.parametrize(
    "options, fragment",
    [
        ({"renewal_pipelines": {"renewals": ["123", "124"]}}, "lists no stage from closed_won_stages"),
        (
            {
                "renewal_pipelines": {"a": ["closedwon"]},
                "expansion_pipelines": {"b": ["closedwon"]},
            },
            "in both",
        ),
        ({"closed_won_stages": []}, "closed_won_stages"),
        ({"champion_values": ["sponsor"], "executive_values": ["Sponsor"]}, "both champion_values"),
        ({"risk_propertee": "x"}, "risk_propertee"),
        ({"renewal_pipelines": ["closedwon"]}, "renewal_pipelines"),
    ],
)
def test_invalid_options_raise_a_clear_value_error(options, fragment):
    with pytest.raises(ValueError, match=r"\[sources\.hubspot\]") as info:
        HubSpot(**options)
    assert fragment in str(info.value)
