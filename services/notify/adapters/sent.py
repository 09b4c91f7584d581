"""Which scoring messages were already delivered to whom (StateTable ``NOTIFIED#<event id>#<member>``)."""

from __future__ import annotations

from datetime import datetime

from services.common.adapters.dynamo import key as item_key
from services.common.adapters.state_table import StateTableBase, epoch
from services.common.storage import PK, TTL_ATTRIBUTE, Sk, notified_key


class SentTable(StateTableBase):
    def claim(self, key: str, expires_at: datetime) -> bool:
        try:
            self.db.put_item(
                TableName=self.name,
                Item=item_key(notified_key(key), Sk.NOTIFIED) | {TTL_ATTRIBUTE: {"N": str(epoch(expires_at))}},
                ConditionExpression=f"attribute_not_exists({PK})",
            )
        except self.db.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def release(self, key: str) -> None:
        self.db.delete_item(TableName=self.name, Key=item_key(notified_key(key), Sk.NOTIFIED))
