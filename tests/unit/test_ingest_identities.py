"""Learned identities: CRM events teach which vendor ids are ours, only from unambiguous evidence."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from boomerang.signing import sign
from services.common.models.events import ChampionChanged
from services.common.storage import mapping_key
from services.ingest.logic.identities import learn, normalize_domain, resolve
from services.ingest.logic.sources import sources
from services.ingest.logic.sources.salesforce import id18
from services.ingest.models.errors import UnknownAccount
from services.ingest.models.webhook import AccountRef, Identity, IdentityClaim, WebhookRequest
from tests.fakes import FakePublisher
from tests.fakes.ingest import InMemoryIdentities, InMemoryQuarantine, ingest_service

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
SECRETS = {"hubspot_client_secret": "hs", "salesforce_token": "sf"}
HUBSPOT_URL = "https://hooks.example/webhooks/hubspot"
SALESFORCE_URL = "https://hooks.example/webhooks/salesforce?token=sf"
RIO_CLARO_COMPANY = "7700000001"  # Rio Claro has no HubSpot id in the portfolio


class World:
    def __init__(self) -> None:
        self.bus = FakePublisher()
        self.identities = InMemoryIdentities.examples()
        self.quarantine = InMemoryQuarantine()
        self.service = ingest_service(
            sources(), SECRETS, self.bus, identities=self.identities, quarantine=self.quarantine
        )

    def hubspot(self, *events: dict):
        body = json.dumps(list(events)).encode()
        headers = sign("hubspot", body, "hs", timestamp=int(NOW.timestamp()), url=HUBSPOT_URL)
        return self.service.accept(WebhookRequest("hubspot", headers, body, NOW, url=HUBSPOT_URL))

    def salesforce(self, *sobjects: str):
        notes = "".join(
            f"<Notification><Id>04l5g00000Zz{n:03d}AAA</Id>{sobject}</Notification>"
            for n, sobject in enumerate(sobjects)
        )
        body = (
            '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"'
            ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>'
            '<notifications xmlns="http://soap.sforce.com/2005/09/outbound"><OrganizationId>00D5g000004FzQaEAK</OrganizationId>'
            f"{notes}</notifications></soapenv:Body></soapenv:Envelope>"
        ).encode()
        return self.service.accept(WebhookRequest("salesforce", {}, body, NOW, url=SALESFORCE_URL))


def _hubspot_event(event_id: int, kind: str, object_id: str, prop: str, value: str, **extra) -> dict:
    return {
        "eventId": event_id,
        "subscriptionType": f"{kind}.propertyChange",
        "objectId": object_id,
        "occurredAt": int(NOW.timestamp() * 1000),
        "propertyName": prop,
        "propertyValue": value,
        **extra,
    }


def _sf(kind: str, **fields: str) -> str:
    inner = "".join(f"<sf:{k}>{v}</sf:{k}>" for k, v in fields.items())
    return f'<sObject xsi:type="sf:{kind}" xmlns:sf="urn:sobject.enterprise.soap.sforce.com">{inner}</sObject>'


@pytest.fixture
def world() -> World:
    return World()


def test_a_company_domain_change_teaches_its_hubspot_id(world):
    # Given HubSpot tells us company 7700000001's domain is Rio Claro's
    result = world.hubspot(
        _hubspot_event(1, "company", RIO_CLARO_COMPANY, "domain", "www.RioClaro-Transportes.example")
    )
    # Then nothing is published, but the id is learned
    assert (result.status, result.outcome) == (200, "ignored")
    assert result.notes == {"identity_learned": 1}
    assert world.identities.find("hubspot", RIO_CLARO_COMPANY) == Identity("acc-rioclaro")
    assert world.identities.learned[0][2] == "hubspot:1"
    # When that company's risk flag changes later
    flagged = world.hubspot(_hubspot_event(2, "company", RIO_CLARO_COMPANY, "renewal_risk", "high"))
    # Then it resolves to Rio Claro
    assert flagged.status == 202
    assert world.bus.published[0].account_id == "acc-rioclaro"


def test_a_learned_mapping_never_overwrites_an_existing_one(world):
    # Given Halvorsen's HubSpot id, claimed by a domain change naming Rio Claro
    result = world.hubspot(_hubspot_event(1, "company", "9995560636", "domain", "rioclaro-transportes.example"))
    # Then it is a conflict and the imported mapping stands
    assert result.notes == {"identity_conflict": 1}
    assert world.identities.find("hubspot", "9995560636") == Identity("acc-halvorsen")


def test_evidence_that_names_nobody_teaches_nothing(world):
    result = world.hubspot(_hubspot_event(1, "company", "7700000002", "domain", "somewhere-else.example"))
    assert result.notes == {"identity_unresolved": 1}
    assert world.identities.find("hubspot", "7700000002") is None


def test_one_id_tied_to_two_accounts_in_one_delivery_is_ambiguous(world):
    result = world.hubspot(
        _hubspot_event(1, "company", "7700000003", "domain", "rioclaro-transportes.example"),
        _hubspot_event(2, "company", "7700000003", "domain", "halvorsen-freight.example"),
    )
    assert result.notes == {"identity_ambiguous": 1}
    assert world.identities.find("hubspot", "7700000003") is None


def test_an_email_must_be_a_known_contact_its_domain_is_not_enough(world):
    # Given a HubSpot contact whose email is at Rio Claro's domain but is no contact of ours
    result = world.hubspot(_hubspot_event(1, "contact", "5500000001", "email", "intern@rioclaro-transportes.example"))
    # Then nothing is learned
    assert result.notes == {"identity_unresolved": 1}
    assert world.identities.find("hubspot:contact", "5500000001") is None


def test_a_contact_email_teaches_the_person_and_a_role_change_then_resolves_without_a_company(world):
    # Given HubSpot sends Beatriz's email for its contact 5500000002
    world.hubspot(_hubspot_event(1, "contact", "5500000002", "email", "Beatriz.Moura@rioclaro-transportes.example"))
    assert world.identities.find("hubspot:contact", "5500000002") == Identity("acc-rioclaro", "con-beatriz-moura")
    # When her role changes to champion (no associatedCompanyId: HubSpot does not send one)
    result = world.hubspot(_hubspot_event(2, "contact", "5500000002", "cs_role", "champion"))
    # Then the event resolves to her account and names her
    assert result.status == 202, result.body
    [event] = world.bus.published
    assert isinstance(event.data, ChampionChanged)
    assert (event.account_id, event.data.contact_id) == ("acc-rioclaro", "con-beatriz-moura")


def test_a_known_contact_naming_its_company_teaches_the_company_id(world):
    # Given Priya is a known HubSpot contact (imported) and her event names a company id nobody imported
    result = world.hubspot(
        _hubspot_event(1, "contact", "3382219568", "cs_role", "champion", associatedCompanyId="7700000004")
    )
    # Then the event is published for her account and the company id is learned
    assert result.status == 202
    assert result.notes == {"identity_learned": 1}
    assert world.identities.find("hubspot", "7700000004") == Identity("acc-halvorsen")


def test_an_unknown_contact_waits_for_its_mapping(world):
    result = world.hubspot(_hubspot_event(1, "contact", "5500000009", "cs_role", "champion"))
    assert (result.status, result.body["error"]) == (422, "unknown_account")
    assert world.quarantine.items[result.quarantine_id].waiting_for == ("LOOKUP#hubspot:contact#5500000009",)


def test_a_salesforce_contact_teaches_its_account_and_its_own_id(world):
    account, contact = id18("0015g00000NEWAC"), id18("0035g00000NEWCO")
    # Given a Contact notification for Beatriz with a Salesforce account id nobody imported
    result = world.salesforce(
        _sf("Contact", Id=contact, AccountId=account, Email="beatriz.moura@rioclaro-transportes.example")
    )
    # Then both ids are learned from her email
    assert result.notes == {"identity_learned": 2}
    assert world.identities.find("salesforce", account) == Identity("acc-rioclaro")
    assert world.identities.find("salesforce:contact", contact) == Identity("acc-rioclaro", "con-beatriz-moura")


def test_a_salesforce_account_website_teaches_its_id(world):
    account = id18("0015g00000NEWAD")
    result = world.salesforce(_sf("Account", Id=account, Website="https://www.rioclaro-transportes.example/en"))
    assert result.notes == {"identity_learned": 1}
    assert world.identities.find("salesforce", account) == Identity("acc-rioclaro")


@pytest.mark.parametrize(
    ("value", "domain"),
    [
        ("https://www.Example.com/about", "example.com"),
        ("example.com", "example.com"),
        ("http://shop.example.co.uk:8080?x=1", "shop.example.co.uk"),
        ("Someone@Example.COM", "example.com"),
    ],
)
def test_domains_are_normalized(value, domain):
    assert normalize_domain(value) == domain


def test_resolution_says_which_lookups_it_waits_for():
    identities = InMemoryIdentities.examples()
    with pytest.raises(UnknownAccount) as err:
        resolve(AccountRef(source="zendesk", external_id="1", email="x@nowhere.example"), identities)
    assert err.value.waiting_for == (
        "LOOKUP#email#x@nowhere.example",
        "LOOKUP#zendesk#1",
        "LOOKUP#domain#nowhere.example",
    )


def test_learning_without_claims_does_nothing():
    assert learn([], InMemoryIdentities.examples(), "hubspot") == []


def test_a_contact_claim_needs_a_person_not_a_company():
    identities = InMemoryIdentities.examples()
    claim = IdentityClaim("hubspot:contact", "5500000003", AccountRef(domain="rioclaro-transportes.example"), "1")
    assert learn([claim], identities, "hubspot") == ["unresolved"]


@pytest.mark.parametrize(
    ("keys", "expected"),
    [
        ({"pk": "LOOKUP#hubspot#1", "sk": "LOOKUP"}, "LOOKUP#hubspot#1"),
        ({"pk": "ACCOUNT#acc-x", "sk": "PROFILE"}, "ACCOUNT#acc-x"),
        ({"pk": "ACCOUNT#acc-x", "sk": "CONTACT#c"}, None),
        ({"pk": "TARGET#x.example", "sk": "PROFILE"}, None),
    ],
)
def test_only_lookups_and_account_profiles_wake_waiting_items(keys, expected):
    # What the replay function reads from a PortfolioTable stream record's keys
    assert mapping_key(keys["pk"], keys["sk"]) == expected
