"""Zendesk ticket webhooks (event subscriptions, the trigger template), signed base64(HMAC-SHA256(timestamp + body))."""

import json
from datetime import UTC, datetime, timedelta

import pytest

from services.common.models.events import Severity, TicketEscalated, TicketOpened, TicketStatus, TicketUpdated
from services.ingest.logic.pipeline import IngestService
from services.ingest.logic.sources.zendesk import Zendesk
from services.ingest.models.errors import SignatureInvalid, Unmappable
from tests.unit.sources.conftest import NOW, b64, fixture, ignored, mac, refused, request, service

SECRET = "dGhpc19zZWNyZXRfaXNfZm9yX3Rlc3Rpbmdfb25seQ=="
SECRETS = {Zendesk.secret_key: SECRET}


def sign(body: bytes, secret: str = SECRET, at: datetime = NOW) -> dict[str, str]:
    """Headers as Zendesk sends them: base64(HMAC-SHA256(secret, timestamp + body))."""
    timestamp = at.strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "content-type": "application/json",
        "x-zendesk-account-id": "11940375",
        "x-zendesk-webhook-id": "01JD4Q3XK0S7T8Y5AXJQMG5ZR2",
        "x-zendesk-webhook-invocation-id": "8350205582",
        "x-zendesk-webhook-signature": b64(mac(secret, timestamp.encode() + body)),
        "x-zendesk-webhook-signature-timestamp": timestamp,
    }


@pytest.fixture
def ingest(bus):
    return service(Zendesk(), SECRETS, bus)


def deliver(ingest: IngestService, body: bytes, now: datetime = NOW):
    return ingest.accept(request("zendesk", body, sign(body, at=now), now=now))


# --- through IngestService: event subscriptions ---------------------------------------------------------


def test_ticket_created_event_opens_a_critical_ticket_for_the_organization(ingest, bus):
    # Given a signed zen:event-type:ticket.created for Kestrel's organization with priority URGENT
    body = fixture("zendesk", "event-ticket-created-kestrel-urgent.json")
    # When it is accepted
    result = deliver(ingest, body)
    # Then one TicketOpened (critical, new) is published for acc-kestrel
    assert result.status == 202, result.body
    [event] = bus.published
    assert event.account_id == "acc-kestrel"
    assert isinstance(event.data, TicketOpened)
    assert (event.data.ticket_id, event.data.severity, event.data.status) == ("88231", "critical", "new")
    assert event.source_event_id == "cbe4028c-7239-495d-b020-f22348516046"
    assert event.occurred_at == datetime(2026, 11, 22, 11, 52, 41, 672717, tzinfo=UTC)
    assert result.body["event_ids"] == [event.event_id]


def test_status_changed_event_updates_the_ticket(ingest, bus):
    # Given Halvorsen's ticket moved from OPEN to SOLVED
    result = deliver(ingest, fixture("zendesk", "event-status-changed-halvorsen-solved.json"))
    # Then a TicketUpdated with the new status and the priority's severity
    assert result.status == 202, result.body
    [event] = bus.published
    assert event.account_id == "acc-halvorsen"
    assert isinstance(event.data, TicketUpdated)
    assert (event.data.ticket_id, event.data.status, event.data.severity) == ("77410", "solved", "high")


def test_priority_changed_to_urgent_is_a_critical_update(ingest, bus):
    # Given Meridian's ticket priority moved from HIGH to URGENT
    result = deliver(ingest, fixture("zendesk", "event-priority-changed-meridian-urgent.json"))
    # Then TicketUpdated carries severity critical and the ticket's current status
    assert result.status == 202, result.body
    [event] = bus.published
    assert event.account_id == "acc-meridian"
    assert (event.data.severity, event.data.status) == ("critical", "open")


def test_escalation_tag_added_is_a_ticket_escalated(ingest, bus):
    # Given the tag "escalated" was added to Meridian's urgent ticket
    result = deliver(ingest, fixture("zendesk", "event-tags-changed-meridian-escalated.json"))
    # Then a TicketEscalated (critical, with the tag as reason) is published
    assert result.status == 202, result.body
    [event] = bus.published
    assert event.account_id == "acc-meridian"
    assert isinstance(event.data, TicketEscalated)
    assert (event.data.ticket_id, event.data.severity) == ("80117", "critical")
    assert "escalated" in (event.data.reason or "")


