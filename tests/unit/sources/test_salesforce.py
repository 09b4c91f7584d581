"""Salesforce outbound messages (SOAP), authenticated by the URL's token and the configured organization ids."""

from datetime import UTC, datetime, timedelta

import pytest

from services.common.models.events import (
    ChampionChanged,
    DealStageChanged,
    EventType,
    ExpansionSigned,
    RenewalRiskFlagged,
    RenewalSigned,
    Severity,
    TicketOpened,
    TicketStatus,
    TicketUpdated,
)
from services.ingest.logic.sources.salesforce import ACK, Salesforce, id18
from services.ingest.models.webhook import WebhookRequest
from tests.unit.sources.conftest import NOW, fixture, refused, request, service

TOKEN = "sf-7Hq2-token-c41d"
SECRETS = {Salesforce.secret_key: TOKEN}
ENDPOINT = "https://hooks.boomerang.example/webhooks/salesforce"
ORG_15 = "00D5g000004FzQa"
OPTIONS = {"organization_ids": [ORG_15]}
HEADERS = {"content-type": "text/xml; charset=utf-8", "soapaction": '""'}


def _request(body: bytes, token: str | None = TOKEN) -> WebhookRequest:
    """As Salesforce posts it: the token is in the endpoint URL the admin configured, not in a header."""
    return request("salesforce", body, HEADERS, url=ENDPOINT if token is None else f"{ENDPOINT}?token={token}")


@pytest.fixture
def ingest(bus):
    return service(Salesforce(**OPTIONS), SECRETS, bus)


def test_opportunities_become_renewal_expansion_and_stage_events_with_a_soap_ack(ingest, bus):
    # Given an outbound message with a won Renewal, a won Upsell and an open Renewal
    result = ingest.accept(_request(fixture("salesforce", "01-opportunities.xml")))
    # Then Salesforce gets the documented Ack envelope with a 200
    assert result.status == 200, result.body
    assert result.reply == ACK
    assert result.reply.content_type == "text/xml"
    assert "<Ack>true</Ack>" in result.reply.body
    # And one canonical event per notification, keyed by the notification Id
    renewal, expansion, stage = bus.published
    assert (renewal.type, renewal.account_id, renewal.source_event_id) == (
        EventType.RENEWAL_SIGNED,
        "acc-halvorsen",
        "04l5g00000Ch7vXAAR",
    )
    assert isinstance(renewal.data, RenewalSigned)
    assert (renewal.data.contract_id, renewal.data.arr) == ("0065g00000Q1rRnAAJ", 264000.0)
    assert renewal.occurred_at == datetime(2026, 11, 22, 11, 58, 10, tzinfo=UTC)
    assert (expansion.type, expansion.account_id) == (EventType.EXPANSION_SIGNED, "acc-meridian")
    assert isinstance(expansion.data, ExpansionSigned)
    assert expansion.data.added_arr == 48000.0
    assert (stage.type, stage.account_id) == (EventType.DEAL_STAGE_CHANGED, "acc-nordlys")
    assert isinstance(stage.data, DealStageChanged)
    assert (stage.data.stage, stage.data.amount) == ("Negotiation/Review", 486000.0)


def test_accounts_contacts_and_cases_map_and_unused_objects_are_skipped(ingest, bus):
    # Given a message with an Account risk flag, a champion Contact, a new and a closed Case, and a Lead
    result = ingest.accept(_request(fixture("salesforce", "02-mixed-objects.xml")))
    # Then the four used notifications are published (the Lead is skipped) and Salesforce is acknowledged
    assert result.status == 200, result.body
    assert result.reply == ACK
    risk, champion, opened, closed = bus.published
    assert (risk.type, risk.account_id) == (EventType.RENEWAL_RISK_FLAGGED, "acc-brightwater")
    assert isinstance(risk.data, RenewalRiskFlagged)
    assert risk.data.at_risk
    assert (champion.type, champion.account_id) == (EventType.CHAMPION_CHANGED, "acc-halvorsen")
    assert isinstance(champion.data, ChampionChanged)
    assert (champion.data.contact_id, champion.data.name, champion.data.title) == (
        "con-priya-raman",
        "Priya Raman",
        "Head of Transport Operations",
    )
    assert (opened.type, opened.account_id) == (EventType.TICKET_OPENED, "acc-meridian")
    assert isinstance(opened.data, TicketOpened)
    assert (opened.data.ticket_id, opened.data.severity, opened.data.status) == (
        "00001042",
        Severity.CRITICAL,
        TicketStatus.NEW,
    )
    assert (closed.type, closed.account_id) == (EventType.TICKET_UPDATED, "acc-nordlys")
    assert isinstance(closed.data, TicketUpdated)
    assert (closed.data.severity, closed.data.status) == (Severity.NORMAL, TicketStatus.CLOSED)


