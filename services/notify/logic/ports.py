"""What notify's logic needs from the outside world, each declared once: Slack, the mailer, the ask records and
their decisions, the portfolio's members, the log of messages already sent, the bus and the time."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol

from services.common.logic.ports import Clock, Publisher
from services.common.models.portfolio import Account, Member

__all__ = [
    "AskStore",
    "Clock",
    "Decisions",
    "Directory",
    "Ephemeral",
    "Mailer",
    "Members",
    "Publisher",
    "SentLog",
    "SigningSecret",
    "Slack",
]


class Slack(Protocol):
    """The Slack Web API methods notify calls (slack_sdk's WebClient has them all)."""

    def chat_postMessage(self, **kwargs: Any) -> Any: ...
    def chat_update(self, **kwargs: Any) -> Any: ...


class Mailer(Protocol):
    def send(self, *, sender: str, to: list[str], cc: list[str], reply_to: list[str], subject: str, body: str) -> str:
        """Send a plain-text email; the provider's message id."""


class AskStore(Protocol):
    """A fired trigger's record (``TRIGGER#<id>``), as the notifier reads and completes it."""

    def get(self, trigger_id: str) -> dict[str, Any] | None: ...
    def dm_sent(self, trigger_id: str) -> bool: ...
    def set_message(self, trigger_id: str, channel: str, ts: str, blocks_json: str) -> None: ...
    def mark_emailed(self, trigger_id: str, message_id: str) -> None: ...


class Decisions(Protocol):
    """The same record, as the Slack buttons decide it."""

    def get(self, trigger_id: str) -> dict[str, Any] | None: ...

    def decide(self, trigger_id: str, status: str, slack_user_id: str, at: datetime) -> bool:
        """pending → ``status`` once, only inside the window; False if it was not pending (or the window closed)."""


class Members(Protocol):
    def member(self, member_id: str) -> Member | None: ...


class Directory(Members, Protocol):
    def account(self, account_id: str) -> Account | None: ...


class SentLog(Protocol):
    def claim(self, key: str, expires_at: datetime) -> bool:
        """True the first time ``key`` is claimed (until it expires or is released)."""

    def release(self, key: str) -> None: ...


class Ephemeral(Protocol):
    def __call__(self, channel: str, user: str, text: str) -> None:
        """A note only ``user`` sees in ``channel`` (Slack's chat.postEphemeral)."""


#: Slack's signing secret as it is now (read through the secret's cache: a pasted secret is picked up); None if unset.
SigningSecret = Callable[[], str | None]