def test_tags_changed_without_an_escalation_tag_is_ignored(ingest, bus):
    # Given a tags_changed event adding only an unrelated tag
    body = json.loads(fixture("zendesk", "event-tags-changed-meridian-escalated.json"))
    body["event"] = {"added": {"tags": ["billing"]}, "removed": {"tags": []}}
    raw = json.dumps(body).encode()
    # When it is accepted
    result = deliver(ingest, raw)
    # Then it is acknowledged with 200 and nothing is published
    assert "no escalation tag" in ignored(result, bus)


def test_event_types_boomerang_does_not_use_are_acknowledged_and_ignored(ingest, bus):
    # Given a comment_added event
    result = deliver(ingest, fixture("zendesk", "event-comment-added.json"))
    # Then 200 with the reason, nothing on the bus
    assert "ticket.comment_added" in ignored(result, bus)


def test_the_same_event_twice_maps_to_the_same_event_id(ingest, bus):
    # Given one Zendesk event, delivered and then retried a minute later (new signature timestamp)
    body = fixture("zendesk", "event-ticket-created-kestrel-urgent.json")
    first = deliver(ingest, body)
    second = deliver(ingest, body, NOW + timedelta(minutes=1))
    # Then both deliveries carry the same canonical event id, so consumers deduplicate
    assert (first.status, second.status) == (202, 202)
    assert first.body["event_ids"] == second.body["event_ids"]


# --- through IngestService: trigger/automation template -------------------------------------------------


def test_trigger_template_update_maps_placeholder_values(ingest, bus):
    # Given the documented trigger body rendered by Zendesk ("On-hold", "High") for a Halvorsen requester
    result = deliver(ingest, fixture("zendesk", "trigger-ticket-updated-halvorsen.json"))
    # Then a TicketUpdated for Halvorsen with status on_hold and severity high
    assert result.status == 202, result.body
    [event] = bus.published
    assert event.account_id == "acc-halvorsen"
    assert isinstance(event.data, TicketUpdated)
    assert (event.data.ticket_id, event.data.status, event.data.severity) == ("77502", "on_hold", "high")
    assert event.occurred_at == datetime(2026, 11, 22, 11, 48, tzinfo=UTC)


def test_trigger_template_created_with_escalation_tag_opens_and_escalates(ingest, bus):
    # Given a ticket_created trigger body whose tags include "escalated"
    result = deliver(ingest, fixture("zendesk", "trigger-ticket-created-brightwater.json"))
    # Then TicketOpened and TicketEscalated go out for Brightwater
    assert result.status == 202, result.body
    opened, escalated = bus.published
    assert {opened.account_id, escalated.account_id} == {"acc-brightwater"}
    assert isinstance(opened.data, TicketOpened)
    assert (opened.data.severity, opened.data.status) == ("critical", "new")
    assert isinstance(escalated.data, TicketEscalated)


def test_trigger_retry_maps_to_the_same_event_id_and_a_new_change_does_not(ingest, bus):
    # Given a trigger delivery, its retry, and a later change of the same ticket
    body = fixture("zendesk", "trigger-ticket-updated-halvorsen.json")
    later = json.loads(body)
    later.update(status="Solved", updated_at="2026-11-22T11:59Z")
    first = deliver(ingest, body)
    retry = deliver(ingest, body, NOW + timedelta(seconds=90))
    change = deliver(ingest, json.dumps(later).encode())
    # Then the retry repeats the event id and the change gets its own
    assert first.body["event_ids"] == retry.body["event_ids"]
    assert change.body["event_ids"] != first.body["event_ids"]


# --- refusals -------------------------------------------------------------------------------------------


def test_wrong_secret_is_401_and_nothing_is_published(ingest, bus):
    # Given a delivery signed with another secret
    body = fixture("zendesk", "event-ticket-created-kestrel-urgent.json")
    result = ingest.accept(request("zendesk", body, sign(body, secret="not-the-secret")))
    # Then 401 and the bus stays empty
    refused(result, bus, 401, "invalid_signature")


