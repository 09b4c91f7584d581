"""Trigger records and per-promoter cool-downs in the StateTable, written together or not at all."""

from __future__ import annotations

from datetime import timedelta

from services.common.adapters.dynamo import to_item
from services.common.adapters.state_table import StateTableBase, epoch
from services.common.storage import PK, SK, TTL_ATTRIBUTE, Sk, asked_key, trigger_key
from services.triggers.models.trigger import TriggerRecord

RETENTION_DAYS = 400


class TriggerTable(StateTableBase):
    def claim(self, record: TriggerRecord, cooldown_days: int) -> bool:
        trigger = {
            PK: trigger_key(record.trigger_id),
            SK: Sk.TRIGGER.value,
            "status": "pending",
            "account_id": record.account_id,
            "rule": record.rule,
            "csm_member_id": record.csm_member_id,
            "csm_slack_user_id": record.csm_slack_user_id,
            "promoter": record.promoter_contact_id,
            "fired_at": record.fired_at.isoformat(),
            "window_ends_at": record.window_ends_at.isoformat(),
            TTL_ATTRIBUTE: epoch(record.window_ends_at + timedelta(days=RETENTION_DAYS)),
        }
        asked = {
            PK: asked_key(record.promoter_contact_id),
            SK: Sk.ASKED.value,
            "asked_at": record.fired_at.isoformat(),
            "trigger_id": record.trigger_id,
            TTL_ATTRIBUTE: epoch(record.fired_at + timedelta(days=max(cooldown_days, 1))),
        }
        try:
            self.db.transact_write_items(
                TransactItems=[
                    {
                        "Put": {
                            "TableName": self.name,
                            "Item": to_item(trigger),
                            "ConditionExpression": f"attribute_not_exists({PK})",
                        }
                    },
                    {"Put": {"TableName": self.name, "Item": to_item(asked)}},
                ]
            )
        except self.db.exceptions.TransactionCanceledException as exc:
            reasons = [r.get("Code") for r in exc.response.get("CancellationReasons", [])]
            if reasons and reasons[0] == "ConditionalCheckFailed":
                return False
            raise
        return True
