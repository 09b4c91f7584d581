"""Which scoring messages were already delivered to whom (StateTable ``NOTIFIED#<event id>#<member>``)."""

from __future__ import annotations

from datetime import datetime

from services.common.adapters.state_table import StateTableBase, epoch


class SentTable(StateTableBase):
    def claim(self, key: str, expires_at: datetime) -> bool:
        try:
            self.db.put_item(
                TableName=self.name,
                Item={
                    "pk": {"S": f"NOTIFIED#{key}"},
                    "sk": {"S": "NOTIFIED"},
                    "expires_at": {"N": str(epoch(expires_at))},
                },
                ConditionExpression="attribute_not_exists(pk)",
            )
        except self.db.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def release(self, key: str) -> None:
        self.db.delete_item(TableName=self.name, Key={"pk": {"S": f"NOTIFIED#{key}"}, "sk": {"S": "NOTIFIED"}})
