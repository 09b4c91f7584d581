"""Powertools Idempotency on the vendor's delivery key, in the IdempotencyTable."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from typing import Any

from services.common.adapters.dynamo import client
from services.ingest.logic.pipeline import InProgress

# Vendors retry for up to a day (Salesforce 24 h, EventBridge-style senders 24 h): keep keys a week.
EXPIRES_AFTER_SECONDS = 7 * 24 * 3600


class PowertoolsOnce:
    def __init__(self, table_name: str | None = None, dynamodb: Any = None):
        from aws_lambda_powertools.utilities.idempotency import (
            DynamoDBPersistenceLayer,
            IdempotencyConfig,
            idempotent_function,
        )

        self._call = threading.local()
        self._config = config = IdempotencyConfig(
            event_key_jmespath="key", expires_after_seconds=EXPIRES_AFTER_SECONDS, response_hook=self._replayed
        )
        store = DynamoDBPersistenceLayer(
            table_name=table_name or os.environ["IDEMPOTENCY_TABLE"], boto3_client=dynamodb or client("dynamodb")
        )

        @idempotent_function(data_keyword_argument="delivery", config=config, persistence_store=store)
        def once(delivery: dict[str, str]) -> dict[str, object]:
            result: dict[str, object] = self._call.action()
            return result

        self._once = once

    def __call__(self, key: str, action: Callable[[], dict[str, object]]) -> tuple[dict[str, object], bool]:
        from aws_lambda_powertools.utilities.idempotency.exceptions import IdempotencyAlreadyInProgressError

        self._call.action, self._call.replayed = action, False
        try:
            result = self._once(delivery={"key": key})
        except IdempotencyAlreadyInProgressError as exc:
            raise InProgress("this delivery is being processed; retry shortly") from exc
        return result, self._call.replayed

    def register(self, context: Any) -> None:
        """Lets Powertools bound an in-progress record by the invocation's remaining time."""
        self._config.register_lambda_context(context)

    def _replayed(self, response: Any, idempotent_data: Any) -> Any:
        self._call.replayed = True
        return response
