"""Seed 004's expansion signals, scored from an account's signals and profile. Pure.

| signal | points | observed from |
|---|---|---|
| high adoption (> ``high_adoption_ratio`` of licensed seats active) | +3 | the latest fresh UsageReported |
| new department expressing interest | +3 | not yet: no canonical event carries it |
| feature requests for the premium tier | +2 | not yet: no canonical event carries it |
| executive engagement increasing | +2 | more meetings with an executive in the latest half of the meeting log |
| contract renewal within ``renewal_days`` | +2 | the account profile's renewal date |

What cannot be observed yet is listed as ``unobserved`` (absent, never guessed). At or above ``threshold``
(and Green, when ``require_green``) the account is expansion-qualified. There is no ExpansionSignal
canonical event yet: the result travels in the HealthChanged explanation until the type is added.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from services.common.config import Expansion
from services.scoring.logic.submetrics import Inputs

UNOBSERVED = ("new_department", "premium_requests")


@dataclass(frozen=True, slots=True)
class ExpansionResult:
    score: int
    qualified: bool
    signals: dict[str, int] = field(default_factory=dict)  # signal → points it scored
    unobserved: tuple[str, ...] = UNOBSERVED

    def as_dict(self) -> dict[str, Any]:
        return {
            "score": self.score,
            "qualified": self.qualified,
            "signals": dict(self.signals),
            "unobserved": list(self.unobserved),
        }


def executive_engagement_increasing(log: str) -> bool:
    """More meetings with an executive in the latest half of the meeting log than in the half before."""
    if len(log) < 2:
        return False
    half = len(log) // 2
    earlier, recent = log[-2 * half : -half], log[-half:]
    return recent.count("e") > earlier.count("e")


def score(inputs: Inputs, status: str | None, config: Expansion) -> ExpansionResult:
    points = config.points
    found: dict[str, int] = {}
    if (
        inputs.active_users is not None
        and inputs.seats
        and inputs.active_users / inputs.seats > config.high_adoption_ratio
    ):
        found["high_adoption"] = points.high_adoption
    if executive_engagement_increasing(inputs.meetings):
        found["executive_engagement"] = points.executive_engagement
    if inputs.renewal_in_days is not None and 0 <= inputs.renewal_in_days <= config.renewal_days:
        found["renewal_soon"] = points.renewal_soon
    total = sum(found.values())
    qualified = total >= config.threshold and (status == "green" or not config.require_green)
    return ExpansionResult(score=total, qualified=qualified, signals=found)
