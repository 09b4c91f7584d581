"""What rule evaluation returns to the state machine."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel

Outcome = Literal["fired", "blocked", "not_a_trigger", "duplicate"]


class Decision(BaseModel):
    outcome: Outcome
    reason: str
    event: dict[str, Any] | None = None  # the TriggerFired / TriggerBlocked envelope to publish
