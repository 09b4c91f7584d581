"""What rule evaluation needs from the outside world: the account's facts, the trigger store and the time."""

from __future__ import annotations

from typing import Protocol

from services.common.logic.ports import Clock
from services.triggers.models.facts import Facts
from services.triggers.models.trigger import TriggerRecord

__all__ = ["Clock", "FactsSource", "TriggerStore"]


class FactsSource(Protocol):
    def gather(self, account_id: str, promoter_key: str, promoter_id: str | None) -> Facts | None:
        """The account, the promoter's contact, CSM, signals, the promoter's last ask, connections and their
        targets; None when the account is not in the portfolio."""


class TriggerStore(Protocol):
    def claim(self, record: TriggerRecord, cooldown_days: int) -> bool:
        """Record the trigger and start the promoter's cool-down; False if this trigger already fired."""
