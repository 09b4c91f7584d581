"""DynamoDB plumbing shared by the adapters: a table handle, plain-dict (de)serialization, batched reads."""

from __future__ import annotations

import functools
from decimal import Decimal
from typing import Any

from services.common.adapters.aws import client
from services.common.storage import PK, SK


@functools.cache
def _codec() -> tuple[Any, Any]:
    # boto3 costs ~200 ms to import; handlers import this module, so it is loaded on first use only.
    from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

    return TypeSerializer(), TypeDeserializer()


def to_item(values: dict[str, Any]) -> dict[str, Any]:
    serializer = _codec()[0]
    return {k: serializer.serialize(_to_dynamo(v)) for k, v in values.items() if v is not None}


def from_item(item: dict[str, Any]) -> dict[str, Any]:
    deserializer = _codec()[1]
    return {k: _from_dynamo(deserializer.deserialize(v)) for k, v in item.items()}


def _to_dynamo(value: Any) -> Any:
    if isinstance(value, float):
        return Decimal(str(value))
    if isinstance(value, dict):
        return {k: _to_dynamo(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [_to_dynamo(v) for v in value]
    return value


def _from_dynamo(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: _from_dynamo(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_from_dynamo(v) for v in value]
    if isinstance(value, set):
        return {_from_dynamo(v) for v in value}
    return value


class Table:
    """A table with string keys ``pk``/``sk``, reached through a client injected or created on first use."""

    def __init__(self, name: str, dynamodb: Any = None):
        self.name = name
        self._dynamodb = dynamodb

    @property
    def db(self) -> Any:
        if self._dynamodb is None:
            self._dynamodb = client("dynamodb")
        return self._dynamodb

    def read(self, pk: str, sk: str, consistent: bool = False) -> dict[str, Any] | None:
        response = self.db.get_item(TableName=self.name, Key=key(pk, sk), ConsistentRead=consistent)
        item = response.get("Item")
        return from_item(item) if item else None

    def partition(self, pk: str, sk_prefix: str = "") -> list[dict[str, Any]]:
        """Every item of a partition (whose sort key starts with ``sk_prefix``), across pages."""
        values = {":pk": {"S": pk}} | ({":sk": {"S": sk_prefix}} if sk_prefix else {})
        kwargs: dict[str, Any] = {
            "TableName": self.name,
            "KeyConditionExpression": "pk = :pk AND begins_with(sk, :sk)" if sk_prefix else "pk = :pk",
            "ExpressionAttributeValues": values,
        }
        items: list[dict[str, Any]] = []
        while True:
            page = self.db.query(**kwargs)
            items.extend(from_item(raw) for raw in page.get("Items", []))
            if "LastEvaluatedKey" not in page:
                return items
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def key(pk: str, sk: str) -> dict[str, dict[str, str]]:
    return {PK: {"S": pk}, SK: {"S": sk}}


def batch_get(db: Any, request: dict[str, dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    """BatchGetItem (≤ 100 keys) until nothing is unprocessed; items by (pk, sk), whatever their table."""
    found: dict[tuple[str, str], dict[str, Any]] = {}
    while request:
        response = db.batch_get_item(RequestItems=request)
        for table_items in response.get("Responses", {}).values():
            for raw in table_items:
                item = from_item(raw)
                found[(item[PK], item[SK])] = item
        request = response.get("UnprocessedKeys") or {}
    return found
