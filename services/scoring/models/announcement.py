"""What scoring announces when an account's health changes enough to tell (written, then put on the bus)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from services.common.models.events import EventEnvelope
from services.scoring.models.schedule import Schedule


@dataclass(frozen=True)
class Announcement:
    """A HealthChanged event plus the score-history record written with it, and, when the status changed,
    the account's new health-check schedule (the cadence)."""

    event: EventEnvelope
    history: dict[str, Any]
    expires_at: datetime
    schedule: Schedule | None = None