@pytest.mark.parametrize("drop", ["x-zendesk-webhook-signature", "x-zendesk-webhook-signature-timestamp"])
def test_missing_signature_headers_are_401(ingest, bus, drop):
    body = fixture("zendesk", "event-ticket-created-kestrel-urgent.json")
    headers = {k: v for k, v in sign(body).items() if k != drop}
    result = ingest.accept(request("zendesk", body, headers))
    assert result.status == 401
    assert bus.published == []


def test_a_tampered_body_is_401(ingest, bus):
    # Given a correctly signed body that is altered in transit
    body = fixture("zendesk", "event-ticket-created-kestrel-urgent.json")
    headers = sign(body)
    result = ingest.accept(request("zendesk", body.replace(b"URGENT", b"LOW"), headers))
    assert result.status == 401


@pytest.mark.parametrize("skew", [timedelta(seconds=-301), timedelta(seconds=301)])
def test_a_timestamp_more_than_five_minutes_off_is_401(ingest, bus, skew):
    # Given a correctly signed delivery whose signature timestamp is 301 s away from now
    body = fixture("zendesk", "event-ticket-created-kestrel-urgent.json")
    result = ingest.accept(request("zendesk", body, sign(body, at=NOW + skew)))
    # Then it is refused as a possible replay
    assert result.status == 401
    assert "300 s" in result.body["message"]
    assert bus.published == []


@pytest.mark.parametrize(
    "body, fragment",
    [
        (b"{not json", "not valid JSON"),
        (b"", "empty body"),
        (b"[1, 2]", "JSON object"),
        (json.dumps({"ticket": {"id": 1}}).encode(), "zen:event-type"),
        (
            json.dumps({"type": "zen:event-type:ticket.created", "id": "e1", "time": "2026-11-22T11:00:00Z"}).encode(),
            "detail.id",
        ),
        (json.dumps({"type": "zen:event-type:ticket.created", "detail": {"id": "1"}}).encode(), "id"),
        (
            json.dumps({"boomerang": 1, "event": "ticket_updated", "updated_at": "2026-11-22T11:00Z"}).encode(),
            "ticket_id",
        ),
        (
            json.dumps(
                {"boomerang": 1, "event": "ticket_updated", "ticket_id": "1", "updated_at": "yesterday"}
            ).encode(),
            "updated_at",
        ),
        (json.dumps({"boomerang": 1, "event": "ticket_moved", "ticket_id": "1", "updated_at": "x"}).encode(), "event"),
    ],
)
def test_malformed_body_is_400_with_a_reason(ingest, bus, body, fragment):
    result = deliver(ingest, body)
    assert fragment in refused(result, bus, 400, "malformed_payload")


def test_an_organization_boomerang_does_not_know_is_422(ingest, bus):
    # Given a ticket for an organization that is in no account's ext_zendesk
    body = fixture("zendesk", "event-ticket-created-kestrel-urgent.json").replace(b"24831017900715", b"99999999999999")
    result = deliver(ingest, body)
    # Then 422 unknown_account, not a guess
    refused(result, bus, 422, "unknown_account")


def test_a_ticket_without_organization_or_email_is_unmappable(ingest, bus):
    # Given a ticket event whose requester belongs to no organization
    body = json.loads(fixture("zendesk", "event-ticket-created-kestrel-urgent.json"))
    body["detail"]["organization_id"] = None
    result = deliver(ingest, json.dumps(body).encode())
    # Then 422 unmappable with the reason
    assert result.status == 422
    assert result.body["error"] == "unmappable"
    assert "organization" in result.body["message"]


def test_a_priority_zendesk_does_not_have_is_unmappable(ingest, bus):
    body = fixture("zendesk", "event-ticket-created-kestrel-urgent.json").replace(b'"URGENT"', b'"SEVERE"')
    result = deliver(ingest, body)
    assert result.status == 422
    assert result.body["error"] == "unmappable"


def test_a_deleted_ticket_is_acknowledged_and_ignored(ingest, bus):
    body = json.loads(fixture("zendesk", "event-status-changed-halvorsen-solved.json"))
    body["event"] = {"current": "DELETED", "previous": "SOLVED"}
    result = deliver(ingest, json.dumps(body).encode())
    assert result.status == 200
    assert bus.published == []


# --- options --------------------------------------------------------------------------------------------


