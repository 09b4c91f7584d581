from datetime import timedelta

import pytest

from services.common.models.events import EventType, TriggerBlocked, TriggerFired, parse_event
from services.scoring.logic.recorder import SignalRecorder
from tests.fakes import generic_event
from tests.fakes.triggers import NOW, PRIYA, nps


def record(store, event_type, account_id, data, event_id="e1", at=NOW - timedelta(hours=1)):
    SignalRecorder(store).record(generic_event(event_type, data, event_id, at, account_id=account_id))


def test_promoter_fires_with_who_what_and_why(world):
    # Given Priya answers NPS 10 on a clean account
    decision = world.evaluator.evaluate(nps(world.directory, PRIYA, 10))
    # Then the trigger fires with a complete ask
    assert decision.outcome == "fired", decision.reason
    fired = parse_event(decision.event).data
    assert isinstance(fired, TriggerFired)
    assert fired.csm_slack_user_id == "U07OXTZ7Q74"
    assert fired.ask.promoter_name == "Priya Raman"
    people = fired.ask.people
    assert len(people) == 5  # max_people in boomerang.toml
    assert fired.ask.people_known == 7  # everyone she knows at ICP fit; the DM names the best five
    assert [p.fit for p in people] == sorted((p.fit for p in people), reverse=True)
    assert [p.name for p in people if p.fit < 60] == []
    assert [p.name for p in people if not p.fit_reasons] == []
    assert people[0].name in fired.ask.script
    assert people[0].company in fired.ask.script
    assert "Priya, thank you for the 10" in fired.ask.script
    assert fired.ask.why_now[0].startswith("NPS 9–10: Priya Raman answered NPS 10")
    assert "71 h left" in fired.ask.why_now[1]
    assert fired.window_ends_at == NOW - timedelta(minutes=5) + timedelta(hours=72)


def test_the_trigger_is_recorded_pending_and_the_promoter_cools_down(world):
    # When Priya's 10 fires
    fired = parse_event(world.evaluator.evaluate(nps(world.directory, PRIYA, 10)).event).data
    # Then the store holds the pending trigger for her CSM, and her cool-down starts now
    stored = world.store.triggers[fired.trigger_id]
    assert (stored["status"], stored["csm_slack_user_id"]) == ("pending", "U07OXTZ7Q74")
    assert stored["window_ends_at"] == fired.window_ends_at.isoformat()
    assert world.store.last_asked("con-priya-raman") == NOW


def test_poor_fit_connections_are_left_out(world):
    fired = parse_event(world.evaluator.evaluate(nps(world.directory, PRIYA, 10)).event).data
    known = {c.company_domain for c in world.directory.connections("con-priya-raman")}
    named = {p.domain for p in fired.ask.people}
    assert named < known  # at least one connection (poor fit or unknown company) is not suggested


@pytest.mark.parametrize("score", [0, 6, 7, 8])
def test_scores_below_nine_are_not_peak_moments(world, score):
    decision = world.evaluator.evaluate(nps(world.directory, PRIYA, score))
    assert decision.outcome == "not_a_trigger"
    assert decision.event is None
    assert world.store.triggers == {}


def test_open_critical_ticket_blocks_and_says_so(world):
    record(world.store, EventType.TICKET_OPENED, "acc-halvorsen", {"ticket_id": "Z-9", "severity": "critical"})
    decision = world.evaluator.evaluate(nps(world.directory, PRIYA, 10))
    assert decision.outcome == "blocked"
    blocked = parse_event(decision.event).data
    assert isinstance(blocked, TriggerBlocked)
    failed = [g for g in blocked.gates if not g.passed]
    assert [g.gate for g in failed] == ["open_critical_ticket"]
    assert "Z-9" in failed[0].detail


def test_solved_critical_ticket_no_longer_blocks(world):
    record(world.store, EventType.TICKET_OPENED, "acc-halvorsen", {"ticket_id": "Z-9", "severity": "critical"}, "e1")
    record(
        world.store,
        EventType.TICKET_UPDATED,
        "acc-halvorsen",
        {"ticket_id": "Z-9", "severity": "critical", "status": "solved"},
        "e2",
        NOW - timedelta(minutes=30),
    )
    assert world.evaluator.evaluate(nps(world.directory, PRIYA, 10)).outcome == "fired"


@pytest.mark.parametrize(
    "event_type, data, gate",
    [
        (EventType.RENEWAL_RISK_FLAGGED, {"reason": "budget freeze"}, "renewal_risk"),
        (EventType.TICKET_ESCALATED, {"ticket_id": "Z-1"}, "recent_escalation"),
        (EventType.NPS_RESPONDED, {"response_id": "other", "score": 4, "contact_id": "con-ingrid-solberg"}, "low_nps"),
    ],
)
def test_each_gate_blocks(world, event_type, data, gate):
    record(world.store, event_type, "acc-halvorsen", data)
    decision = world.evaluator.evaluate(nps(world.directory, PRIYA, 10))
    assert decision.outcome == "blocked"
    assert gate in decision.reason


def test_same_answer_never_fires_twice_and_promoter_is_not_asked_again(world):
    assert world.evaluator.evaluate(nps(world.directory, PRIYA, 10)).outcome == "fired"
    assert world.evaluator.evaluate(nps(world.directory, PRIYA, 10)).outcome == "blocked"  # cool-down gate first
    world.clock.advance(days=1)
    later = world.evaluator.evaluate(
        nps(world.directory, PRIYA, 9, response_id="r2", at=world.clock.now - timedelta(minutes=1))
    )
    assert later.outcome == "blocked"
    assert "ask_cooldown" in later.reason


def test_an_answer_already_fired_is_a_duplicate_when_the_cool_down_has_lapsed(world):
    # Given Priya's 10 fired, and her cool-down has since been cleared
    assert world.evaluator.evaluate(nps(world.directory, PRIYA, 10)).outcome == "fired"
    world.store.asked.clear()
    # When the same answer is evaluated again Then the trigger store refuses it: one trigger per moment
    again = world.evaluator.evaluate(nps(world.directory, PRIYA, 10))
    assert again.outcome == "duplicate"
    assert again.event is None


def test_closed_window_is_not_a_trigger(world):
    old = nps(world.directory, PRIYA, 10, at=NOW - timedelta(hours=73))
    decision = world.evaluator.evaluate(old)
    assert decision.outcome == "not_a_trigger"
    assert "window closed" in decision.reason


def test_promoter_without_connections_gets_the_open_script(world):
    contact = world.directory.contact_by_email("tmercer@meridian-3pl.example")
    assert world.directory.connections(contact.contact_id) == []
    fired = parse_event(world.evaluator.evaluate(nps(world.directory, contact.email, 9)).event).data
    assert fired.ask.people == []
    assert "Is there one peer in your network" in fired.ask.script


def test_an_account_outside_the_portfolio_is_not_a_trigger(world):
    event = nps(world.directory, PRIYA, 10).model_copy(update={"account_id": "acc-unknown"})
    decision = world.evaluator.evaluate(event)
    assert decision.outcome == "not_a_trigger"
    assert "not in the portfolio" in decision.reason
