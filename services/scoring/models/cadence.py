"""The cadence job's invocation: EventBridge Scheduler's input, or an on-demand run "as of" a moment."""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict


class CadenceRun(BaseModel):
    model_config = ConfigDict(extra="ignore")

    job: str = "cadence"
    scheduled_time: AwareDatetime | None = None  # <aws.scheduler.scheduled-time>: retries keep the same moment
    now: AwareDatetime | None = None  # an on-demand run as of this moment (`boomerang cadence run --now`)

    def moment(self) -> datetime:
        return self.now or self.scheduled_time or datetime.now(UTC)
