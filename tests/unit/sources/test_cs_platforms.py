"""Gainsight, ChurnZero and Totango: admin-defined JSON, authenticated with a shared token header."""

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from services.common.models.events import (
    PRODUCED_BY_BOOMERANG,
    ChampionChanged,
    CompetitorMentioned,
    MeetingHeld,
    OnboardingCompleted,
    RenewalRiskFlagged,
    RenewalSigned,
    UsageReported,
)
from services.ingest.logic.pipeline import IngestService
from services.ingest.logic.sources.churnzero import ChurnZero
from services.ingest.logic.sources.cs_platform import CsPlatformSource
from services.ingest.logic.sources.gainsight import Gainsight
from services.ingest.logic.sources.totango import Totango
from tests.fakes import FakePublisher
from tests.unit.sources.conftest import fixture, ignored, refused, request, service

SECRETS = {"gainsight_token": "gs-token-1", "churnzero_token": "cz-token-2", "totango_token": "tg-token-3"}
PLATFORMS = [Gainsight, ChurnZero, Totango]
# A real account id per platform, from examples/portfolio/accounts.csv.
ACCOUNT = {
    "gainsight": ("1P02NWK0DO4UE11RB4PVP3BN880PZCY7IBBT", "acc-halvorsen"),
    "churnzero": ("CUST-10474", "acc-brightwater"),
    "totango": ("acct_rio_claro", "acc-rioclaro"),
}


def _service(cls: type[CsPlatformSource], bus: FakePublisher, **options: Any) -> IngestService:
    return service(cls(**options), SECRETS, bus)


def _token(cls: type[CsPlatformSource]) -> dict[str, str]:
    return {"content-type": "application/json", "x-boomerang-token": SECRETS[cls.secret_key]}


def _body(**fields: Any) -> bytes:
    return json.dumps(fields).encode()


# -- vendor fixtures ---------------------------------------------------------------------------------------


def test_gainsight_onboarding_rule_becomes_onboarding_completed(bus):
    # Given a Gainsight "Call External API" body for Halvorsen's go-live, with the token header
    body = fixture("gainsight", "onboarding-completed-halvorsen.json")
    # When it is accepted
    result = _service(Gainsight, bus).accept(request("gainsight", body, _token(Gainsight)))
    # Then one OnboardingCompleted for acc-halvorsen, with the milestone and the rendered "41" as an int
    assert result.status == 202, result.body
    [event] = bus.published
    assert (event.account_id, event.source, event.type) == ("acc-halvorsen", "gainsight", "OnboardingCompleted")
    assert isinstance(event.data, OnboardingCompleted)
    assert (event.data.milestone, event.data.days_to_value) == ("Go-live: all depots on Boomerang", 41)
    assert event.occurred_at == datetime(2026, 11, 21, 15, 4, tzinfo=UTC)
    assert event.source_event_id == "GS-RULE-ONB-1P02NWK0DO4UE11RB4PVP3BN880PZCY7IBBT-2026-11-21"
    assert result.body["event_ids"] == [event.event_id]


def test_gainsight_usage_snapshot_with_string_tokens_and_a_date(bus):
    # Given a usage snapshot whose numbers render as strings and whose date has no time
    body = fixture("gainsight", "usage-snapshot-nordlys.json")
    # When it is accepted
    result = _service(Gainsight, bus).accept(request("gainsight", body, _token(Gainsight)))
    # Then a UsageReported for acc-nordlys, at midnight UTC of that day
    assert result.status == 202, result.body
    [event] = bus.published
    assert event.account_id == "acc-nordlys"
    assert isinstance(event.data, UsageReported)
    assert (event.data.active_users, event.data.licensed_seats, event.data.logins_30d) == (388, 420, 5120)
    assert event.occurred_at == datetime(2026, 11, 22, tzinfo=UTC)


