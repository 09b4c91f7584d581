"""Health-check schedules in the StateTable (``ACCOUNT#<id>`` / ``CADENCE``) and the sparse index of due times.

Only schedule items carry the ``DUE_INDEX`` keys (``due_shard``, ``due_at``), so the index holds nothing else: the
cadence job Queries it per shard for ``due_at <= now`` (never a Scan). Accounts are spread over ``DUE_SHARDS``
index partitions by a hash of their id, so a mass status change cannot make one index partition hot.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from services.common.adapters.dynamo import from_item, key, to_item
from services.common.adapters.state_table import StateTableBase
from services.common.storage import DUE_INDEX, DUE_SHARDS, Sk, account_key, due_shard, due_shard_of
from services.scoring.models.schedule import Schedule

_STAMP = "%Y-%m-%dT%H:%M:%S.%fZ"


def stamp(moment: datetime) -> str:
    """A UTC time as a fixed-width string: sorts as time does (the index's sort key) and round-trips exactly."""
    return moment.astimezone(UTC).strftime(_STAMP)


def parse_stamp(value: str | None) -> datetime | None:
    return None if not value else datetime.strptime(value, _STAMP).replace(tzinfo=UTC)


def _fields(entry: Schedule) -> dict[str, Any]:
    """The item's attributes: the index keys and what the index projects (``None`` ones are left out)."""
    values = {
        "account_id": entry.account_id,
        "status": entry.status,
        "score": entry.score,
        "since": stamp(entry.since),
        "check_at": stamp(entry.check_at),
        "escalate_at": stamp(entry.escalate_at) if entry.escalate_at else None,
        "last_check_at": stamp(entry.last_check_at) if entry.last_check_at else None,
        "csm_member_id": entry.csm_member_id,
        DUE_INDEX.partition_key: due_shard_of(entry.account_id),
        DUE_INDEX.sort_key: stamp(entry.due_at),
    }
    return {k: v for k, v in values.items() if v is not None}


class ScheduleTable(StateTableBase):
    """The cadence job's ``Schedules`` port, and the schedule scoring's announcer sets on a status change."""

    def put_schedule(self, entry: Schedule) -> None:
        """Set the schedule after a status change (keeps ``last_check_at``); an older change arriving late is
        ignored (the stored ``since`` is newer)."""
        self._update(
            entry,
            without=("last_check_at",),
            condition="attribute_not_exists(#since) OR #since <= :since",
            condition_values={":since": stamp(entry.since)},
        )

    def reschedule(self, before: Schedule, after: Schedule) -> bool:
        return self._update(
            after,
            condition="#due_at = :old_due AND #since = :old_since",
            condition_values={":old_due": stamp(before.due_at), ":old_since": stamp(before.since)},
        )

    def due(self, now: datetime) -> Iterator[Schedule]:
        for shard in range(DUE_SHARDS):
            kwargs: dict[str, Any] = {
                "TableName": self.name,
                "IndexName": DUE_INDEX.name,
                "KeyConditionExpression": f"{DUE_INDEX.partition_key} = :shard AND {DUE_INDEX.sort_key} <= :now",
                "ExpressionAttributeValues": {":shard": {"S": due_shard(shard)}, ":now": {"S": stamp(now)}},
            }
            while True:
                page = self.db.query(**kwargs)
                for raw in page.get("Items", []):
                    yield to_schedule(from_item(raw))
                if "LastEvaluatedKey" not in page:
                    break
                kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def _update(
        self,
        entry: Schedule,
        *,
        condition: str,
        condition_values: dict[str, Any],
        without: tuple[str, ...] = (),
    ) -> bool:
        """SET the schedule's attributes (but ``without``), REMOVE ``escalate_at`` when it has none; False when
        ``condition`` fails."""
        values = {k: v for k, v in _fields(entry).items() if k not in without}
        remove = () if entry.escalate_at else ("escalate_at",)
        names = {f"#{k}": k for k in values} | {f"#{k}": k for k in remove}
        expression = "SET " + ", ".join(f"#{k} = :{k}" for k in values)
        if remove:
            expression += " REMOVE " + ", ".join(f"#{k}" for k in remove)
        try:
            self.db.update_item(
                TableName=self.name,
                Key=key(account_key(entry.account_id), Sk.CADENCE),
                UpdateExpression=expression,
                ConditionExpression=condition,
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=to_item({f":{k}": v for k, v in values.items()} | condition_values),
            )
        except self.db.exceptions.ConditionalCheckFailedException:
            return False
        return True


def to_schedule(item: dict[str, Any]) -> Schedule:
    return Schedule(
        account_id=item["account_id"],
        status=item["status"],
        score=item.get("score"),
        since=parse_stamp(item["since"]) or datetime.min.replace(tzinfo=UTC),
        check_at=parse_stamp(item["check_at"]) or datetime.min.replace(tzinfo=UTC),
        escalate_at=parse_stamp(item.get("escalate_at")),
        last_check_at=parse_stamp(item.get("last_check_at")),
        csm_member_id=item.get("csm_member_id"),
    )
