from datetime import UTC, datetime, timedelta

import pytest

from services.common.models.config import load_config
from services.common.models.events import EventType, TriggerBlocked, TriggerFired, new_event, parse_event
from services.scoring.logic.recorder import SignalRecorder
from services.triggers.logic.evaluator import TriggerEvaluator
from tests.fakes import EXAMPLES, Clock, InMemoryDirectory, InMemoryStateStore, generic_event
from tests.fakes.triggers import InMemoryFacts

ROOT = EXAMPLES.parent
NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


@pytest.fixture
def world():
    directory = InMemoryDirectory.examples()
    store = InMemoryStateStore()
    clock = Clock(NOW)
    evaluator = TriggerEvaluator(load_config(ROOT / "boomerang.toml"), InMemoryFacts(directory, store), store, clock)
    return directory, store, clock, evaluator


def nps(directory, email: str, score: int, response_id: str = "r1", at: datetime = NOW - timedelta(minutes=5)):
    contact = directory.contact_by_email(email)
    return new_event(
        source="delighted",
        source_event_id=response_id,
        account_id=contact.account_id,
        event_type=EventType.NPS_RESPONDED,
        occurred_at=at,
        received_at=at,
        data={
            "response_id": response_id,
            "score": score,
            "contact_id": contact.contact_id,
            "respondent_email": email,
            "respondent_name": contact.name,
        },
    )


def record(store, event_type, account_id, data, event_id="e1", at=NOW - timedelta(hours=1)):
    SignalRecorder(store).record(generic_event(event_type, data, event_id, at, account_id=account_id))


PRIYA = "priya.raman@halvorsen-freight.example"


def test_promoter_fires_with_who_what_and_why(world):
    directory, _store, _, evaluator = world
    # Given Priya answers NPS 10 on a clean account
    decision = evaluator.evaluate(nps(directory, PRIYA, 10))
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
    assert all(p.fit >= 60 and p.fit_reasons for p in people)
    assert people[0].name in fired.ask.script and people[0].company in fired.ask.script
    assert "Priya, thank you for the 10" in fired.ask.script
    assert fired.ask.why_now[0].startswith("NPS 9–10: Priya Raman answered NPS 10")
    assert "71 h left" in fired.ask.why_now[1]
    assert fired.window_ends_at == NOW - timedelta(minutes=5) + timedelta(hours=72)


def test_poor_fit_connections_are_left_out(world):
    directory, _, _, evaluator = world
    fired = parse_event(evaluator.evaluate(nps(directory, PRIYA, 10)).event).data
    known = {c.company_domain for c in directory.connections("con-priya-raman")}
    named = {p.domain for p in fired.ask.people}
    assert named < known  # at least one connection (poor fit or unknown company) is not suggested


@pytest.mark.parametrize("score", [0, 6, 7, 8])
def test_scores_below_nine_are_not_peak_moments(world, score):
    directory, store, _, evaluator = world
    decision = evaluator.evaluate(nps(directory, PRIYA, score))
    assert decision.outcome == "not_a_trigger"
    assert decision.event is None
    assert store.triggers == {}


def test_open_critical_ticket_blocks_and_says_so(world):
    directory, store, _, evaluator = world
    record(store, EventType.TICKET_OPENED, "acc-halvorsen", {"ticket_id": "Z-9", "severity": "critical"})
    decision = evaluator.evaluate(nps(directory, PRIYA, 10))
    assert decision.outcome == "blocked"
    blocked = parse_event(decision.event).data
    assert isinstance(blocked, TriggerBlocked)
    failed = [g for g in blocked.gates if not g.passed]
    assert [g.gate for g in failed] == ["open_critical_ticket"]
    assert "Z-9" in failed[0].detail


def test_solved_critical_ticket_no_longer_blocks(world):
    directory, store, _, evaluator = world
    record(store, EventType.TICKET_OPENED, "acc-halvorsen", {"ticket_id": "Z-9", "severity": "critical"}, "e1")
    record(
        store,
        EventType.TICKET_UPDATED,
        "acc-halvorsen",
        {"ticket_id": "Z-9", "severity": "critical", "status": "solved"},
        "e2",
        NOW - timedelta(minutes=30),
    )
    assert evaluator.evaluate(nps(directory, PRIYA, 10)).outcome == "fired"


@pytest.mark.parametrize(
    "event_type, data, gate",
    [
        (EventType.RENEWAL_RISK_FLAGGED, {"reason": "budget freeze"}, "renewal_risk"),
        (EventType.TICKET_ESCALATED, {"ticket_id": "Z-1"}, "recent_escalation"),
        (EventType.NPS_RESPONDED, {"response_id": "other", "score": 4, "contact_id": "con-ingrid-solberg"}, "low_nps"),
    ],
)
def test_each_gate_blocks(world, event_type, data, gate):
    directory, store, _, evaluator = world
    record(store, event_type, "acc-halvorsen", data)
    decision = evaluator.evaluate(nps(directory, PRIYA, 10))
    assert decision.outcome == "blocked"
    assert gate in decision.reason


def test_same_answer_never_fires_twice_and_promoter_is_not_asked_again(world):
    directory, _, clock, evaluator = world
    assert evaluator.evaluate(nps(directory, PRIYA, 10)).outcome == "fired"
    assert evaluator.evaluate(nps(directory, PRIYA, 10)).outcome == "blocked"  # cool-down gate first
    clock.advance(days=1)
    later = evaluator.evaluate(nps(directory, PRIYA, 9, response_id="r2", at=clock.now - timedelta(minutes=1)))
    assert later.outcome == "blocked" and "ask_cooldown" in later.reason


def test_closed_window_is_not_a_trigger(world):
    directory, _, _, evaluator = world
    old = nps(directory, PRIYA, 10, at=NOW - timedelta(hours=73))
    decision = evaluator.evaluate(old)
    assert decision.outcome == "not_a_trigger"
    assert "window closed" in decision.reason


def test_promoter_without_connections_gets_the_open_script(world):
    directory, _, _, evaluator = world
    contact = directory.contact_by_email("tmercer@meridian-3pl.example")
    assert directory.connections(contact.contact_id) == []
    fired = parse_event(evaluator.evaluate(nps(directory, contact.email, 9)).event).data
    assert fired.ask.people == []
    assert "Is there one peer in your network" in fired.ask.script
