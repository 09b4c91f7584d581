"""The parts of a Slack interaction payload notify reads (https://docs.slack.dev/reference/interaction-payloads);
Slack sends many more, which are ignored."""

from __future__ import annotations

from pydantic import BaseModel


class SlackRef(BaseModel):
    id: str | None = None


class Container(BaseModel):
    channel_id: str | None = None


class Action(BaseModel):
    action_id: str | None = None
    value: str | None = None


class Interaction(BaseModel):
    type: str | None = None
    user: SlackRef | None = None
    container: Container | None = None
    channel: SlackRef | None = None
    actions: list[Action] | None = None

    @property
    def user_id(self) -> str:
        return (self.user.id if self.user else None) or ""

    @property
    def channel_id(self) -> str:
        """Where to answer privately: the message's channel (a DM), else the payload's channel."""
        return (
            (self.container.channel_id if self.container else None) or (self.channel.id if self.channel else "") or ""
        )

    @property
    def action(self) -> Action:
        """The clicked element (a block_actions payload carries exactly one)."""
        return self.actions[0] if self.actions else Action()
