"""QuarantineReplay: replays quarantined deliveries.

Invoked (1) by the PortfolioTable's stream when a lookup (``LOOKUP#…``) or an account profile is written —
imported by ``boomerang portfolio import`` or learned by ingest from a CRM event — replaying the items
waiting for exactly that key; (2) directly by ``boomerang quarantine replay`` with ``{"ids": [...]}`` or
``{"reason": "unknown_account", "source": "hubspot"}`` (bulk, until the time budget runs out: the answer
says ``more`` with the ``next`` position, and the command calls again with ``after``).
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import ValidationError

from services.common.handlers.observability import for_service, traced
from services.common.storage import PK, SK, mapping_key
from services.ingest import wiring
from services.ingest.models.errors import describe
from services.ingest.models.quarantine import ReplayRequest

logger, _ = for_service("quarantine")  # the Replayer counts and logs each replay (adapters/telemetry.py)
processor = BatchProcessor(event_type=EventType.DynamoDBStreams)
#: Stop starting new replays when less than this is left of the invocation.
RESERVE_MS = 20_000


def on_mapping(record: DynamoDBRecord) -> None:
    keys = record.dynamodb.keys if record.dynamodb and record.dynamodb.keys else {}
    key = mapping_key(str(keys.get(PK, "")), str(keys.get(SK, "")))
    if key is not None:
        wiring.replayer().mapping_arrived(key)  # raises RetryLater: the record is retried


def _direct(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    try:
        request = ReplayRequest.model_validate(event)
    except ValidationError as exc:
        return {"error": "bad_request", "message": describe(exc)}

    def keep_going() -> bool:
        return context.get_remaining_time_in_millis() > RESERVE_MS

    return wiring.replayer().answer(request, keep_going).as_dict()


@traced
@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    wiring.once().register(context)
    if isinstance(event, dict) and "Records" in event:
        return dict(
            process_partial_response(event=event, record_handler=on_mapping, processor=processor, context=context)
        )
    return _direct(event, context)
