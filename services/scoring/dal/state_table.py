"""Account signals, event history and dedupe marks in the StateTable, written in one transaction."""

from __future__ import annotations

from datetime import timedelta
from typing import Protocol

from services.common.adapters.dynamo import to_item
from services.common.adapters.state_table import StateTableBase, epoch
from services.common.events import EventEnvelope
from services.common.signals import AccountSignals, signals_key

HISTORY_DAYS = 400
SEEN_DAYS = 30


class ConcurrentUpdate(Exception):
    """Someone else changed the account's signals between our read and write: read again."""


class SignalsStore(Protocol):
    def load(self, account_id: str) -> AccountSignals: ...
    def save(self, before: AccountSignals, after: AccountSignals, event: EventEnvelope) -> bool:
        """Store ``after`` and the event once; False when the event was already recorded."""


class StateTable(StateTableBase):
    def save(self, before: AccountSignals, after: AccountSignals, event: EventEnvelope) -> bool:
        now = event.received_at
        after = after.model_copy(update={"version": before.version + 1})
        signals_item = {**signals_key(event.account_id), "signals": after.model_dump_json(), "version": after.version}
        condition = (
            {"ConditionExpression": "attribute_not_exists(pk)"}
            if before.version == 0
            else {
                "ConditionExpression": "version = :v",
                "ExpressionAttributeValues": {":v": {"N": str(before.version)}},
            }
        )
        history = {
            "pk": f"ACCOUNT#{event.account_id}",
            "sk": f"EVENT#{event.occurred_at.isoformat()}#{event.event_id}",
            "type": event.type.value,
            "source": event.source,
            "event": event.detail(),
            "expires_at": epoch(now + timedelta(days=HISTORY_DAYS)),
        }
        seen = {"pk": f"SEEN#{event.event_id}", "sk": "SEEN", "expires_at": epoch(now + timedelta(days=SEEN_DAYS))}
        try:
            self.db.transact_write_items(
                TransactItems=[
                    {
                        "Put": {
                            "TableName": self.name,
                            "Item": to_item(seen),
                            "ConditionExpression": "attribute_not_exists(pk)",
                        }
                    },
                    {"Put": {"TableName": self.name, "Item": to_item(signals_item), **condition}},
                    {"Put": {"TableName": self.name, "Item": to_item(history)}},
                ]
            )
        except self.db.exceptions.TransactionCanceledException as exc:
            reasons = [r.get("Code") for r in exc.response.get("CancellationReasons", [])]
            if reasons and reasons[0] == "ConditionalCheckFailed":
                return False
            if len(reasons) > 1 and reasons[1] == "ConditionalCheckFailed":
                raise ConcurrentUpdate(event.account_id) from exc
            raise
        return True
