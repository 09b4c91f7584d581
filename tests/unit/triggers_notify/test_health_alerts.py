"""Scoring's messages for people: who is told, by DM or email, and never twice."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from services.common.models.events import BusSource, EventEnvelope, EventType, new_event
from services.notify.logic.health_alerts import HealthAlerts
from services.notify.models.errors import NobodyToTell, Unreachable
from tests.fakes.notify import InMemorySentLog
from tests.fakes.triggers import NOW

HALVORSEN = "acc-halvorsen"
TOMAS, JONAS, MARCUS = "U07OXTZ7Q74", "U08JW3BR5KQ", "U06O5NZQDG2"  # its CSM, its AE, the CSM's manager


@pytest.fixture
def sent() -> InMemorySentLog:
    return InMemorySentLog()


@pytest.fixture
def alerts(world, slack, mailer, sent) -> HealthAlerts:
    return HealthAlerts(slack, world.directory, mailer, sent, world.config.email.sender, world.clock)


def scoring_event(event_type: EventType, data: dict, account_id: str = HALVORSEN) -> EventEnvelope:
    return new_event(
        source=BusSource.SCORING,
        source_event_id=f"{account_id}:{event_type.value}",
        account_id=account_id,
        event_type=event_type,
        data=data,
        occurred_at=NOW,
        received_at=NOW,
    )


EXPANSION = {
    "score": 5,
    "threshold": 5,
    "reasons": [{"signal": "high_adoption", "points": 3, "detail": "93 % of seats active", "action": "Explore"}],
    "health_score": 81.0,
    "status": "green",
}
CHECK = {
    "score": 38.0,
    "status": "red",
    "status_since": (NOW - timedelta(days=8)).isoformat(),
    "cadence_days": 7,
    "due_at": NOW.isoformat(),
}
ESCALATION = {
    "score": 31.0,
    "red_since": (NOW - timedelta(days=15)).isoformat(),
    "days_red": 15,
    "limit_days": 14,
    "reason": "red for 15 days with no active intervention plan",
}


def change_member(world, member_id: str, **changes: object) -> None:
    members = world.directory.portfolio.members
    members[:] = [m.model_copy(update=changes) if m.member_id == member_id else m for m in members]


def test_an_expansion_signal_goes_to_the_accounts_ae(alerts, slack):
    assert alerts.handle(scoring_event(EventType.EXPANSION_SIGNAL, EXPANSION)) == "dm_sent"
    [(method, call)] = slack.calls
    assert (method, call["channel"]) == ("chat.postMessage", JONAS)
    assert "Expansion signal: Halvorsen Freight AS" in call["text"]
    assert f"<@{TOMAS}>" in json.dumps(call["blocks"])  # the CSM is named, not told


def test_a_due_health_check_goes_to_the_csm(alerts, slack):
    assert alerts.handle(scoring_event(EventType.HEALTH_CHECK_DUE, CHECK)) == "dm_sent"
    [(_, call)] = slack.calls
    assert call["channel"] == TOMAS
    assert call["text"] == "🩺 Health check due: Halvorsen Freight AS is Red (38)"


def test_an_escalation_goes_to_the_csms_manager_and_the_csm(alerts, slack):
    assert alerts.handle(scoring_event(EventType.RED_ACCOUNT_ESCALATED, ESCALATION)) == "dm_sent+dm_sent"
    assert [call["channel"] for _, call in slack.calls] == [MARCUS, TOMAS]


def test_a_member_without_slack_is_emailed_the_sections(world, alerts, slack, mailer):
    # Given Tomas has no Slack user id
    change_member(world, "mem-tomas-lindqvist", slack_user_id=None)
    # When his health check is due Then he gets it by email, the DM's sections as paragraphs
    assert alerts.handle(scoring_event(EventType.HEALTH_CHECK_DUE, CHECK)) == "emailed"
    [mail] = mailer.sent
    assert (mail["to"], mail["sender"]) == (["tomas.lindqvist@boomerang-demo.example"], world.config.email.sender)
    assert mail["subject"] == "🩺 Health check due: Halvorsen Freight AS is Red (38)"
    assert "At risk — activate the risk playbook immediately." in mail["body"]
    assert slack.calls == []


def test_a_redelivered_message_tells_nobody_twice(alerts, slack):
    event = scoring_event(EventType.RED_ACCOUNT_ESCALATED, ESCALATION)
    alerts.handle(event)
    assert alerts.handle(event) == "already_sent+already_sent"
    assert len(slack.calls) == 2


def test_a_failed_send_is_released_for_the_redelivery(world, alerts, sent):
    # Given Tomas has neither a Slack user id nor an email
    change_member(world, "mem-tomas-lindqvist", slack_user_id=None, email=None)
    # When his check is due Then delivery fails, naming him, and his claim is released for the retry
    with pytest.raises(Unreachable, match="member mem-tomas-lindqvist has neither"):
        alerts.handle(scoring_event(EventType.HEALTH_CHECK_DUE, CHECK))
    assert sent.claimed == {}


def test_an_account_nobody_looks_after_raises(alerts):
    with pytest.raises(NobodyToTell, match="account acc-unknown: nobody to tell about HealthCheckDue"):
        alerts.handle(scoring_event(EventType.HEALTH_CHECK_DUE, CHECK, account_id="acc-unknown"))


def test_other_events_are_ignored(alerts, fired):
    assert alerts.handle(fired) == "ignored"