def test_gainsight_champion_change_names_the_contact(bus):
    # Given a Journey Orchestrator call about Kestrel's new champion, with her (mixed-case) email
    body = fixture("gainsight", "champion-changed-kestrel.json")
    # When it is accepted
    result = _service(Gainsight, bus).accept(request("gainsight", body, _token(Gainsight)))
    # Then ChampionChanged for acc-kestrel carries her contact id; the offset time is kept aware
    assert result.status == 202, result.body
    [event] = bus.published
    assert event.account_id == "acc-kestrel"
    assert isinstance(event.data, ChampionChanged)
    assert (event.data.change, event.data.contact_id) == ("joined", "con-hannah-brooks")
    assert event.occurred_at == datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def test_churnzero_renewal_play_becomes_renewal_signed(bus):
    # Given a ChurnZero Play webhook for Brightwater's renewal
    body = fixture("churnzero", "renewal-signed-brightwater.json")
    # When it is accepted with Authorization: Bearer instead of the custom header
    headers = {"authorization": f"Bearer {SECRETS['churnzero_token']}"}
    result = _service(ChurnZero, bus).accept(request("churnzero", body, headers))
    # Then RenewalSigned for acc-brightwater with the contract's figures
    assert result.status == 202, result.body
    [event] = bus.published
    assert event.account_id == "acc-brightwater"
    assert isinstance(event.data, RenewalSigned)
    assert (event.data.arr, event.data.term_months, str(event.data.renewal_date)) == (124000.0, 12, "2028-01-15")


def test_churnzero_renamed_event_name_maps_through_options(bus):
    # Given the admin's own event name "Churn Risk Raised", mapped in [sources.churnzero].event_names
    body = fixture("churnzero", "risk-flagged-copperline.json")
    ingest = _service(ChurnZero, bus, event_names={"Churn Risk Raised": "RenewalRiskFlagged"})
    # When it is accepted
    result = ingest.accept(request("churnzero", body, _token(ChurnZero)))
    # Then it becomes RenewalRiskFlagged for acc-copperline
    assert result.status == 202, result.body
    [event] = bus.published
    assert event.account_id == "acc-copperline"
    assert isinstance(event.data, RenewalRiskFlagged)
    assert event.data.at_risk is True
    assert "ChurnScore" in (event.data.reason or "")


def test_churnzero_unmapped_custom_name_is_422(bus):
    # Given the same body without the event_names option
    body = fixture("churnzero", "risk-flagged-copperline.json")
    # When it is accepted
    result = _service(ChurnZero, bus).accept(request("churnzero", body, _token(ChurnZero)))
    # Then 422 says which names are known and how to map it, and nothing is published
    assert result.status == 422
    assert result.body["error"] == "unmappable"
    assert "Churn Risk Raised" in result.body["message"]
    assert "event_names" in result.body["message"]
    assert bus.published == []


def test_totango_meeting_with_epoch_milliseconds(bus):
    # Given a Totango SuccessPlay webhook for a QBR, dated in Unix milliseconds
    body = fixture("totango", "meeting-held-rioclaro.json")
    # When it is accepted
    result = _service(Totango, bus).accept(request("totango", body, _token(Totango)))
    # Then MeetingHeld for acc-rioclaro, at that instant
    assert result.status == 202, result.body
    [event] = bus.published
    assert event.account_id == "acc-rioclaro"
    assert isinstance(event.data, MeetingHeld)
    assert (event.data.kind, event.data.attended, event.data.executive_present) == ("QBR", True, True)
    assert event.occurred_at == datetime(2026, 11, 21, 14, 30, tzinfo=UTC)


def test_totango_array_body_gives_one_event_each(bus):
    # Given a JSON array with a competitor mention and a health risk for Morava
    body = fixture("totango", "competitor-mentioned-morava.json")
    # When it is accepted
    result = _service(Totango, bus).accept(request("totango", body, _token(Totango)))
    # Then both events are published for acc-morava
    assert result.status == 202, result.body
    competitor, risk = bus.published
    assert {competitor.account_id, risk.account_id} == {"acc-morava"}
    assert isinstance(competitor.data, CompetitorMentioned)
    assert competitor.data.competitor == "Shipwell"
    assert isinstance(risk.data, RenewalRiskFlagged)


