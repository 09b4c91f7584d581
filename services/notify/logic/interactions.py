"""Slack's button clicks: verified and parsed (slack_request.py), then Approve / Skip acts once, only for the CSM
the DM was sent to, only inside the window."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from services.common.models.events import AskApproved, AskSkipped, BusSource, EventType, new_event
from services.common.storage import SLACK_SIGNING_SECRET
from services.notify.logic.message import APPROVE, SKIP
from services.notify.logic.ports import Clock, Decisions, Ephemeral, Publisher, SigningSecret
from services.notify.logic.slack_request import parse_payload, verify
from services.notify.models.errors import NotConfigured
from services.notify.models.interaction import Interaction


@dataclass(frozen=True)
class InteractionService:
    asks: Decisions
    publisher: Publisher
    ephemeral: Ephemeral
    clock: Clock
    signing_secret: SigningSecret

    def receive(self, body: bytes, headers: Mapping[str, str]) -> str:
        """One request to the interactions endpoint: verified, parsed, acted on; the outcome.

        Raises an ``InteractionRefused`` (services/notify/models/errors.py) for what it will not act on."""
        secret = self.signing_secret()
        if not secret:
            raise NotConfigured(f"{SLACK_SIGNING_SECRET} is not set in the secret")
        verify(body, headers, secret, self.clock())
        return self.handle(parse_payload(body))

    def handle(self, interaction: Interaction) -> str:
        if interaction.type != "block_actions":
            return "ignored"
        action_id = interaction.action.action_id
        if action_id not in (APPROVE, SKIP):
            return "ignored"
        user, channel = interaction.user_id, interaction.channel_id
        trigger_id = interaction.action.value or ""
        record = self.asks.get(trigger_id)
        now = self.clock()
        if record is None:
            self.ephemeral(channel, user, "I can't find this ask any more.")
            return "unknown"
        if record.get("csm_slack_user_id") != user:
            self.ephemeral(channel, user, f"Only <@{record.get('csm_slack_user_id')}> can act on this ask.")
            return "wrong_user"
        if datetime.fromisoformat(record["window_ends_at"]) <= now:
            self.ephemeral(channel, user, "This peak moment's window has closed, so the ask was not sent.")
            return "expired"
        status = "approved" if action_id == APPROVE else "skipped"
        if not self.asks.decide(trigger_id, status, user, now):
            self.ephemeral(channel, user, "This ask was already decided.")
            return "already_decided"
        data_model = AskApproved if status == "approved" else AskSkipped
        event = new_event(
            source=BusSource.NOTIFY,
            source_event_id=f"{trigger_id}:{status}",
            account_id=record["account_id"],
            event_type=EventType.ASK_APPROVED if status == "approved" else EventType.ASK_SKIPPED,
            data=data_model(trigger_id=trigger_id, member_id=record.get("csm_member_id"), slack_user_id=user),
            occurred_at=now,
            received_at=now,
        )
        self.publisher.publish([event])
        return status
