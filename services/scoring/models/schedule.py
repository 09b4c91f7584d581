"""An account's health-check schedule: set by scoring on a status change, moved on by the cadence job."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from services.common.models.events import Status


@dataclass(frozen=True)
class Schedule:
    """One account's health-check schedule (StateTable ``ACCOUNT#<id>`` / ``CADENCE``)."""

    account_id: str
    status: Status
    score: float | None
    since: datetime  # when the account entered this status
    check_at: datetime  # the next health check
    escalate_at: datetime | None = None  # red only: when the red-account rule is next evaluated
    last_check_at: datetime | None = None
    csm_member_id: str | None = None

    @property
    def due_at(self) -> datetime:
        return min(self.check_at, self.escalate_at) if self.escalate_at else self.check_at
