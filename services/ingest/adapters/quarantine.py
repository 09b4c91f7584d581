"""The quarantine in DynamoDB (QuarantineTable, docs/architecture.md); bodies over 256 KiB go to S3.

Items: ``Q#<id>``/``ITEM`` (the delivery, its reason and bookkeeping) and one ``WAIT#<lookup key>``/``<id>``
per lookup key an unknown-account item waits for. Pending items carry ``list_pk`` (= reason) and ``list_sk``
(``<source>#<received at>#<id>``), which the sparse ``ByReason`` index lists; a replayed item loses both,
keeps its outcome and expires after ``RESOLVED_TTL_DAYS``.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from services.common.adapters.dynamo import Table, from_item, key, to_item
from services.ingest.adapters.archive import get_body
from services.ingest.logic.raw import RawDelivery
from services.ingest.models.quarantine import QuarantinedDelivery

BY_REASON_INDEX = "ByReason"
#: What the index copies from an item (what `boomerang quarantine list` shows); never the body.
LISTED_ATTRIBUTES = [
    "quarantine_id",
    "source",
    "reason",
    "message",
    "received_at",
    "last_seen_at",
    "content_type",
    "path",
    "verified",
    "status",
    "deliveries",
    "attempts",
    "waiting_for",
    "pending_events",
]
INLINE_BODY_BYTES = 256 * 1024  # DynamoDB items stop at 400 KB
RESOLVED_TTL_DAYS = 30
BODY_PREFIX = "quarantine/"


def item_key(quarantine_id: str) -> dict[str, dict[str, str]]:
    return key(f"Q#{quarantine_id}", "ITEM")


def wait_pk(lookup_key: str) -> str:
    return f"WAIT#{lookup_key}"


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
        values: dict[str, Any] = {
            "quarantine_id": item.quarantine_id,
            "source": item.source,
            "reason": item.reason,
            "message": item.message,
            "last_seen_at": datetime.now(item.received_at.tzinfo).isoformat(),
            "content_type": item.content_type,
            "path": item.path,
            "verified": item.verified,
            "status": "pending",
            "list_pk": item.reason,
            "waiting_for": list(item.waiting_for),
            "pending_events": list(item.pending_events),
        }
        once = {  # set by the first delivery only
            "received_at": item.received_at.isoformat(),
            "list_sk": item.listing_key,
        }
        if len(item.body) <= INLINE_BODY_BYTES:
            once["body"] = item.body  # type: ignore[assignment]
        else:
            body_key = f"{BODY_PREFIX}{item.quarantine_id}.body"
            from services.ingest.adapters.archive import put_body

            raw = RawDelivery(item.quarantine_id, item.source, item.received_at, item.content_type, item.body)
            put_body(self.s3, self.bucket, body_key, raw)
            values["body_key"] = body_key
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
            UpdateExpression=f"SET {', '.join(sets)} ADD #counter :one REMOVE outcome, replayed_at, expires_at",
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=to_item(placeholders),
        )
        self._write_batch(
            [{"PutRequest": {"Item": to_item({"pk": wait_pk(k), "sk": item.quarantine_id})}} for k in item.waiting_for]
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
        sets = "#status = :replayed, outcome = :outcome, event_ids = :ids, replayed_at = :at, expires_at = :expires"
        if raw_ref:
            values[":ref"] = raw_ref
            sets += ", raw_ref = :ref"
        try:
            old = self.db.update_item(
                TableName=self.name,
                Key=item_key(quarantine_id),
                UpdateExpression=f"SET {sets} REMOVE list_pk, list_sk, body, body_key",
                ConditionExpression="#status = :pending",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues=to_item(values),
                ReturnValues="ALL_OLD",
            ).get("Attributes")
        except self.db.exceptions.ConditionalCheckFailedException:
            return  # replayed meanwhile by another caller
        previous = from_item(old or {})
        self._write_batch(
            [{"DeleteRequest": {"Key": key(wait_pk(k), quarantine_id)}} for k in previous.get("waiting_for") or []]
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
        return [i["sk"] for i in self.partition(wait_pk(lookup_key))]

    def pending(self, reason: str, source: str | None = None) -> Iterator[QuarantinedDelivery]:
        condition = "list_pk = :reason" + (" AND begins_with(list_sk, :source)" if source else "")
        values: dict[str, Any] = {":reason": {"S": reason}}
        if source:
            values[":source"] = {"S": f"{source}#"}
        kwargs: dict[str, Any] = {
            "TableName": self.name,
            "IndexName": BY_REASON_INDEX,
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