# -- every platform ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("cls", PLATFORMS)
@pytest.mark.parametrize(
    "event, data, expected",
    [
        ("onboarding_completed", {"milestone": "kickoff"}, "OnboardingCompleted"),
        ("usage_reported", {"active_users": 10}, "UsageReported"),
        ("renewal_risk_flagged", {"reason": "health red"}, "RenewalRiskFlagged"),
        ("champion_changed", {"change": "left"}, "ChampionChanged"),
        ("executive_changed", {"name": "New COO"}, "ExecutiveChanged"),
        ("meeting_held", {"kind": "EBR"}, "MeetingHeld"),
        ("competitor_mentioned", {"competitor": "Acme"}, "CompetitorMentioned"),
        ("renewal_signed", {"arr": 1000}, "RenewalSigned"),
        ("Expansion Closed", {"added_arr": 5000}, "ExpansionSigned"),
        ("ExpansionSigned", {}, "ExpansionSigned"),
        ("Success Plan Reviewed", {"goals_achieved": 7, "period": "2026Q4"}, "OutcomesReported"),
        ("response_time_reported", {"response_hours": 6.5}, "ResponseTimeReported"),
        ("department_interest", {"department": "Finance"}, "DepartmentInterestExpressed"),
        ("feature_requested", {"feature": "SSO", "premium": True}, "FeatureRequested"),
        ("CTA Opened", {"plan_id": "cta-17", "playbook": "low_adoption"}, "InterventionStarted"),
        ("cta_closed", {"plan_id": "cta-17"}, "InterventionEnded"),
    ],
)
def test_default_event_names_map_to_canonical_types(bus, cls, event, data, expected):
    # Given each default event name, for a real account of the platform
    external_id, account_id = ACCOUNT[cls.name]
    body = _body(event=event, event_id=f"e-{event}", occurred_at="2026-11-21T10:00:00Z", account_id=external_id, **data)
    # When it is accepted
    result = _service(cls, bus).accept(request(cls.name, body, _token(cls)))
    # Then the right canonical type is published for the right account
    assert result.status == 202, result.body
    [published] = bus.published
    assert (published.type, published.account_id) == (expected, account_id)


@pytest.mark.parametrize("cls", PLATFORMS)
@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"x-boomerang-token": "wrong"},
        {"x-boomerang-token": ""},
        {"authorization": "Bearer wrong"},
        {"authorization": "Basic Z3M6dG9rZW4="},
    ],
)
def test_wrong_or_missing_token_is_401_and_nothing_is_published(bus, cls, headers):
    # Given a valid body with a missing or wrong token
    body = _body(event="meeting_held", event_id="m1", account_id=ACCOUNT[cls.name][0])
    # When it is accepted
    result = _service(cls, bus).accept(request(cls.name, body, headers))
    # Then 401, and the bus stays empty
    refused(result, bus, 401, "invalid_signature")


@pytest.mark.parametrize("cls", PLATFORMS)
def test_another_platforms_token_is_refused(bus, cls):
    # Given the right header carrying another platform's token
    other = next(k for k in SECRETS if k != cls.secret_key)
    body = _body(event="meeting_held", event_id="m1", account_id=ACCOUNT[cls.name][0])
    # When it is accepted / Then 401
    result = _service(cls, bus).accept(request(cls.name, body, {"x-boomerang-token": SECRETS[other]}))
    assert result.status == 401


@pytest.mark.parametrize("cls", PLATFORMS)
def test_custom_token_header_from_options(bus, cls):
    # Given token_header = "X-Api-Key" in the rules file
    ingest = _service(cls, bus, token_header="X-Api-Key")
    body = _body(event="meeting_held", event_id="m1", account_id=ACCOUNT[cls.name][0])
    # When the token comes in that header, or in the default one
    good = ingest.accept(request(cls.name, body, {"x-api-key": SECRETS[cls.secret_key]}))
    default = ingest.accept(request(cls.name, body, _token(cls)))
    # Then only the configured header (or Bearer) is accepted
    assert (good.status, default.status) == (202, 401)


@pytest.mark.parametrize("cls", PLATFORMS)
def test_duplicate_delivery_gives_the_same_event_id(bus, cls):
    # Given the same call delivered twice, once with an event_id and once without one
    with_id = _body(event="onboarding_completed", event_id="dup-1", account_id=ACCOUNT[cls.name][0])
    without_id = _body(event="onboarding_completed", account_id=ACCOUNT[cls.name][0], milestone="go-live")
    ingest = _service(cls, bus)
    # When each is accepted twice
    ids = [ingest.accept(request(cls.name, b, _token(cls))).body["event_ids"] for b in (with_id, with_id)]
    hashed = [ingest.accept(request(cls.name, b, _token(cls))).body["event_ids"] for b in (without_id, without_id)]
    # Then each retry yields the same event id, and the two different deliveries differ
    assert ids[0] == ids[1]
    assert hashed[0] == hashed[1]
    assert ids[0] != hashed[0]
    assert bus.published[2].source_event_id.startswith("sha256:")


