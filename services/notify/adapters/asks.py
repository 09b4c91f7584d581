"""The trigger/ask record (StateTable ``TRIGGER#<id>``): where its DM lives and who decided what, decided at most
once."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from services.common.adapters.dynamo import key
from services.common.adapters.state_table import StateTableBase
from services.common.storage import Sk, trigger_key

_DM_TS = "slack_ts"  # set once the DM is out: its presence is what "the DM went out" means


class AskTable(StateTableBase):
    def get(self, trigger_id: str) -> dict[str, Any] | None:
        return self.read(trigger_key(trigger_id), Sk.TRIGGER, consistent=True)

    def dm_sent(self, trigger_id: str) -> bool:
        """Whether the trigger's DM already went out: reads that one attribute, not the stored blocks."""
        response = self.db.get_item(
            TableName=self.name, Key=self._key(trigger_id), ConsistentRead=True, ProjectionExpression=_DM_TS
        )
        return _DM_TS in response.get("Item", {})

    def set_message(self, trigger_id: str, channel: str, ts: str, blocks_json: str) -> None:
        self.db.update_item(
            TableName=self.name,
            Key=self._key(trigger_id),
            UpdateExpression=f"SET slack_channel = :c, {_DM_TS} = :t, blocks = :b",
            ExpressionAttributeValues={":c": {"S": channel}, ":t": {"S": ts}, ":b": {"S": blocks_json}},
        )

    def decide(self, trigger_id: str, status: str, slack_user_id: str, at: datetime) -> bool:
        """pending → approved/skipped once, only inside the window; False if it was not pending."""
        try:
            self.db.update_item(
                TableName=self.name,
                Key=self._key(trigger_id),
                UpdateExpression="SET #s = :s, decided_by = :u, decided_at = :at",
                ConditionExpression="#s = :pending AND window_ends_at > :at",
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues={
                    ":s": {"S": status},
                    ":u": {"S": slack_user_id},
                    ":at": {"S": at.isoformat()},
                    ":pending": {"S": "pending"},
                },
            )
        except self.db.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def mark_emailed(self, trigger_id: str, message_id: str) -> None:
        self.db.update_item(
            TableName=self.name,
            Key=self._key(trigger_id),
            UpdateExpression="SET email_message_id = :m",
            ExpressionAttributeValues={":m": {"S": message_id}},
        )

    @staticmethod
    def _key(trigger_id: str) -> dict[str, dict[str, str]]:
        return key(trigger_key(trigger_id), Sk.TRIGGER)
