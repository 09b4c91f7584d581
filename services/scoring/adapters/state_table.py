"""Account signals in the StateTable: one versioned put per event (optimistic locking); score history."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from services.common.adapters.dynamo import to_item
from services.common.adapters.state_table import StateTableBase, epoch
from services.common.models.signals import AccountSignals, pack_signals, signals_key
from services.common.storage import PK, SIGNALS_ATTRIBUTE, SK, TTL_ATTRIBUTE, VERSION_ATTRIBUTE, account_key, health_key
from services.scoring.models.errors import ConcurrentUpdate


class StateTable(StateTableBase):
    """The ``SignalsStore`` port, and the score history the announcer writes."""

    def save(self, before: AccountSignals, after: AccountSignals) -> None:
        after = after.model_copy(update={"version": before.version + 1})
        item = {
            **signals_key(after.account_id),
            SIGNALS_ATTRIBUTE: pack_signals(after),
            VERSION_ATTRIBUTE: after.version,
        }
        condition: dict[str, Any] = (
            {"ConditionExpression": f"attribute_not_exists({PK})"}
            if before.version == 0
            else {
                "ConditionExpression": f"{VERSION_ATTRIBUTE} = :v",
                "ExpressionAttributeValues": {":v": {"N": str(before.version)}},
            }
        )
        try:
            self.db.put_item(TableName=self.name, Item=to_item(item), **condition)
        except self.db.exceptions.ConditionalCheckFailedException as exc:
            raise ConcurrentUpdate(after.account_id) from exc

    def put_history(self, account_id: str, at: datetime, record: dict[str, Any], expires_at: datetime) -> None:
        """One score-history record (``ACCOUNT#<id>`` / ``HEALTH#<iso time>``), only when the score is announced.

        Unconditional: a redelivered announcement rewrites the same item.
        """
        item = {PK: account_key(account_id), SK: health_key(at), **record, TTL_ATTRIBUTE: epoch(expires_at)}
        self.db.put_item(TableName=self.name, Item=to_item(item))
