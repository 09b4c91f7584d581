"""Intercom conversation and ticket webhooks, signed X-Hub-Signature: sha1=hex(HMAC-SHA1(client secret, body))."""

import json
from datetime import UTC, datetime

import pytest

from services.common.models.events import Severity, TicketEscalated, TicketOpened, TicketStatus, TicketUpdated
from services.ingest.logic.pipeline import IngestService
from services.ingest.logic.sources.intercom import Intercom, _Item
from services.ingest.models.errors import Unmappable
from tests.unit.sources.conftest import edited, fixture, ignored, mac, refused, request, service

SECRET = "intercom-client-secret-for-tests"
SECRETS = {Intercom.secret_key: SECRET}


def sign(body: bytes, secret: str = SECRET) -> dict[str, str]:
    """Headers as Intercom sends them: X-Hub-Signature: sha1=hex(HMAC-SHA1(client secret, raw body))."""
    return {
        "content-type": "application/json",
        "user-agent": "intercom-parrot-service-client/1.0",
        "x-hub-signature": "sha1=" + mac(secret, body, "sha1").hex(),
    }


@pytest.fixture
def ingest(bus):
    return service(Intercom(), SECRETS, bus)


def deliver(ingest: IngestService, body: bytes):
    return ingest.accept(request("intercom", body, sign(body)))


# --- through IngestService ------------------------------------------------------------------------------


def test_new_user_conversation_opens_a_ticket_for_the_authors_account(ingest, bus):
    # Given a signed conversation.user.created started by Nora Lie (a Halvorsen contact)
    result = deliver(ingest, fixture("intercom", "conversation-user-created-halvorsen.json"))
    # Then one TicketOpened (normal, open) is published for acc-halvorsen
    assert result.status == 202, result.body
    [event] = bus.published
    assert event.account_id == "acc-halvorsen"
    assert isinstance(event.data, TicketOpened)
    assert (event.data.ticket_id, event.data.severity, event.data.status) == ("147000211", "normal", "open")
    assert event.source_event_id == "notif_3f1c2a80-8a2b-11f1-9c1e-3b1a9d2f0e11"
    assert event.occurred_at == datetime(2026, 11, 22, 11, 50, 1, tzinfo=UTC)


def test_admin_closing_a_conversation_is_a_closed_update(ingest, bus):
    result = deliver(ingest, fixture("intercom", "conversation-admin-closed-meridian.json"))
    assert result.status == 202, result.body
    [event] = bus.published
    assert event.account_id == "acc-meridian"
    assert isinstance(event.data, TicketUpdated)
    assert event.data.status == TicketStatus.CLOSED


def test_conversation_marked_priority_is_a_high_severity_update(ingest, bus):
    # Given a conversation.priority.updated whose conversation is now "priority"
    result = deliver(ingest, fixture("intercom", "conversation-priority-updated-halvorsen.json"))
    # Then TicketUpdated carries severity high and the conversation's state
    assert result.status == 202, result.body
    [event] = bus.published
    assert (event.data.severity, event.data.status) == ("high", "open")


def test_escalation_tag_on_a_conversation_is_a_ticket_escalated(ingest, bus):
    # Given the tag "Escalated" was added to a priority conversation
    result = deliver(ingest, fixture("intercom", "conversation-part-tag-created-escalated.json"))
    # Then a TicketEscalated for Halvorsen
    assert result.status == 202, result.body
    [event] = bus.published
    assert event.account_id == "acc-halvorsen"
    assert isinstance(event.data, TicketEscalated)
    assert event.data.severity == Severity.HIGH
    assert "escalated" in (event.data.reason or "")


def test_other_tags_are_acknowledged_and_ignored(ingest, bus):
    body = edited(
        fixture("intercom", "conversation-part-tag-created-escalated.json"),
        lambda b: b["data"]["item"].update(tags_added={"type": "tag.list", "tags": [{"name": "billing"}]}),
    )
    result = deliver(ingest, body)
    assert "no escalation tag" in ignored(result, bus)


def test_ticket_created_opens_a_new_ticket_for_the_company(ingest, bus):
    # Given a ticket.created with a 2.14+ ticket_state object and Brightwater's company id
    result = deliver(ingest, fixture("intercom", "ticket-created-brightwater.json"))
    # Then TicketOpened (new) with the ticket's title as subject
    assert result.status == 202, result.body
    [event] = bus.published
    assert event.account_id == "acc-brightwater"
    assert isinstance(event.data, TicketOpened)
    assert (event.data.status, event.data.subject) == ("new", "Cold-store temperature alerts delayed")


