"""Keep every canonical event small enough for the bus and everything behind it.

The budget is 64 KiB of Detail: one billed chunk on EventBridge and SQS, and still under Step Functions'
256 KB input when the Pipe hands the workflow the event re-escaped inside an SQS record (which can double
its size). EventBridge itself accepts 1 MB entries since 2026 (256 KB before). A larger event is still
published: its free-text fields are shortened, and the full text stays in the raw body its ``raw_ref``
points at.
"""

from __future__ import annotations

from services.common.models.events import EventEnvelope
from services.ingest.models.errors import Unmappable

DETAIL_BUDGET_BYTES = 64 * 1024
#: Fields of canonical data that carry people's prose, never identifiers or numbers.
FREE_TEXT = ("comment", "subject", "context", "reason", "description", "respondent_name", "name", "title")
MARKER = " …[trimmed to fit the bus; the full text is in the raw body, see raw_ref]"


def may_exceed(body: bytes) -> bool:
    """False when no event made from ``body`` can exceed the budget (the hot path skips measuring).

    An event's text comes from its body; JSON escaping at most doubles it, plus the envelope's fields.
    """
    return 2 * len(body) + 8192 > DETAIL_BUDGET_BYTES


def fit(envelope: EventEnvelope, budget: int = DETAIL_BUDGET_BYTES) -> EventEnvelope:
    """``envelope`` itself when it fits; otherwise a copy whose longest free-text fields are shortened."""
    size = len(envelope.detail().encode())
    if size <= budget:
        return envelope
    data = envelope.data.model_dump()
    texts = sorted((k for k in FREE_TEXT if isinstance(data.get(k), str)), key=lambda k: -len(data[k].encode()))
    for field in texts:
        for _ in range(3):  # escaping makes the JSON larger than the text: measure again, cut again
            excess = size - budget
            if excess <= 0:
                break
            encoded = data[field].removesuffix(MARKER).encode()
            keep = max(0, len(encoded) - excess - len(MARKER.encode()) - 64)
            data[field] = encoded[:keep].decode("utf-8", "ignore") + MARKER
            candidate = envelope.model_copy(update={"data": type(envelope.data).model_validate(data)})
            size = len(candidate.detail().encode())
        if size <= budget:
            return candidate
    raise Unmappable(
        f"the {envelope.type.value} event is {size} bytes even with its free text shortened; the bus takes "
        f"at most {budget}"
    )