@pytest.mark.parametrize("cls", PLATFORMS)
@pytest.mark.parametrize(
    "body, fragment",
    [
        (b"{not json", "not valid JSON"),
        (b"", "empty body"),
        (b"[]", "no events"),
        (b'"hello"', "expected a JSON object"),
        (_body(account_id="x"), "event: required"),
        (_body(event="meeting_held"), "account_id: required"),
        (_body(event="usage_reported", account_id="x", active_users="many"), "active_users"),
        (_body(event="competitor_mentioned", account_id="x"), "competitor"),
        (_body(event="meeting_held", account_id="x", occurred_at="last tuesday"), "occurred_at"),
        (_body(event="meeting_held", account_id="x", data=[1]), "data: expected a JSON object"),
    ],
)
def test_malformed_body_is_400_with_a_reason(bus, cls, body, fragment):
    # Given a correctly authenticated call with a body that can't be read
    # When it is accepted
    result = _service(cls, bus).accept(request(cls.name, body, _token(cls)))
    # Then 400 names the problem, and nothing is published
    assert fragment in refused(result, bus, 400, "malformed_payload")


@pytest.mark.parametrize("cls", PLATFORMS)
def test_unknown_event_name_is_422(bus, cls):
    # Given an event name Boomerang doesn't know
    body = _body(event="nps_survey_sent", account_id=ACCOUNT[cls.name][0])
    # When it is accepted / Then 422 unmappable
    result = _service(cls, bus).accept(request(cls.name, body, _token(cls)))
    assert result.status == 422
    assert result.body["error"] == "unmappable"
    assert "nps_survey_sent" in result.body["message"]


@pytest.mark.parametrize("event_type", sorted(PRODUCED_BY_BOOMERANG))
@pytest.mark.parametrize("cls", PLATFORMS)
def test_boomerang_decisions_cannot_be_injected(bus, cls, event_type):
    # Given a body naming a type only Boomerang produces (its decisions, scores and signals)
    body = _body(event=event_type.value, account_id=ACCOUNT[cls.name][0], score=99, status="green")
    # When it is accepted / Then it is not mapped
    assert _service(cls, bus).accept(request(cls.name, body, _token(cls))).status == 422


@pytest.mark.parametrize("cls", PLATFORMS)
def test_event_mapped_to_ignore_is_acknowledged(bus, cls):
    # Given event_names maps "survey_sent" to "ignore"
    ingest = _service(cls, bus, event_names={"survey_sent": "ignore"})
    body = _body(event="Survey Sent", account_id=ACCOUNT[cls.name][0])
    # When it is accepted
    result = ingest.accept(request(cls.name, body, _token(cls)))
    # Then 200 with the reason, nothing published
    assert "ignore" in ignored(result, bus)


@pytest.mark.parametrize("cls", PLATFORMS)
def test_account_the_directory_does_not_know_is_422(bus, cls):
    # Given an account id that isn't in accounts.csv
    body = _body(event="meeting_held", event_id="m1", account_id="NOT-IMPORTED-1")
    # When it is accepted / Then 422 unknown_account, never guessed
    result = _service(cls, bus).accept(request(cls.name, body, _token(cls)))
    assert (result.status, result.body["error"]) == (422, "unknown_account")


@pytest.mark.parametrize("cls", PLATFORMS)
@pytest.mark.parametrize(
    "options, fragment",
    [
        ({"event_names": {"x": "NotAType"}}, "NotAType"),
        ({"event_names": {"x": "TriggerFired"}}, "TriggerFired"),
        ({"token_header": ""}, "token_header"),
        ({"token_header": "X Bad Header"}, "token_header"),
        ({"tokn_header": "X-Api-Key"}, "tokn_header"),
    ],
)
def test_invalid_options_raise_value_error(cls, options, fragment):
    # Given options with a mistake / When the source is built / Then a ValueError names it
    with pytest.raises(ValueError, match=fragment) as info:
        cls(**options)
    assert f"[sources.{cls.name}]" in str(info.value)


@pytest.mark.parametrize("cls", PLATFORMS)
def test_defaults_work_and_names_are_distinct(cls):
    source = cls()
    assert source.options.token_header == "X-Boomerang-Token"
    assert cls.secret_key == f"{cls.name}_token"
    assert {c.name for c in PLATFORMS} == {"gainsight", "churnzero", "totango"}


def test_unconfigured_token_is_503(bus):
    # Given no gainsight_token in the secret
    ingest = service(Gainsight(), {}, bus)
    body = fixture("gainsight", "onboarding-completed-halvorsen.json")
    # When a call arrives / Then 503 so Gainsight retries later
    assert ingest.accept(request("gainsight", body, _token(Gainsight))).status == 503