def test_ticket_state_resolved_is_a_solved_update(ingest, bus):
    result = deliver(ingest, fixture("intercom", "ticket-state-updated-brightwater-resolved.json"))
    assert result.status == 202, result.body
    [event] = bus.published
    assert (event.type, event.data.status) == ("TicketUpdated", "solved")


def test_ticket_state_as_a_plain_string_before_api_2_14(ingest, bus):
    body = edited(
        fixture("intercom", "ticket-state-updated-brightwater-resolved.json"),
        lambda b: b["data"]["item"].update(ticket_state="waiting_on_customer"),
    )
    result = deliver(ingest, body)
    assert result.status == 202, result.body
    assert bus.published[0].data.status == TicketStatus.PENDING


def test_company_id_alone_resolves_the_account(ingest, bus):
    # Given a ticket whose contact carries no email, only Brightwater's company id
    body = edited(
        fixture("intercom", "ticket-created-brightwater.json"),
        lambda b: b["data"]["item"]["contacts"]["contacts"][0].update(email=None),
    )
    result = deliver(ingest, body)
    assert result.status == 202, result.body
    assert bus.published[0].account_id == "acc-brightwater"


def test_ticket_closed_reads_the_nested_ticket(ingest, bus):
    # Given ticket.closed, where API 2.15+ nests the Ticket under data.item.ticket
    body = edited(
        fixture("intercom", "ticket-state-updated-brightwater-resolved.json"),
        lambda b: b.update(
            topic="ticket.closed", data={"type": "notification_event_data", "item": {"ticket": b["data"]["item"]}}
        ),
    )
    result = deliver(ingest, body)
    assert result.status == 202, result.body
    assert (bus.published[0].account_id, bus.published[0].data.status) == ("acc-brightwater", "closed")


def test_ping_is_acknowledged(ingest, bus):
    # Given Intercom's ping (sent on subscription and periodically; its id is null)
    result = deliver(ingest, fixture("intercom", "ping.json"))
    # Then 200, ignored, nothing published
    assert result.status == 200
    assert result.body["ignored"] == "ping"
    assert bus.published == []


def test_topics_boomerang_does_not_use_are_ignored(ingest, bus):
    result = deliver(ingest, fixture("intercom", "contact-user-created.json"))
    assert "contact.user.created" in ignored(result, bus)


def test_the_same_notification_twice_maps_to_the_same_event_id(ingest, bus):
    # Given Intercom retries a notification (same id, delivery_attempts 2)
    body = fixture("intercom", "conversation-admin-closed-meridian.json")
    retry = edited(body, lambda b: b.update(delivery_attempts=2))
    first, second = deliver(ingest, body), deliver(ingest, retry)
    # Then both map to the same canonical event id
    assert (first.status, second.status) == (202, 202)
    assert first.body["event_ids"] == second.body["event_ids"]


# --- refusals -------------------------------------------------------------------------------------------


def test_wrong_secret_is_401_and_nothing_is_published(ingest, bus):
    body = fixture("intercom", "conversation-user-created-halvorsen.json")
    result = ingest.accept(request("intercom", body, sign(body, "another-app-secret")))
    refused(result, bus, 401, "invalid_signature")


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"x-hub-signature": "sha1=" + "0" * 40},
        {"x-hub-signature": "sha256=" + "0" * 64},
    ],
)
def test_missing_or_bad_signature_is_401(ingest, bus, headers):
    result = ingest.accept(
        request("intercom", fixture("intercom", "conversation-user-created-halvorsen.json"), headers)
    )
    assert result.status == 401
    assert bus.published == []


@pytest.mark.parametrize(
    "body, fragment",
    [
        (b"{not json", "not valid JSON"),
        (b"", "empty body"),
        (json.dumps({"type": "notification_event", "topic": "ticket.created"}).encode(), "data"),
        (json.dumps({"type": "something_else", "topic": "ping", "data": {"item": {}}}).encode(), "notification_event"),
        (
            json.dumps(
                {"type": "notification_event", "topic": "ticket.created", "data": {"item": {"type": "ticket"}}}
            ).encode(),
            "id",
        ),
        (
            json.dumps(
                {
                    "type": "notification_event",
                    "id": "notif_1",
                    "topic": "ticket.created",
                    "data": {"item": {"id": "1"}},
                }
            ).encode(),
            "data.item.type",
        ),
    ],
)
def test_malformed_body_is_400_with_a_reason(ingest, bus, body, fragment):
    result = deliver(ingest, body)
    assert fragment in refused(result, bus, 400, "malformed_payload")