def test_message_with_nothing_used_is_still_acknowledged(ingest, bus):
    # Given a message carrying only a Lead
    result = ingest.accept(_request(fixture("salesforce", "03-lead-only.xml")))
    # Then it is ignored, but Salesforce still gets its Ack (or it would retry for 24 h)
    assert result.status == 200
    assert "Lead" in result.body["ignored"]
    assert result.reply == ACK
    assert bus.published == []


def test_redelivered_message_yields_the_same_event_ids(ingest, bus):
    # Given the same notifications redelivered, carrying the record's latest state
    body = fixture("salesforce", "01-opportunities.xml")
    later = body.replace(b"2026-11-22T11:58:10.000Z", b"2026-11-22T11:59:30.000Z")
    # When both are accepted
    first = ingest.accept(_request(body))
    second = ingest.accept(_request(later))
    # Then the canonical event ids are the same (keyed by notification Id), so consumers deduplicate
    assert first.body["event_ids"] == second.body["event_ids"]


@pytest.mark.parametrize("token", [None, "", "wrong-token", TOKEN + "x", TOKEN + "&token=" + TOKEN])
def test_missing_or_wrong_token_is_401_and_nothing_is_published(ingest, bus, token):
    result = ingest.accept(_request(fixture("salesforce", "01-opportunities.xml"), token=token))
    assert result.status == 401, result.body
    assert result.body["error"] == "invalid_signature"
    assert result.reply is None
    assert bus.published == []


def test_message_from_another_org_is_401(ingest, bus):
    # Given a valid token but a message from an org that is not configured
    body = fixture("salesforce", "01-opportunities.xml").replace(b"00D5g000004FzQaEAK", b"00D5g000009XyZwEAC")
    # When it is accepted
    result = ingest.accept(_request(body))
    # Then it is refused and nothing is published
    assert result.status == 401
    assert "00D5g000009XyZwEAC" in result.body["message"]
    assert bus.published == []


@pytest.mark.parametrize("configured", [ORG_15, id18(ORG_15)])
def test_org_ids_match_in_15_and_18_character_form(bus, configured):
    ingest = service(Salesforce(organization_ids=[configured]), SECRETS, bus)
    assert ingest.accept(_request(fixture("salesforce", "01-opportunities.xml"))).status == 200
    # the message may also carry the 15-character form
    body = fixture("salesforce", "01-opportunities.xml").replace(b"00D5g000004FzQaEAK", ORG_15.encode())
    assert ingest.accept(_request(body)).status == 200


def test_without_options_the_token_alone_authenticates(bus):
    ingest = service(Salesforce(), SECRETS, bus)
    assert ingest.accept(_request(fixture("salesforce", "03-lead-only.xml"))).status == 200
    assert ingest.accept(_request(fixture("salesforce", "03-lead-only.xml"), token="nope")).status == 401


OPPORTUNITIES = fixture("salesforce", "01-opportunities.xml")


