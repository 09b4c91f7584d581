"""Turns trigger and ask events into Slack DMs, DM updates and the approved ask's email; scoring's expansion
signals, due health checks and escalations into DMs (services/notify/logic/health_alerts.py)."""

from __future__ import annotations

import json
from typing import Any, Protocol

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
from services.common.models.portfolio import Member
from services.notify.logic.health_alerts import HealthAlerts
from services.notify.logic.message import decided_blocks, dm_blocks, headline


class Slack(Protocol):
    def chat_postMessage(self, **kwargs: Any) -> Any: ...
    def chat_update(self, **kwargs: Any) -> Any: ...


class AskStore(Protocol):
    def get(self, trigger_id: str) -> dict[str, Any] | None: ...
    def dm_sent(self, trigger_id: str) -> bool: ...
    def set_message(self, trigger_id: str, channel: str, ts: str, blocks_json: str) -> None: ...
    def mark_emailed(self, trigger_id: str, message_id: str) -> None: ...


class Members(Protocol):
    def member(self, member_id: str) -> Member | None: ...


class Mailer(Protocol):
    def send(
        self, *, sender: str, to: list[str], cc: list[str], reply_to: list[str], subject: str, body: str
    ) -> str: ...


class Notifier:
    def __init__(
        self,
        config: BoomerangConfig,
        slack: Slack,
        asks: AskStore,
        members: Members,
        mailer: Mailer,
        alerts: HealthAlerts | None = None,
    ):
        self._config = config
        self._slack = slack
        self._asks = asks
        self._members = members
        self._mailer = mailer
        self._alerts = alerts

    def handle(self, event: EventEnvelope) -> str:
        data = event.data
        if isinstance(data, TriggerFired):
            return self._dm(data)
        if isinstance(data, AskApproved | AskSkipped):
            return self._decided(data)
        if isinstance(data, ExpansionSignal | HealthCheckDue | RedAccountEscalated) and self._alerts is not None:
            return self._alerts.handle(event)
        return "ignored"

    def _dm(self, fired: TriggerFired) -> str:
        if self._asks.dm_sent(fired.trigger_id):
            return "already_sent"  # a redelivered message must not DM twice
        blocks = dm_blocks(fired)
        if not fired.csm_slack_user_id:
            csm = self._members.member(fired.csm_member_id)
            if not csm or not csm.email:
                raise LookupError(f"CSM {fired.csm_member_id} has neither a Slack user id nor an email")
            self._mailer.send(
                sender=self._config.email.sender,
                to=[csm.email],
                cc=[],
                reply_to=[],
                subject=headline(fired),
                body=_plain(fired),
            )
            return "emailed_csm"
        response = self._slack.chat_postMessage(
            channel=fired.csm_slack_user_id, text=headline(fired), blocks=blocks, unfurl_links=False
        )
        self._asks.set_message(
            fired.trigger_id,
            response["channel"],
            response["ts"],
            json.dumps({"blocks": blocks, "fired": fired.model_dump(mode="json")}),
        )
        return "dm_sent"

    def _decided(self, decision: AskApproved | AskSkipped) -> str:
        record = self._asks.get(decision.trigger_id)
        if not record or not record.get("slack_ts"):
            raise LookupError(f"trigger {decision.trigger_id} has no DM to update yet")
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
        self._slack.chat_update(
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
        csm = self._members.member(fired.csm_member_id)
        csm_email = [csm.email] if csm and csm.email else []
        subject = render(self._config.email.subject, {"promoter_first_name": fired.ask.promoter_name.split()[0]})
        signature = f"\n\n{csm.name}" if csm else ""
        message_id = self._mailer.send(
            sender=self._config.email.sender,
            to=[to],
            cc=csm_email,
            reply_to=csm_email,
            subject=subject,
            body=fired.ask.script + signature,
        )
        self._asks.mark_emailed(fired.trigger_id, message_id)
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
