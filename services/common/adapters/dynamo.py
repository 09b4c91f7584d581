"""DynamoDB plumbing shared by the adapters: lazy clients and plain-dict (de)serialization."""

from __future__ import annotations

import functools
import os
from decimal import Decimal
from typing import Any


@functools.cache
def _codec() -> tuple[Any, Any]:
    # boto3 costs ~200 ms to import; handlers import this module, so it is loaded on first use only.
    from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

    return TypeSerializer(), TypeDeserializer()


@functools.cache
def client(service: str) -> Any:
    """One boto3 client per service per process, created on first use (honours AWS_ENDPOINT_URL)."""
    import boto3

    return boto3.session.Session().client(service, region_name=os.environ.get("AWS_REGION") or None)


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