@pytest.mark.parametrize(
    "body, fragment",
    [
        pytest.param(b"", "empty body", id="empty"),
        pytest.param(OPPORTUNITIES[: len(OPPORTUNITIES) // 2], "not well-formed XML", id="truncated"),
        pytest.param(b"<soapenv:Envelope", "not well-formed XML", id="unclosed tag"),
        pytest.param(b'{"not": "xml"}', "not well-formed XML", id="json"),
        pytest.param(b"<a>" + b"<b>x</b>" * 260_000, "not well-formed XML", id="2 MB unclosed"),
        pytest.param("<a>Zürich</a>".encode("latin-1"), "not well-formed XML", id="not utf-8"),
        pytest.param(b"<a/>", "no soapenv:Body/notifications", id="not an outbound message"),
        pytest.param(fixture("salesforce", "04-doctype-entities.xml"), "DOCTYPE", id="entities"),
        pytest.param(
            b'<?xml version="1.0"?><!DOCTYPE x SYSTEM "http://evil.example/x.dtd"><x/>', "DOCTYPE", id="external dtd"
        ),
        pytest.param(OPPORTUNITIES.replace(b"<Id>04l5g00000Ch7vXAAR</Id>", b""), "needs an Id", id="no id"),
        pytest.param(OPPORTUNITIES.replace(b"264000.0", b"lots"), "Amount", id="bad amount"),
    ],
)
def test_a_malformed_or_dangerous_body_with_the_right_token_is_400_and_kept(bus, quarantine, body, fragment):
    # Given the token in the URL and organization_ids configured (the org can't be read from a broken body)
    ingest = service(Salesforce(**OPTIONS), SECRETS, bus, quarantine)
    # When such a body arrives
    result = ingest.accept(_request(body))
    # Then it is refused as malformed, saying what is wrong
    assert fragment in refused(result, bus, 400, "malformed_payload")
    # And, like every 400, its exact bytes are kept in the quarantine (never parsed further, never expanded)
    item = quarantine.items[result.body["quarantine_id"]]
    assert (item.reason, item.body) == ("malformed_payload", body)


def test_a_malformed_body_with_a_wrong_token_is_401_and_not_kept(bus, quarantine):
    ingest = service(Salesforce(**OPTIONS), SECRETS, bus, quarantine)
    result = ingest.accept(_request(b"<soapenv:Envelope", token="wrong-token"))
    refused(result, bus, 401, "invalid_signature")
    assert quarantine.items == {}


def test_notification_without_an_account_is_422(ingest, bus):
    # Given an Opportunity whose outbound message does not include AccountId
    result = ingest.accept(_request(fixture("salesforce", "05-opportunity-without-account.xml")))
    # Then it is unmappable, naming the field to add
    assert result.status == 422
    assert "AccountId" in result.body["message"]
    assert bus.published == []


def test_account_unknown_to_the_portfolio_is_422(ingest, bus):
    body = fixture("salesforce", "01-opportunities.xml")
    for known in (b"0015g00000rKIRaAAO", b"0015g00000ee7NAAAY", b"0015g00000oPDjVAAW"):
        body = body.replace(known, b"0015g00000ZZZZZAAA")
    result = ingest.accept(_request(body))
    assert result.status == 422
    assert result.body["error"] == "unknown_account"
    assert result.quarantine_id is not None
    assert bus.published == []


def test_a_message_with_one_unknown_account_is_acked_and_that_notification_waits(ingest, bus):
    # Given three opportunities of which one names an account nobody imported
    body = fixture("salesforce", "01-opportunities.xml").replace(b"0015g00000rKIRaAAO", b"0015g00000ZZZZZAAA")
    # When the message arrives
    result = ingest.accept(_request(body))
    # Then the message is acknowledged (so Salesforce stops resending), two events are published and the
    # third notification waits in the quarantine
    assert result.status == 200
    assert "<Ack>true</Ack>" in result.reply.body
    assert len(bus.published) == 2
    assert result.body["quarantined"] == 1
    assert result.reason == "unknown_account"


def _unknown_accounts(body: bytes) -> bytes:
    for known in (b"0015g00000rKIRaAAO", b"0015g00000ee7NAAAY", b"0015g00000oPDjVAAW"):
        body = body.replace(known, b"0015g00000ZZZZZAAA")
    return body


@pytest.mark.parametrize(
    "body, latest",
    [
        pytest.param(
            _unknown_accounts(OPPORTUNITIES),
            (b"LastModifiedDate>2026-11-22T11:5", b"LastModifiedDate>2026-11-22T12:0"),
            id="unknown account",
        ),
        pytest.param(
            fixture("salesforce", "05-opportunity-without-account.xml"),
            (b"Proposal/Price Quote", b"Negotiation/Review"),
            id="unmappable",
        ),
    ],
)
def test_a_retry_with_the_records_latest_values_finds_the_first_item_and_keeps_the_newest_body(
    bus, quarantine, body, latest
):
    # Given a message kept in the quarantine (Salesforce got no Ack, so it retries)
    ingest = service(Salesforce(**OPTIONS), SECRETS, bus, quarantine)
    first = ingest.accept(_request(body))
    # When the retry carries the records' latest values: the same Notification Ids, other fields and bytes
    retry = body.replace(*latest)
    assert retry != body
    later = request("salesforce", retry, HEADERS, url=f"{ENDPOINT}?token={TOKEN}", now=NOW + timedelta(minutes=5))
    second = ingest.accept(later)
    # Then it finds the first item instead of making a second: one more delivery, the newest body, and the
    # first receipt time (its place in the listing)
    assert second.quarantine_id == first.quarantine_id
    assert list(quarantine.items) == [first.quarantine_id]
    item = quarantine.items[first.quarantine_id]
    assert (item.deliveries, item.body, item.received_at) == (2, retry, NOW)


def test_other_notifications_are_another_item(bus, quarantine):
    # Given a kept message, and a message with other Notification Ids for the same unknown accounts
    ingest = service(Salesforce(**OPTIONS), SECRETS, bus, quarantine)
    body = _unknown_accounts(OPPORTUNITIES)
    other = body.replace(b"<Id>04l5g00000Ch7v", b"<Id>04l5g00000Ch9v")
    # When both arrive / Then each is its own item
    assert ingest.accept(_request(body)).quarantine_id != ingest.accept(_request(other)).quarantine_id
    assert len(quarantine.items) == 2


def test_malformed_bodies_are_told_apart_by_their_bytes(bus, quarantine):
    ingest = service(Salesforce(**OPTIONS), SECRETS, bus, quarantine)
    first, again, other = (ingest.accept(_request(b)) for b in (b"<soapenv:Envelope", b"<soapenv:Envelope", b"<a>"))
    assert first.quarantine_id == again.quarantine_id
    assert first.quarantine_id != other.quarantine_id
    assert quarantine.items[first.quarantine_id].deliveries == 2


def test_types_priorities_and_statuses_are_configurable(bus):
    # Given custom opportunity types, a custom critical priority and a custom case status
    source = Salesforce(
        organization_ids=[ORG_15],
        renewal_types=["Upsell"],
        expansion_types=["Add-on"],
        critical_priorities=["P1"],
        case_statuses={"Awaiting Vendor": "on_hold"},
    )
    ingest = service(source, SECRETS, bus)
    opportunities = fixture("salesforce", "01-opportunities.xml")
    cases = (
        fixture("salesforce", "02-mixed-objects.xml")
        .replace(b"<sf:Priority>Critical</sf:Priority>", b"<sf:Priority>P1</sf:Priority>")
        .replace(b"<sf:Status>New</sf:Status>", b"<sf:Status>Awaiting Vendor</sf:Status>")
        .replace(b"<sf:CreatedDate>2026-11-22T11:52:00.000Z", b"<sf:CreatedDate>2026-11-21T09:00:00.000Z")
    )
    # When the messages arrive
    assert ingest.accept(_request(opportunities)).status == 200
    assert ingest.accept(_request(cases)).status == 200
    # Then the won Upsell is a renewal now (a Renewal only a stage change),
    # and the case update carries the configured mapping
    types = [e.type for e in bus.published]
    assert types[:3] == [EventType.DEAL_STAGE_CHANGED, EventType.RENEWAL_SIGNED, EventType.DEAL_STAGE_CHANGED]
    case = next(e for e in bus.published if e.source_event_id == "04l5g00000Ch8aCAAR")
    assert case.type == EventType.TICKET_UPDATED
    assert (case.data.severity, case.data.status) == (Severity.CRITICAL, TicketStatus.ON_HOLD)


@pytest.mark.parametrize(
    "options, fragment",
    [
        ({"organization_ids": ["00D5g"]}, "not a 15- or 18-character Salesforce id"),
        ({"renewal_types": ["Renewal"], "expansion_types": ["renewal"]}, "both renewal_types"),
        ({"champion_values": ["X"], "executive_values": ["x"]}, "both champion_values"),
        ({"case_statuses": {"Parked": "parked"}}, "case_statuses"),
        ({"organisation_ids": [ORG_15]}, "organisation_ids"),
    ],
)
def test_invalid_options_raise_a_clear_value_error(options, fragment):
    with pytest.raises(ValueError, match=r"\[sources\.salesforce\]") as info:
        Salesforce(**options)
    assert fragment in str(info.value)


def test_id18_matches_the_portfolios_ids():
    assert id18("0015g00000rKIRa") == "0015g00000rKIRaAAO"
    assert id18("0015g00000rKIRaAAO") == "0015g00000rKIRaAAO"
