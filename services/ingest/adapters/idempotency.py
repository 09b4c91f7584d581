"""Powertools Idempotency on the vendor's delivery key, in the IdempotencyTable.

The store writes once per delivery, not twice (docs/cost.md): Powertools' DynamoDB layer puts an
``INPROGRESS`` lock and then updates it to ``COMPLETED`` (2 WRU, $1.25 per 1M webhooks, a fifth of the
budget). Here the lock step is a consistent read — a completed twin answers as a duplicate — and the
completed record is the only write, so no ``INPROGRESS`` record ever exists and no delivery is answered
"still being processed". What that gives up: deliveries of the same key *in flight at the same moment* all
publish and all answer 202 with the same event ids. That costs nothing in correctness, because every event
id is derived from the vendor's ids and each consumer applies an event id once (scoring's ring, the trigger
claim, one DM per trigger); vendors' retries come seconds to hours later and find the completed record.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyItemAlreadyExistsError,
    IdempotencyItemNotFoundError,
)
from aws_lambda_powertools.utilities.idempotency.persistence.datarecord import DataRecord
from botocore.exceptions import ClientError

from services.common.storage import IDEMPOTENCY_KEY, IDEMPOTENCY_TTL_ATTRIBUTE

# Vendors retry for up to a day (Salesforce 24 h, EventBridge-style senders 24 h): keep keys a week.
EXPIRES_AFTER_SECONDS = 7 * 24 * 3600


class WriteOnceDynamoDB(DynamoDBPersistenceLayer):
    """Powertools' DynamoDB persistence with one conditional write per delivery (see the module doc)."""

    def _put_record(self, data_record: DataRecord) -> None:
        try:
            existing = self._get_record(data_record.idempotency_key)
        except IdempotencyItemNotFoundError:
            return
        if not existing.is_expired:
            raise IdempotencyItemAlreadyExistsError(old_data_record=existing)

    def _update_record(self, data_record: DataRecord) -> None:
        item = {
            **self._get_key(data_record.idempotency_key),
            self.expiry_attr: {"N": str(data_record.expiry_timestamp)},
            self.status_attr: {"S": data_record.status},
            self.data_attr: {"S": data_record.response_data or ""},
        }
        try:
            self.client.put_item(
                TableName=self.table_name,
                Item=item,
                ConditionExpression="attribute_not_exists(#id) OR #expiry < :now",
                ExpressionAttributeNames={"#id": self.key_attr, "#expiry": self.expiry_attr},
                ExpressionAttributeValues={":now": {"N": str(int(time.time()))}},
            )
        except ClientError as exc:
            # A twin delivered at the same moment completed first; its record (same answer) stands.
            if exc.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                raise

    def _delete_record(self, data_record: DataRecord) -> None:
        """Nothing was written before the action ran, so a failed action leaves nothing to clear."""


class PowertoolsOnce:
    def __init__(self, table_name: str, dynamodb: Any):
        self._call = threading.local()
        self._config = config = IdempotencyConfig(
            event_key_jmespath="key", expires_after_seconds=EXPIRES_AFTER_SECONDS, response_hook=self._replayed
        )
        store = WriteOnceDynamoDB(
            table_name=table_name,
            boto3_client=dynamodb,
            key_attr=IDEMPOTENCY_KEY,
            expiry_attr=IDEMPOTENCY_TTL_ATTRIBUTE,
        )

        @idempotent_function(data_keyword_argument="delivery", config=config, persistence_store=store)
        def once(delivery: dict[str, str]) -> dict[str, object]:
            result: dict[str, object] = self._call.action()
            return result

        self._once = once

    def __call__(self, key: str, action: Callable[[], dict[str, object]]) -> tuple[dict[str, object], bool]:
        self._call.action, self._call.replayed = action, False
        result = self._once(delivery={"key": key})
        return result, self._call.replayed

    def register(self, context: Any) -> None:
        """Gives Powertools the invocation's remaining time, which it asks for before every delivery (to bound
        an in-progress record this store never writes) and warns without."""
        self._config.register_lambda_context(context)

    def _replayed(self, response: Any, idempotent_data: Any) -> Any:
        self._call.replayed = True
        return response
