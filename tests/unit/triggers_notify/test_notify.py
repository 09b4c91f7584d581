import json
from datetime import timedelta

import pytest

from services.common.models.events import AskApproved, AskSkipped, BusSource, EventType, new_event
from services.notify.logic.message import APPROVE, SKIP
from services.notify.models.errors import DmNotSentYet, Unreachable
from services.notify.models.interaction import Interaction
from tests.fakes.triggers import NOW, PRIYA

CSM = "U07OXTZ7Q74"  # Tomas Lindqvist, Priya's CSM


def click(action: str, trigger_id: str, user: str = CSM) -> Interaction:
    """A button click as Slack posts it (block_actions), parsed."""
    return Interaction.model_validate(
        {
            "type": "block_actions",
            "user": {"id": user},
            "container": {"channel_id": "D1"},
            "actions": [{"action_id": action, "value": trigger_id}],
        }
    )


def test_dm_goes_to_the_csm_with_who_what_why_and_buttons(fired, slack, notifier):
    assert notifier.handle(fired) == "dm_sent"
    [(method, call)] = slack.calls
    assert (method, call["channel"]) == ("chat.postMessage", CSM)
    text = json.dumps(call["blocks"])
    for part in ("Who to ask", "What to say", "Why now", "Priya Raman", fired.data.ask.people[0].name):
        assert part in text
    actions = next(b for b in call["blocks"] if b["type"] == "actions")
    assert [e["action_id"] for e in actions["elements"]] == [APPROVE, SKIP]
    assert {e["value"] for e in actions["elements"]} == {fired.data.trigger_id}


def test_redelivered_trigger_does_not_dm_twice(fired, slack, notifier):
    notifier.handle(fired)
    assert notifier.handle(fired) == "already_sent"
    assert len(slack.calls) == 1


def test_a_csm_without_slack_gets_the_ask_by_email(fired, slack, mailer, notifier):
    # Given the trigger names no Slack user for the CSM
    no_slack = fired.model_copy(update={"data": fired.data.model_copy(update={"csm_slack_user_id": None})})
    # When notify delivers it Then the CSM is emailed the same who / what / why, and nothing goes to Slack
    assert notifier.handle(no_slack) == "emailed_csm"
    [mail] = mailer.sent
    assert mail["to"] == ["tomas.lindqvist@boomerang-demo.example"]
    assert mail["subject"].startswith("🎯 Priya Raman")
    assert fired.data.ask.script in mail["body"]
    assert slack.calls == []


def test_a_csm_with_neither_slack_nor_email_is_unreachable_and_the_message_is_retried(fired, notifier):
    # Given the CSM has no Slack user id in the trigger and no member record
    orphan = fired.data.model_copy(update={"csm_slack_user_id": None, "csm_member_id": "mem-gone"})
    # Then delivery raises (the queue redelivers), naming who cannot be reached
    with pytest.raises(Unreachable, match="CSM mem-gone has neither a Slack user id nor an email"):
        notifier.handle(fired.model_copy(update={"data": orphan}))


def test_approve_once_by_the_csm_then_dm_updates_and_ask_is_emailed(
    fired, slack, mailer, notifier, interactions, publisher, notes
):
    notifier.handle(fired)
    trigger_id = fired.data.trigger_id
    # Given someone else clicks Then nothing happens but a private note
    assert interactions.handle(click(APPROVE, trigger_id, user="U0SOMEONE")) == "wrong_user"
    assert notes == [f"Only <@{CSM}> can act on this ask."]
    # When the CSM approves
    assert interactions.handle(click(APPROVE, trigger_id)) == "approved"
    [approved] = publisher.published
    assert isinstance(approved.data, AskApproved)
    # And clicks again Then it is not decided twice
    assert interactions.handle(click(SKIP, trigger_id)) == "already_decided"
    assert len(publisher.published) == 1
    # When notify handles the approval Then the DM loses its buttons and the promoter gets the script
    assert notifier.handle(approved) == "emailed"
    method, update = slack.calls[-1]
    assert method == "chat.update"
    assert "Approved by" in update["text"]
    assert not any(b["type"] == "actions" for b in update["blocks"])
    [mail] = mailer.sent
    assert (mail["to"], mail["reply_to"]) == ([PRIYA], ["tomas.lindqvist@boomerang-demo.example"])
    assert fired.data.ask.script in mail["body"]
    # And the same approval delivered again emails nobody twice
    assert notifier.handle(approved) == "emailed"
    assert len(mailer.sent) == 1


def test_skip_updates_the_dm_and_emails_nobody(fired, slack, mailer, notifier, interactions, publisher):
    notifier.handle(fired)
    assert interactions.handle(click(SKIP, fired.data.trigger_id)) == "skipped"
    [skipped] = publisher.published
    assert isinstance(skipped.data, AskSkipped)
    assert notifier.handle(skipped) == "skipped"
    method, update = slack.calls[-1]
    assert method == "chat.update"
    assert update["text"] == f"⏭️ Skipped by <@{CSM}>"
    assert mailer.sent == []


def test_a_decision_before_its_dm_is_recorded_waits_for_it(fired, notifier):
    # Given the CSM's approval overtook the TriggerFired on the queue (no DM recorded yet)
    approval = new_event(
        source=BusSource.NOTIFY,
        source_event_id=f"{fired.data.trigger_id}:approved",
        account_id=fired.account_id,
        event_type=EventType.ASK_APPROVED,
        data={"trigger_id": fired.data.trigger_id, "slack_user_id": CSM},
        occurred_at=NOW,
        received_at=NOW,
    )
    # Then notify raises, so the queue redelivers it once the DM is out
    with pytest.raises(DmNotSentYet, match="has no DM to update yet"):
        notifier.handle(approval)


def test_buttons_do_nothing_after_the_window(world, fired, notifier, interactions, notes):
    notifier.handle(fired)
    world.clock.advance(hours=72)
    assert interactions.handle(click(APPROVE, fired.data.trigger_id)) == "expired"
    assert notes == ["This peak moment's window has closed, so the ask was not sent."]


def test_a_click_on_an_unknown_ask_is_answered_privately(interactions, publisher, notes):
    assert interactions.handle(click(APPROVE, "no-such-trigger")) == "unknown"
    assert notes == ["I can't find this ask any more."]
    assert publisher.published == []


def test_ignored_interactions(interactions):
    assert interactions.handle(Interaction.model_validate({"type": "view_submission"})) == "ignored"
    other = Interaction.model_validate({"type": "block_actions", "actions": [{"action_id": "other"}]})
    assert interactions.handle(other) == "ignored"


def test_window_end_is_enforced_in_the_store_too(world, fired):
    assert not world.store.decide(fired.data.trigger_id, "approved", CSM, NOW + timedelta(hours=73))
    assert world.store.decide(fired.data.trigger_id, "approved", CSM, NOW)
