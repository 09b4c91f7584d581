"""Health-check schedules in the StateTable (``ACCOUNT#<id>`` / ``CADENCE``) and the sparse index of due times.

Only schedule items carry ``due_shard`` and ``due_at``, so the ``DueIndex`` GSI holds nothing else: the cadence
job Queries it per shard for ``due_at <= now`` (never a Scan). Accounts are spread over ``SHARDS`` index
partitions by a hash of their id, so a mass status change cannot make one index partition hot.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from services.common.adapters.dynamo import from_item, to_item
from services.common.adapters.state_table import StateTableBase
from services.scoring.logic.cadence import Schedule

DUE_INDEX = "DueIndex"
SHARDS = 4
SK = "CADENCE"


def stamp(moment: datetime) -> str:
    """A UTC time as a fixed-width string: sorts as time does (the index's sort key) and round-trips exactly."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_stamp(value: str | None) -> datetime | None:
    return None if not value else datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


def shard_of(account_id: str) -> str:
    return f"DUE#{zlib.crc32(account_id.encode()) % SHARDS}"


def _fields(entry: Schedule) -> dict[str, Any]:
    return {
        "account_id": entry.account_id,
        "status": entry.status,
        "score": entry.score,
        "since": stamp(entry.since),
        "check_at": stamp(entry.check_at),
        "csm_member_id": entry.csm_member_id,
        "due_shard": shard_of(entry.account_id),
        "due_at": stamp(entry.due_at),
    }


class ScheduleTable(StateTableBase):
    def put_schedule(self, entry: Schedule) -> None:
        """Set the schedule after a status change (keeps ``last_check_at``); an older change arriving late is
        ignored (the stored ``since`` is newer)."""
        values = {k: v for k, v in _fields(entry).items() if v is not None}
        if entry.escalate_at is not None:
            values["escalate_at"] = stamp(entry.escalate_at)
        self._update(
            entry.account_id,
            values,
            remove=() if entry.escalate_at else ("escalate_at",),
            condition="attribute_not_exists(#since) OR #since <= :since",
            condition_values={":since": stamp(entry.since)},
        )

    def reschedule(self, before: Schedule, after: Schedule) -> bool:
        values = {k: v for k, v in _fields(after).items() if v is not None}
        if after.escalate_at is not None:
            values["escalate_at"] = stamp(after.escalate_at)
        if after.last_check_at is not None:
            values["last_check_at"] = stamp(after.last_check_at)
        return self._update(
            after.account_id,
            values,
            remove=() if after.escalate_at else ("escalate_at",),
            condition="#due_at = :old_due AND #since = :old_since",
            condition_values={":old_due": stamp(before.due_at), ":old_since": stamp(before.since)},
        )

    def due(self, now: datetime) -> Iterator[Schedule]:
        for shard in range(SHARDS):
            kwargs: dict[str, Any] = {
                "TableName": self.name,
                "IndexName": DUE_INDEX,
                "KeyConditionExpression": "due_shard = :shard AND due_at <= :now",
                "ExpressionAttributeValues": {":shard": {"S": f"DUE#{shard}"}, ":now": {"S": stamp(now)}},
            }
            while True:
                page = self.db.query(**kwargs)
                for raw in page.get("Items", []):
                    yield to_schedule(from_item(raw))
                if "LastEvaluatedKey" not in page:
                    break
                kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def schedule_of(self, account_id: str) -> Schedule | None:
        item = self.read(f"ACCOUNT#{account_id}", SK, consistent=True)
        return to_schedule(item) if item else None

    def _update(
        self,
        account_id: str,
        values: dict[str, Any],
        *,
        remove: tuple[str, ...],
        condition: str,
        condition_values: dict[str, Any],
    ) -> bool:
        names = {f"#{k}": k for k in values} | {f"#{k}": k for k in remove}
        expression = "SET " + ", ".join(f"#{k} = :{k}" for k in values)
        if remove:
            expression += " REMOVE " + ", ".join(f"#{k}" for k in remove)
        attribute_values = to_item({f":{k}": v for k, v in values.items()} | condition_values)
        try:
            self.db.update_item(
                TableName=self.name,
                Key={"pk": {"S": f"ACCOUNT#{account_id}"}, "sk": {"S": SK}},
                UpdateExpression=expression,
                ConditionExpression=condition,
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=attribute_values,
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
