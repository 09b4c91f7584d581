import json
from datetime import timedelta
from urllib.parse import urlencode

import pytest

from services.common.models.config import load_config
from services.common.models.events import AskApproved, parse_event
from services.notify.logic.interactions import BadInteraction, InteractionService, parse_payload
from services.notify.logic.message import APPROVE, SKIP
from services.notify.logic.notifier import Notifier
from services.triggers.logic.evaluator import TriggerEvaluator
from tests.fakes import EXAMPLES, Clock, FakePublisher, InMemoryDirectory, InMemoryStateStore
from tests.fakes.notify import FakeMailer, FakeSlack
from tests.fakes.triggers import InMemoryFacts
from tests.unit.test_triggers import NOW, PRIYA, nps

CSM = "U07OXTZ7Q74"


@pytest.fixture
def fired_world():
    directory = InMemoryDirectory.examples()
    store = InMemoryStateStore()
    config = load_config(EXAMPLES.parent / "boomerang.toml")
    clock = Clock(NOW)
    evaluator = TriggerEvaluator(config, InMemoryFacts(directory, store), store, clock)
    fired = parse_event(evaluator.evaluate(nps(directory, PRIYA, 10)).event)
    slack, mailer = FakeSlack(), FakeMailer()
    notifier = Notifier(config, slack, store, directory, mailer)
    return fired, store, slack, mailer, notifier, clock


def test_dm_goes_to_the_csm_with_who_what_why_and_buttons(fired_world):
    fired, _store, slack, _, notifier, _ = fired_world
    assert notifier.handle(fired) == "dm_sent"
    [(method, call)] = slack.calls
    assert method == "chat.postMessage" and call["channel"] == CSM
    text = json.dumps(call["blocks"])
    for part in ("Who to ask", "What to say", "Why now", "Priya Raman", fired.data.ask.people[0].name):
        assert part in text
    actions = next(b for b in call["blocks"] if b["type"] == "actions")
    assert [e["action_id"] for e in actions["elements"]] == [APPROVE, SKIP]
    assert {e["value"] for e in actions["elements"]} == {fired.data.trigger_id}


def test_redelivered_trigger_does_not_dm_twice(fired_world):
    fired, _, slack, _, notifier, _ = fired_world
    notifier.handle(fired)
    assert notifier.handle(fired) == "already_sent"
    assert len(slack.calls) == 1


def _click(action: str, trigger_id: str, user: str = CSM) -> dict:
    return {
        "type": "block_actions",
        "user": {"id": user},
        "container": {"channel_id": "D1"},
        "actions": [{"action_id": action, "value": trigger_id}],
    }


def test_approve_once_by_the_csm_then_dm_updates_and_ask_is_emailed(fired_world):
    fired, store, slack, mailer, notifier, clock = fired_world
    notifier.handle(fired)
    bus, notes = FakePublisher(), []
    service = InteractionService(store, bus, lambda c, u, t: notes.append(t), clock)
    trigger_id = fired.data.trigger_id
    # Given someone else clicks Then nothing happens but a private note
    assert service.handle(_click(APPROVE, trigger_id, user="U0SOMEONE")) == "wrong_user"
    # When the CSM approves
    assert service.handle(_click(APPROVE, trigger_id)) == "approved"
    [approved] = bus.published
    assert isinstance(approved.data, AskApproved)
    # And clicks again Then it is not decided twice
    assert service.handle(_click(SKIP, trigger_id)) == "already_decided"
    assert len(bus.published) == 1
    # When notify handles the approval Then the DM loses its buttons and the promoter gets the script
    assert notifier.handle(approved) == "emailed"
    method, update = slack.calls[-1]
    assert method == "chat.update" and "Approved by" in update["text"]
    assert not any(b["type"] == "actions" for b in update["blocks"])
    [mail] = mailer.sent
    assert mail["to"] == [PRIYA] and mail["reply_to"] == ["tomas.lindqvist@boomerang-demo.example"]
    assert fired.data.ask.script in mail["body"]


def test_buttons_do_nothing_after_the_window(fired_world):
    fired, store, _, _, notifier, clock = fired_world
    notifier.handle(fired)
    clock.advance(hours=72)
    service = InteractionService(store, FakePublisher(), lambda c, u, t: None, clock)
    assert service.handle(_click(APPROVE, fired.data.trigger_id)) == "expired"


def test_interaction_form_body_parsing():
    body = urlencode({"payload": json.dumps({"type": "block_actions"})}).encode()
    assert parse_payload(body) == {"type": "block_actions"}
    with pytest.raises(BadInteraction):
        parse_payload(b"payload=%7Bnot-json")
    with pytest.raises(BadInteraction):
        parse_payload(b"nothing=here")


def test_ignored_interactions(fired_world):
    _, store, _, _, _, clock = fired_world
    service = InteractionService(store, FakePublisher(), lambda c, u, t: None, clock)
    assert service.handle({"type": "view_submission"}) == "ignored"
    assert service.handle({"type": "block_actions", "actions": [{"action_id": "other"}]}) == "ignored"


def test_window_end_is_enforced_in_the_store_too(fired_world):
    fired, store, _, _, _, _ = fired_world
    assert not store.decide(fired.data.trigger_id, "approved", CSM, NOW + timedelta(hours=73))
    assert store.decide(fired.data.trigger_id, "approved", CSM, NOW)
