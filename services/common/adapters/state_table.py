"""StateTable access shared by services: the table handle and reading an account's signals."""

from __future__ import annotations

from datetime import datetime

from services.common.adapters.dynamo import Table
from services.common.models.signals import AccountSignals, signals_key, unpack_signals


class StateTableBase(Table):
    def load(self, account_id: str) -> AccountSignals:
        # Eventually consistent is enough: a stale read fails the versioned write and is read again.
        key = signals_key(account_id)
        return unpack_signals(self.read(key["pk"], key["sk"]) or {}, account_id)


def epoch(moment: datetime) -> int:
    return int(moment.timestamp())
