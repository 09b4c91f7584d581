"""Turns trigger and ask events into Slack DMs (an email for a CSM without Slack), DM updates and the approved
ask's email; hands scoring's expansion signals, due health checks and escalations to health_alerts.py."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from services.common.logic.scripts import render
from services.common.models.config import BoomerangConfig
from services.common.models.events import (
    AskApproved,
    AskSkipped,
    EventEnvelope,
    ExpansionSignal,
    HealthCheckDue,
    RedAccountEscalated,
    TriggerFired,
)
from services.notify.logic.health_alerts import HealthAlerts
from services.notify.logic.message import decided_blocks, dm_blocks, headline
from services.notify.logic.ports import AskStore, Mailer, Members, Slack
from services.notify.models.errors import DmNotSentYet, Unreachable


@dataclass(frozen=True)
class Notifier:
    config: BoomerangConfig
    slack: Slack
    asks: AskStore
    members: Members
    mailer: Mailer
    alerts: HealthAlerts | None = None

    def handle(self, event: EventEnvelope) -> str:
        data = event.data
        if isinstance(data, TriggerFired):
            return self._dm(data)
        if isinstance(data, AskApproved | AskSkipped):
            return self._decided(data)
        if isinstance(data, ExpansionSignal | HealthCheckDue | RedAccountEscalated) and self.alerts is not None:
            return self.alerts.handle(event)
        return "ignored"

    def _dm(self, fired: TriggerFired) -> str:
        if self.asks.dm_sent(fired.trigger_id):
            return "already_sent"  # a redelivered message must not DM twice
        blocks = dm_blocks(fired)
        if not fired.csm_slack_user_id:
            csm = self.members.member(fired.csm_member_id)
            if not csm or not csm.email:
                raise Unreachable("CSM", fired.csm_member_id)
            self.mailer.send(
                sender=self.config.email.sender,
                to=[csm.email],
                cc=[],
                reply_to=[],
                subject=headline(fired),
                body=_plain(fired),
            )
            return "emailed_csm"
        response = self.slack.chat_postMessage(
            channel=fired.csm_slack_user_id, text=headline(fired), blocks=blocks, unfurl_links=False
        )
        self.asks.set_message(
            fired.trigger_id,
            response["channel"],
            response["ts"],
            json.dumps({"blocks": blocks, "fired": fired.model_dump(mode="json")}),
        )
        return "dm_sent"

    def _decided(self, decision: AskApproved | AskSkipped) -> str:
        record = self.asks.get(decision.trigger_id)
        if not record or not record.get("slack_ts"):
            raise DmNotSentYet(decision.trigger_id)
        stored = json.loads(record["blocks"])
        fired = TriggerFired.model_validate(stored["fired"])
        approved = isinstance(decision, AskApproved)
        outcome = "skipped"
        if approved:
            outcome = self._email_promoter(fired, record)
        verdict = (
            f"✅ Approved by <@{decision.slack_user_id}> — "
            + ("the ask was emailed to the promoter." if outcome == "emailed" else "no promoter email on file.")
            if approved
            else f"⏭️ Skipped by <@{decision.slack_user_id}>" + (f": {decision.reason}" if decision.reason else "")
        )
        self.slack.chat_update(
            channel=record["slack_channel"],
            ts=record["slack_ts"],
            text=verdict,
            blocks=decided_blocks(stored["blocks"], verdict),
        )
        return outcome if approved else "skipped"

    def _email_promoter(self, fired: TriggerFired, record: dict[str, Any]) -> str:
        if record.get("email_message_id"):
            return "emailed"
        to = fired.ask.promoter_email
        if not to:
            return "no_email"
        csm = self.members.member(fired.csm_member_id)
        csm_email = [csm.email] if csm and csm.email else []
        subject = render(self.config.email.subject, {"promoter_first_name": fired.ask.promoter_name.split()[0]})
        signature = f"\n\n{csm.name}" if csm else ""
        message_id = self.mailer.send(
            sender=self.config.email.sender,
            to=[to],
            cc=csm_email,
            reply_to=csm_email,
            subject=subject,
            body=fired.ask.script + signature,
        )
        self.asks.mark_emailed(fired.trigger_id, message_id)
        return "emailed"


def _plain(fired: TriggerFired) -> str:
    ask = fired.ask
    people = (
        "\n".join(
            f"  {i}. {p.name}, {p.title or ''} at {p.company} (fit {p.fit})" for i, p in enumerate(ask.people, start=1)
        )
        or "  (no one named yet)"
    )
    why = "\n".join(f"  - {line}" for line in ask.why_now)
    return f"Who to ask: {ask.promoter_name}\n{people}\n\nWhat to say:\n{ask.script}\n\nWhy now:\n{why}\n"
