"""StateTable access shared by services: the table handle and reading an account's signals."""

from __future__ import annotations

import os
from datetime import datetime
from typing import Any

from services.common.adapters.dynamo import client, from_item
from services.common.signals import AccountSignals, signals_key


class StateTableBase:
    def __init__(self, table_name: str | None = None, dynamodb: Any = None):
        self._table = table_name or os.environ["STATE_TABLE"]
        self._dynamodb = dynamodb

    @property
    def _db(self) -> Any:
        if self._dynamodb is None:
            self._dynamodb = client("dynamodb")
        return self._dynamodb

    def _get(self, pk: str, sk: str, consistent: bool = False) -> dict[str, Any] | None:
        response = self._db.get_item(
            TableName=self._table, Key={"pk": {"S": pk}, "sk": {"S": sk}}, ConsistentRead=consistent
        )
        item = response.get("Item")
        return from_item(item) if item else None

    def load(self, account_id: str) -> AccountSignals:
        key = signals_key(account_id)
        item = self._get(key["pk"], key["sk"], consistent=True)
        if not item:
            return AccountSignals(account_id=account_id)
        return AccountSignals.model_validate_json(item["signals"])


def epoch(moment: datetime) -> int:
    return int(moment.timestamp())
