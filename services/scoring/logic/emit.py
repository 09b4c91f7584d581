"""Scoring's own events: HealthChanged and ExpansionSignal (the recorder), HealthCheckDue and RedAccountEscalated
(the cadence job).

An event's id derives from its source, its cause and its type, so announcing the same cause again (a redelivered
event, a retried cadence run) emits the same event, which consumers deduplicate.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from services.common.models.events import BusSource, EventEnvelope, EventType, new_event

SOURCE = BusSource.SCORING


def scoring_event(
    event_type: EventType,
    account_id: str,
    cause: str,
    data: Any,
    at: datetime,
    received_at: datetime | None = None,
) -> EventEnvelope:
    """``event_type`` about ``account_id`` as of ``at``, caused by ``cause`` (received now unless told)."""
    return new_event(
        source=SOURCE,
        source_event_id=cause,
        account_id=account_id,
        event_type=event_type,
        data=data,
        occurred_at=at,
        received_at=received_at or datetime.now(UTC),
    )
