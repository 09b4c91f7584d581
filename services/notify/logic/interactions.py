"""Approve / Skip from the DM: acts once, only for the CSM it was sent to, only inside the window."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol
from urllib.parse import parse_qs

from services.common.models.events import AskApproved, AskSkipped, BusSource, EventEnvelope, EventType, new_event
from services.notify.logic.message import APPROVE, SKIP


class Decisions(Protocol):
    def get(self, trigger_id: str) -> dict[str, Any] | None: ...
    def decide(self, trigger_id: str, status: str, slack_user_id: str, at: datetime) -> bool: ...


class Publisher(Protocol):
    def publish(self, events: list[EventEnvelope]) -> None: ...


class Ephemeral(Protocol):
    def __call__(self, channel: str, user: str, text: str) -> None: ...


class BadInteraction(Exception):
    pass


def parse_payload(body: bytes) -> dict[str, Any]:
    try:
        form = parse_qs(body.decode("utf-8"), strict_parsing=True)
        payload = json.loads(form["payload"][0])
    except (UnicodeDecodeError, ValueError, KeyError, IndexError) as exc:
        raise BadInteraction("expected a form body with a JSON 'payload' field") from exc
    if not isinstance(payload, dict):
        raise BadInteraction("payload must be a JSON object")
    return payload


class InteractionService:
    def __init__(self, asks: Decisions, publisher: Publisher, ephemeral: Ephemeral, clock: Callable[[], datetime]):
        self._asks = asks
        self._publisher = publisher
        self._ephemeral = ephemeral
        self._clock = clock

    def handle(self, payload: dict[str, Any]) -> str:
        if payload.get("type") != "block_actions":
            return "ignored"
        actions = payload.get("actions") or []
        action = actions[0] if actions else {}
        action_id = action.get("action_id")
        if action_id not in (APPROVE, SKIP):
            return "ignored"
        user = (payload.get("user") or {}).get("id", "")
        channel = (payload.get("container") or {}).get("channel_id") or (payload.get("channel") or {}).get("id", "")
        trigger_id = str(action.get("value", ""))
        record = self._asks.get(trigger_id)
        now = self._clock()
        if record is None:
            self._ephemeral(channel, user, "I can't find this ask any more.")
            return "unknown"
        if record.get("csm_slack_user_id") != user:
            self._ephemeral(channel, user, f"Only <@{record.get('csm_slack_user_id')}> can act on this ask.")
            return "wrong_user"
        if datetime.fromisoformat(record["window_ends_at"]) <= now:
            self._ephemeral(channel, user, "This peak moment's window has closed, so the ask was not sent.")
            return "expired"
        status = "approved" if action_id == APPROVE else "skipped"
        if not self._asks.decide(trigger_id, status, user, now):
            self._ephemeral(channel, user, "This ask was already decided.")
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
        self._publisher.publish([event])
        return status