def test_a_company_and_author_boomerang_does_not_know_is_422(ingest, bus):
    # Given a conversation from someone at a company that is in no account's ext_intercom
    body = fixture("intercom", "conversation-user-created-halvorsen.json").replace(
        b"nora.lie@halvorsen-freight.example", b"someone@unknown.example"
    )
    result = deliver(ingest, body)
    refused(result, bus, 422, "unknown_account")


def test_a_conversation_naming_no_company_and_no_email_is_unmappable(ingest, bus):
    body = edited(
        fixture("intercom", "conversation-user-created-halvorsen.json"),
        lambda b: b["data"]["item"]["source"]["author"].update(email=None),
    )
    result = deliver(ingest, body)
    assert result.status == 422
    assert result.body["error"] == "unmappable"


def test_an_unknown_ticket_state_is_unmappable(ingest, bus):
    body = edited(
        fixture("intercom", "ticket-state-updated-brightwater-resolved.json"),
        lambda b: b["data"]["item"]["ticket_state"].update(category="teleported"),
    )
    result = deliver(ingest, body)
    assert result.status == 422
    assert result.body["error"] == "unmappable"


# --- options --------------------------------------------------------------------------------------------


def test_options_change_escalation_tags_and_priority_severity(bus):
    ingest = service(Intercom(escalation_tags=["sev1"], priority_severity="critical"), SECRETS, bus)
    tagged = edited(
        fixture("intercom", "conversation-part-tag-created-escalated.json"),
        lambda b: b["data"]["item"].update(tags_added={"type": "tag.list", "tags": [{"name": "SEV1"}]}),
    )
    assert deliver(ingest, fixture("intercom", "conversation-part-tag-created-escalated.json")).status == 200
    assert deliver(ingest, tagged).status == 202
    assert deliver(ingest, fixture("intercom", "conversation-priority-updated-halvorsen.json")).status == 202
    escalated, updated = bus.published
    assert (escalated.data.severity, updated.data.severity) == ("critical", "critical")


@pytest.mark.parametrize(
    "options, fragment",
    [
        ({"escalation_tag": ["x"]}, "escalation_tag"),
        ({"escalation_tags": []}, "escalation_tags"),
        ({"escalation_tags": [" "]}, "non-empty"),
        ({"priority_severity": "urgent"}, "priority_severity"),
    ],
)
def test_invalid_options_raise_a_clear_value_error(options, fragment):
    with pytest.raises(ValueError, match=r"\[sources\.intercom\]") as excinfo:
        Intercom(**options)
    assert fragment in str(excinfo.value)


# --- the mapping functions ------------------------------------------------------------------------------


def _item(**fields) -> _Item:
    return _Item.model_validate({"type": "conversation", "id": "1", **fields})


@pytest.mark.parametrize(
    "fields, expected",
    [
        ({"state": "open"}, TicketStatus.OPEN),
        ({"state": "snoozed"}, TicketStatus.ON_HOLD),
        ({"state": "closed"}, TicketStatus.CLOSED),
        ({"ticket_state": "submitted"}, TicketStatus.NEW),
        ({"ticket_state": "in_progress"}, TicketStatus.OPEN),
        ({"ticket_state": {"category": "waiting_on_customer"}}, TicketStatus.PENDING),
        ({"ticket_state": {"category": "resolved"}}, TicketStatus.SOLVED),
        ({}, None),
    ],
)
def test_state_mapping(fields, expected):
    assert Intercom.status(_item(**fields)) == expected


def test_unknown_state_is_unmappable():
    with pytest.raises(Unmappable):
        Intercom.status(_item(state="archived"))


@pytest.mark.parametrize(
    "priority, severity", [("priority", Severity.HIGH), ("not_priority", Severity.NORMAL), (None, Severity.NORMAL)]
)
def test_priority_to_severity(priority, severity):
    assert Intercom().severity(_item(priority=priority)) == severity


def test_account_prefers_to_carry_both_company_and_email():
    ref = Intercom().account(
        _item(company_id="63da0c7370d44c9c80f1573e", contacts={"contacts": [{"email": "Glen.Pruitt@X.example"}]})
    )
    assert (ref.source, ref.external_id, ref.email) == ("intercom", "63da0c7370d44c9c80f1573e", "glen.pruitt@x.example")


def test_an_admin_author_is_not_the_customer():
    # Given an admin-initiated conversation whose contact has no email
    item = _item(source={"author": {"type": "admin", "email": "agent@vendor.example"}}, company={"id": "c1"})
    ref = Intercom().account(item)
    assert (ref.external_id, ref.email) == ("c1", None)
