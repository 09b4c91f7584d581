"""Where moto does work that AWS does not, make it behave like AWS.

Each patch below keeps moto's results and only removes work the real service never does on that path
(the webhook → DM path paid for all three on every event):

* EventBridge: a target without an InputTransformer receives the matched event unchanged. moto instead
  rebuilds it from a template through eight JSONPath expressions, compiling each one (a PLY parser
  build, ~1 ms apiece) for every matched target, and its template drops the event's ``account``.
* DynamoDB Query reads one partition. moto sorts every item of the table, then filters by partition
  key, so a Query's cost grows with the table (and the local StateTable grows with every event).
* DynamoDB TransactWriteItems rolls back the items it wrote when it is cancelled. moto deep-copies
  every table the transaction names before it starts (to put the copy back on failure): 3 ms on a fresh
  StateTable, 35 ms after 200 webhooks, growing with every event. Here only the items the transaction
  names are saved (and put back on failure); tables with a stream keep moto's copy, so a cancelled
  transaction still leaves no stream records.
* Step Functions parses a definition once, when the state machine is created or updated. moto parses it
  again with its ANTLR grammar for every execution (~15 ms). Executions still get a fresh copy of the
  parsed program, so nothing is shared between them.

``fidelity_patches()`` returns (owner, attribute, replacement) triples; the local stack's moto process
applies them before it serves (moto_process.py). A patch whose target moved in another moto version is
skipped.
"""

from __future__ import annotations

import contextvars
import copy
import functools
import inspect
import threading
from typing import Any

Patch = tuple[Any, str, Any]

_PARTITION: contextvars.ContextVar[tuple[Any, Any] | None] = contextvars.ContextVar("partition", default=None)
_ITEM_ROLLBACK: contextvars.ContextVar[bool] = contextvars.ContextVar("item_rollback", default=False)


def fidelity_patches() -> list[Patch]:
    patches: list[Patch] = []
    for build in (_event_delivery, _partition_query, _item_rollback, _parse_once):
        try:
            patches += build()
        except (ImportError, AttributeError, KeyError):  # pragma: no cover - another moto layout
            continue
    return patches


def _event_delivery() -> list[Patch]:
    from moto.events.utils import EventTemplateParser

    original = EventTemplateParser.__dict__["parse"].__func__

    def parse(input_template: str | None, input_paths_map: dict[str, Any], event: dict[str, Any]) -> Any:
        if input_template or input_paths_map:
            return original(input_template, input_paths_map, event)
        # The event as matched; "ingestion-time" is moto's own bookkeeping, not part of an event.
        return {key: value for key, value in event.items() if key != "ingestion-time"}

    return [(EventTemplateParser, "parse", staticmethod(parse))]


def _partition_query() -> list[Patch]:
    from moto.dynamodb.models.table import Table

    original_query, original_all_items = Table.query, Table.all_items
    signature = inspect.signature(original_query)

    def query(table: Any, hash_key: Any, *args: Any, **kwargs: Any) -> Any:
        index_name = signature.bind(table, hash_key, *args, **kwargs).arguments.get("index_name")
        if index_name or hash_key is None:  # an index query looks at every item, as moto does
            return original_query(table, hash_key, *args, **kwargs)
        token = _PARTITION.set((table, hash_key))
        try:
            return original_query(table, hash_key, *args, **kwargs)
        finally:
            _PARTITION.reset(token)

    def all_items(table: Any) -> Any:
        scope = _PARTITION.get()
        if scope is None or scope[0] is not table:
            return original_all_items(table)
        partition = table.items.get(scope[1])
        if partition is None:
            return []
        if not table.range_key_attr:
            return [partition]
        return sorted(partition.values(), key=lambda item: item.range_key)

    return [(Table, "query", query), (Table, "all_items", all_items)]


def _item_rollback() -> list[Patch]:
    import moto.dynamodb.models as ddb_models
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.dynamo_type import DynamoType
    from moto.dynamodb.models.table import Table

    original = DynamoDBBackend.transact_write_items

    class _Copy:
        """moto's ``copy`` module, but the pre-transaction table copy is skipped while items are saved instead."""

        def __getattr__(self, name: str) -> Any:
            return getattr(copy, name)

        def deepcopy(self, value: Any, memo: Any = None) -> Any:
            if _ITEM_ROLLBACK.get() and isinstance(value, Table) and value.stream_shard is None:
                return value  # moto's "rollback" then puts the live table back: a no-op
            return copy.deepcopy(value, memo)

    def transact_write_items(backend: Any, transact_items: list[dict[str, Any]]) -> None:
        saved = _saved_items(backend, transact_items, DynamoType)
        token = _ITEM_ROLLBACK.set(True)
        try:
            original(backend, transact_items)
        except Exception:
            for table, hash_value, range_value, item in reversed(saved):
                _put_back(table, hash_value, range_value, item)
            raise
        finally:
            _ITEM_ROLLBACK.reset(token)

    return [(ddb_models, "copy", _Copy()), (DynamoDBBackend, "transact_write_items", transact_write_items)]


def _saved_items(backend: Any, transact_items: list[dict[str, Any]], dynamo_type: Any) -> list[tuple[Any, ...]]:
    saved = []
    for entry in transact_items:
        for op_type, op in entry.items():
            table = backend.tables.get(op.get("TableName"))
            attrs = op.get("Item") if op_type == "Put" else op.get("Key")
            if table is None or not isinstance(attrs, dict) or table.hash_key_attr not in attrs:
                continue  # moto rejects it before writing anything
            hash_value = dynamo_type(attrs[table.hash_key_attr])
            range_value = None
            if table.range_key_attr:
                if table.range_key_attr not in attrs:
                    continue
                range_value = dynamo_type(attrs[table.range_key_attr])
            partition = table.items.get(hash_value)
            current = partition.get(range_value) if table.range_key_attr and partition else partition
            saved.append((table, hash_value, range_value, copy.deepcopy(current)))
    return saved


def _put_back(table: Any, hash_value: Any, range_value: Any, item: Any) -> None:
    if not table.range_key_attr:
        if item is None:
            table.items.pop(hash_value, None)
        else:
            table.items[hash_value] = item
        return
    partition = table.items.setdefault(hash_value, {})
    if item is None:
        partition.pop(range_value, None)
        if not partition:
            table.items.pop(hash_value, None)
    else:
        partition[range_value] = item


def _parse_once() -> list[Patch]:
    from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser
    from moto.stepfunctions.parser.backend.execution_worker import ExecutionWorker

    lock = threading.Lock()

    @functools.lru_cache(maxsize=64)
    def parsed(definition: str) -> Any:
        return AmazonStateLanguageParser.parse(definition)[0]

    def entrypoint(worker: Any) -> Any:
        definition = worker._evaluation_details.state_machine_details.definition
        with lock:
            program = parsed(definition)
        try:
            return copy.deepcopy(program)
        except Exception:  # a component that cannot be copied: parse it for this execution, as moto does
            return AmazonStateLanguageParser.parse(definition)[0]

    return [(ExecutionWorker, "_get_evaluation_entrypoint", entrypoint)]
