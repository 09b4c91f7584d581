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

from services.common.handlers.observability import count, for_service, traced
from services.ingest import wiring
from services.ingest.logic.quarantine import ReplayResult
from services.ingest.logic.sources.payload import describe
from services.ingest.models.quarantine import ReplayRequest

logger, metrics = for_service("quarantine")
processor = BatchProcessor(event_type=EventType.DynamoDBStreams)
#: Stop starting new replays when less than this is left of the invocation.
RESERVE_MS = 20_000


class RetryLater(Exception):
    """A replay could not run now (the same delivery is in flight); the stream retries the record."""


def waiting_key(keys: dict[str, Any]) -> str | None:
    """The lookup key a written PortfolioTable item provides, if quarantined items can wait for it."""
    pk, sk = str(keys.get("pk", "")), str(keys.get("sk", ""))
    if (pk.startswith("LOOKUP#") and sk == "LOOKUP") or (pk.startswith("ACCOUNT#") and sk == "PROFILE"):
        return pk
    return None


def _report(results: list[ReplayResult]) -> None:
    for result in results:
        count(metrics, "quarantine_replay", "result", result.result)
        logger.info("replay", extra={k: v for k, v in result.as_dict().items() if k != "message"})


def on_mapping(record: DynamoDBRecord) -> None:
    stream = record.dynamodb
    key = waiting_key(stream.keys if stream and stream.keys else {})
    if key is None:
        return
    results = wiring.replayer().replay_waiting([key])
    _report(results)
    if any(r.result == "retry_later" for r in results):
        raise RetryLater(f"{key}: a waiting delivery is being processed; retrying the record")


def _direct(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    try:
        request = ReplayRequest.model_validate(event)
    except ValidationError as exc:
        return {"error": "bad_request", "message": describe(exc)}
    replayer = wiring.replayer()
    following: str | None = None
    if request.ids:
        results = [replayer.replay(qid) for qid in request.ids]
    else:
        assert request.reason is not None
        results, following = replayer.replay_reason(
            request.reason,
            request.source,
            keep_going=lambda: context.get_remaining_time_in_millis() > RESERVE_MS,
            after=request.after,
        )
    _report(results)
    answer: dict[str, Any] = {"results": [r.as_dict() for r in results], "more": following is not None}
    if following is not None:
        answer["next"] = following  # send back as `after` to continue
    return answer


@traced
@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    wiring.once().register(context)
    if isinstance(event, dict) and "Records" in event:
        return dict(
            process_partial_response(event=event, record_handler=on_mapping, processor=processor, context=context)
        )
    return _direct(event, context)