def test_custom_escalation_tags_and_severity_map(bus):
    # Given escalation on "tier3" only, and high priority counted as critical
    ingest = service(Zendesk(escalation_tags=["Tier3"], severity_map={"high": "critical"}), SECRETS, bus)
    tagged = json.loads(fixture("zendesk", "event-tags-changed-meridian-escalated.json"))
    tagged["event"] = {"added": {"tags": ["tier3"]}, "removed": {"tags": []}}
    # When the default tag and then the custom tag are added, and a high-priority ticket is solved
    default_tag = deliver(ingest, fixture("zendesk", "event-tags-changed-meridian-escalated.json"))
    custom_tag = deliver(ingest, json.dumps(tagged).encode())
    solved = deliver(ingest, fixture("zendesk", "event-status-changed-halvorsen-solved.json"))
    # Then only the custom tag escalates, and "high" maps to critical
    assert default_tag.status == 200
    assert custom_tag.status == 202
    assert solved.status == 202
    assert [e.type for e in bus.published] == ["TicketEscalated", "TicketUpdated"]
    assert bus.published[1].data.severity == "critical"


@pytest.mark.parametrize(
    "options, fragment",
    [
        ({"escalation_tag": ["x"]}, "escalation_tag"),
        ({"escalation_tags": []}, "escalation_tags"),
        ({"escalation_tags": ["two words"]}, "without spaces"),
        ({"severity_map": {"blocker": "critical"}}, "blocker"),
        ({"severity_map": {"high": "apocalyptic"}}, "severity_map.high"),
    ],
)
def test_invalid_options_raise_a_clear_value_error(options, fragment):
    with pytest.raises(ValueError, match=r"\[sources\.zendesk\]") as excinfo:
        Zendesk(**options)
    assert fragment in str(excinfo.value)


def test_no_options_gives_the_defaults():
    zendesk = Zendesk()
    assert zendesk.escalation_tags == {"escalated"}
    assert zendesk.severity("Urgent") == Severity.CRITICAL


# --- the mapping functions ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "priority, severity",
    [
        ("URGENT", Severity.CRITICAL),
        ("Urgent", Severity.CRITICAL),
        ("high", Severity.HIGH),
        ("NORMAL", Severity.NORMAL),
        ("Low", Severity.LOW),
        (None, Severity.NORMAL),
        ("", Severity.NORMAL),
    ],
)
def test_priority_to_severity(priority, severity):
    assert Zendesk().severity(priority) == severity


def test_unknown_priority_is_unmappable():
    with pytest.raises(Unmappable):
        Zendesk().severity("p0")


@pytest.mark.parametrize(
    "status, expected",
    [
        ("NEW", TicketStatus.NEW),
        ("Open", TicketStatus.OPEN),
        ("pending", TicketStatus.PENDING),
        ("HOLD", TicketStatus.ON_HOLD),
        ("On-hold", TicketStatus.ON_HOLD),
        ("SOLVED", TicketStatus.SOLVED),
        ("Closed", TicketStatus.CLOSED),
    ],
)
def test_status_mapping(status, expected):
    assert Zendesk.status(status, default=None) == expected


def test_missing_status_uses_the_default_only_when_there_is_one():
    assert Zendesk.status(None, default=TicketStatus.NEW) == TicketStatus.NEW
    with pytest.raises(Unmappable):
        Zendesk.status("", default=None)


def test_signature_is_base64_hmac_sha256_of_timestamp_then_body():
    # Given the formula from Zendesk's "Verifying webhook authenticity": base64(HMACSHA256(TIMESTAMP + BODY))
    body, timestamp = b'{"say": "hello"}', "2026-11-22T12:00:00Z"
    secrets = {"zendesk_signing_secret": "s3cret"}

    def headers(signed: bytes) -> dict[str, str]:
        signature = b64(mac("s3cret", signed))
        return {"x-zendesk-webhook-signature": signature, "x-zendesk-webhook-signature-timestamp": timestamp}

    # Then verify accepts that signature (it returns, raising nothing)
    assert Zendesk().verify(request("zendesk", body, headers(timestamp.encode() + body)), secrets, NOW) is None
    # And refuses the same HMAC over the body then the timestamp: the order is part of the formula
    with pytest.raises(SignatureInvalid, match="does not match"):
        Zendesk().verify(request("zendesk", body, headers(body + timestamp.encode())), secrets, NOW)
