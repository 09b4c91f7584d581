"""The quarantine in DynamoDB (QuarantineTable, docs/architecture.md); bodies over 256 KiB go to S3.

Items (names from services/common/storage.py): ``Q#<id>``/``ITEM`` (the delivery, its reason and
bookkeeping) and one ``WAIT#<lookup key>``/``<id>`` per lookup key an unknown-account item waits for. Pending
items carry the ``ByReason`` index's keys (``list_pk`` = reason, ``list_sk`` = ``<source>#<received at>#<id>``),
which the sparse index lists; a replayed item loses both, keeps its outcome and expires after
``RESOLVED_TTL_DAYS``. A delivery kept again (a vendor retry, a failed replay) keeps its first receipt time and
its place in the listing, and its newest body.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from services.common.adapters.dynamo import Table, from_item, key, to_item
from services.common.storage import (
    BY_REASON_INDEX,
    PK,
    QUARANTINE_BODY_PREFIX,
    SK,
    TTL_ATTRIBUTE,
    Sk,
    quarantine_key,
    wait_key,
)
from services.ingest.adapters.archive import get_body, put_body
from services.ingest.logic.raw import RawDelivery
from services.ingest.models.quarantine import QuarantinedDelivery

INLINE_BODY_BYTES = 256 * 1024  # DynamoDB items stop at 400 KB
RESOLVED_TTL_DAYS = 30
LIST_PK, LIST_SK = BY_REASON_INDEX.partition_key, BY_REASON_INDEX.sort_key


def item_key(quarantine_id: str) -> dict[str, dict[str, str]]:
    return key(quarantine_key(quarantine_id), Sk.QUARANTINED)


def body_key(quarantine_id: str) -> str:
    """Where a body over ``INLINE_BODY_BYTES`` is kept in the raw archive bucket."""
    return f"{QUARANTINE_BODY_PREFIX}{quarantine_id}.body"


class DynamoQuarantine(Table):
    def __init__(self, table_name: str, bucket: str = "", dynamodb: Any = None, s3: Any = None) -> None:
        # bucket: where bodies over INLINE_BODY_BYTES are kept (not needed to list items)
        super().__init__(table_name, dynamodb)
        self.bucket = bucket
        self._s3 = s3

    @property
    def s3(self) -> Any:
        from services.common.adapters.aws import client

        return self._s3 or client("s3")

    # ------------------------------------------------------------------ writes
    def keep(self, item: QuarantinedDelivery, *, replay: bool) -> None:
        values: dict[str, Any] = {  # the newest delivery's (a retry may carry other bytes: Salesforce)
            "quarantine_id": item.quarantine_id,
            "source": item.source,
            "reason": item.reason,
            "message": item.message,
            "last_seen_at": datetime.now(item.received_at.tzinfo).isoformat(),
            "content_type": item.content_type,
            "path": item.path,
            "verified": item.verified,
            "status": "pending",
            LIST_PK: item.reason,
            "waiting_for": list(item.waiting_for),
            "pending_events": list(item.pending_events),
        }
        once = {  # set by the first delivery only: the listing stays in order of first receipt
            "received_at": item.received_at.isoformat(),
            LIST_SK: item.listing_key,
        }
        removed = ["outcome", "replayed_at", TTL_ATTRIBUTE]
        if len(item.body) <= INLINE_BODY_BYTES:
            # An inline body wins over an object an earlier delivery left (``get``); ``resolve`` deletes that.
            values["body"] = item.body
        else:
            values["body_key"] = body_key(item.quarantine_id)
            raw = RawDelivery(item.quarantine_id, item.source, item.received_at, item.content_type, item.body)
            put_body(self.s3, self.bucket, values["body_key"], raw)
            removed.append("body")
        names: dict[str, str] = {}
        placeholders: dict[str, Any] = {}
        sets: list[str] = []
        for index, (field, value) in enumerate([*values.items(), *once.items()]):
            if value is None:
                continue
            names[f"#f{index}"] = field
            placeholders[f":v{index}"] = value
            fresh = f"if_not_exists(#f{index}, :v{index})" if field in once else f":v{index}"
            sets.append(f"#f{index} = {fresh}")
        names["#counter"] = "attempts" if replay else "deliveries"
        placeholders[":one"] = 1
        self.db.update_item(
            TableName=self.name,
            Key=item_key(item.quarantine_id),
            UpdateExpression=f"SET {', '.join(sets)} ADD #counter :one REMOVE {', '.join(removed)}",
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=to_item(placeholders),
        )
        self._write_batch(
            [{"PutRequest": {"Item": to_item({PK: wait_key(k), SK: item.quarantine_id})}} for k in item.waiting_for]
        )

    def resolve(
        self, quarantine_id: str, outcome: str, event_ids: list[str], raw_ref: str | None, at: datetime
    ) -> None:
        values = {
            ":replayed": "replayed",
            ":pending": "pending",
            ":outcome": outcome,
            ":ids": event_ids,
            ":at": at.isoformat(),
            ":expires": int((at + timedelta(days=RESOLVED_TTL_DAYS)).timestamp()),
        }
        sets = "#status = :replayed, outcome = :outcome, event_ids = :ids, replayed_at = :at, #expires = :expires"
        if raw_ref:
            values[":ref"] = raw_ref
            sets += ", raw_ref = :ref"
        try:
            old = self.db.update_item(
                TableName=self.name,
                Key=item_key(quarantine_id),
                UpdateExpression=f"SET {sets} REMOVE #list_pk, #list_sk, body, body_key",
                ConditionExpression="#status = :pending",
                ExpressionAttributeNames={
                    "#status": "status",
                    "#expires": TTL_ATTRIBUTE,
                    "#list_pk": LIST_PK,
                    "#list_sk": LIST_SK,
                },
                ExpressionAttributeValues=to_item(values),
                ReturnValues="ALL_OLD",
            ).get("Attributes")
        except self.db.exceptions.ConditionalCheckFailedException:
            return  # replayed meanwhile by another caller
        previous = from_item(old or {})
        self._write_batch(
            [{"DeleteRequest": {"Key": key(wait_key(k), quarantine_id)}} for k in previous.get("waiting_for") or []]
        )
        if previous.get("body_key"):
            self.s3.delete_object(Bucket=self.bucket, Key=previous["body_key"])

    def _write_batch(self, requests: list[dict[str, Any]]) -> None:
        for start in range(0, len(requests), 25):
            pending: dict[str, Any] = {self.name: requests[start : start + 25]}
            for _ in range(8):
                pending = self.db.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
                if not pending:
                    break
            else:
                raise RuntimeError("DynamoDB left quarantine pointers unprocessed")

    # ------------------------------------------------------------------ reads
    def get(self, quarantine_id: str) -> QuarantinedDelivery | None:
        response = self.db.get_item(TableName=self.name, Key=item_key(quarantine_id), ConsistentRead=True)
        raw = response.get("Item")
        if not raw:
            return None
        item = from_item(raw)
        body = item.get("body")
        if body is not None:
            body = bytes(body.value if hasattr(body, "value") else body)
        elif item.get("body_key"):
            stored = get_body(self.s3, self.bucket, item["body_key"])
            body = stored.body if stored else b""
        return _delivery(item, body or b"")

    def waiting_for(self, lookup_key: str) -> list[str]:
        return [i[SK] for i in self.partition(wait_key(lookup_key))]

    def pending(self, reason: str, source: str | None = None) -> Iterator[QuarantinedDelivery]:
        condition = f"{LIST_PK} = :reason" + (f" AND begins_with({LIST_SK}, :source)" if source else "")
        values: dict[str, Any] = {":reason": {"S": reason}}
        if source:
            values[":source"] = {"S": f"{source}#"}
        kwargs: dict[str, Any] = {
            "TableName": self.name,
            "IndexName": BY_REASON_INDEX.name,
            "KeyConditionExpression": condition,
            "ExpressionAttributeValues": values,
        }
        while True:
            page = self.db.query(**kwargs)
            for raw in page.get("Items", []):
                yield _delivery(from_item(raw), b"")
            if "LastEvaluatedKey" not in page:
                return
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def _delivery(item: dict[str, Any], body: bytes) -> QuarantinedDelivery:
    return QuarantinedDelivery(
        quarantine_id=item["quarantine_id"],
        source=item["source"],
        reason=item["reason"],
        message=item.get("message", ""),
        received_at=datetime.fromisoformat(item["received_at"]),
        body=body,
        content_type=item.get("content_type"),
        path=item.get("path", ""),
        verified=item.get("verified", ""),
        waiting_for=tuple(item.get("waiting_for") or ()),
        pending_events=tuple(item.get("pending_events") or ()),
        status=item.get("status", "pending"),
        deliveries=int(item.get("deliveries", 0)),
        attempts=int(item.get("attempts", 0)),
        last_seen_at=datetime.fromisoformat(item["last_seen_at"]) if item.get("last_seen_at") else None,
        outcome=item.get("outcome"),
        event_ids=tuple(item.get("event_ids") or ()),
        raw_ref=item.get("raw_ref"),
    )
