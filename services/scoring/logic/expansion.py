"""Seed 004's expansion signals, scored from an account's signals and profile. Pure.

| signal | points | observed from | action (seed) |
|---|---|---|---|
| high adoption (> ``high_adoption_ratio`` active) | +3 | the latest fresh UsageReported | explore user expansion |
| new department expressing interest | +3 | DepartmentInterestExpressed, ``department_days`` | schedule discovery call |
| premium-tier feature requests | +2 | FeatureRequested (premium), ``premium_request_days`` | position upgrade path |
| executive engagement increasing | +2 | more exec meetings in the latest half of the log | propose strategic review |
| contract renewal within ``renewal_days`` | +2 | the account profile's renewal date | bundle into renewal |

At or above ``threshold`` (and Green, when ``require_green``, with enough data to trust the score) the account
is expansion-qualified. Scoring emits one ExpansionSignal per crossing (not qualified → qualified), with these
reasons, for routing to the account's AE.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from services.common.models.config import Expansion
from services.scoring.logic.submetrics import Inputs

ACTIONS = {
    "high_adoption": "Explore user expansion",
    "new_department": "Schedule discovery call",
    "premium_requests": "Position upgrade path",
    "executive_engagement": "Propose strategic review",
    "renewal_soon": "Bundle expansion into renewal",
}


@dataclass(frozen=True, slots=True)
class ExpansionResult:
    score: int
    qualified: bool
    signals: dict[str, int] = field(default_factory=dict)  # signal → points it scored
    details: dict[str, str] = field(default_factory=dict)  # signal → what was observed

    def as_dict(self) -> dict[str, Any]:
        return {"score": self.score, "qualified": self.qualified, "signals": dict(self.signals)}

    def reasons(self) -> list[dict[str, Any]]:
        """Each signal with its points, what was observed and the seed's recommended action (most points first)."""
        ordered = sorted(self.signals.items(), key=lambda kv: (-kv[1], list(ACTIONS).index(kv[0])))
        return [
            {"signal": name, "points": points, "detail": self.details.get(name, ""), "action": ACTIONS[name]}
            for name, points in ordered
        ]


def executive_engagement_increasing(log: str) -> bool:
    """More meetings with an executive in the latest half of the meeting log than in the half before."""
    if len(log) < 2:
        return False
    half = len(log) // 2
    earlier, recent = log[-2 * half : -half], log[-half:]
    return recent.count("e") > earlier.count("e")


def score(inputs: Inputs, status: str | None, config: Expansion, insufficient: bool = False) -> ExpansionResult:
    points = config.points
    found: dict[str, int] = {}
    details: dict[str, str] = {}
    if (
        inputs.active_users is not None
        and inputs.seats
        and inputs.active_users / inputs.seats > config.high_adoption_ratio
    ):
        found["high_adoption"] = points.high_adoption
        share = inputs.active_users / inputs.seats
        details["high_adoption"] = f"{inputs.active_users:g} of {inputs.seats:g} licensed seats active ({share:.0%})"
    if inputs.departments:
        found["new_department"] = points.new_department
        details["new_department"] = (
            f"{inputs.departments} department(s) interested in the last {config.department_days} days"
        )
    if inputs.premium_requests:
        found["premium_requests"] = points.premium_requests
        details["premium_requests"] = (
            f"{inputs.premium_requests} premium-tier feature(s) requested "
            f"in the last {config.premium_request_days} days"
        )
    if executive_engagement_increasing(inputs.meetings):
        found["executive_engagement"] = points.executive_engagement
        half = len(inputs.meetings) // 2
        details["executive_engagement"] = (
            f"executives in {inputs.meetings[-half:].count('e')} of the last {half} meetings, "
            f"{inputs.meetings[-2 * half : -half].count('e')} of the {half} before"
        )
    if inputs.renewal_in_days is not None and 0 <= inputs.renewal_in_days <= config.renewal_days:
        found["renewal_soon"] = points.renewal_soon
        details["renewal_soon"] = f"renewal in {inputs.renewal_in_days:.0f} days"
    total = sum(found.values())
    qualified = total >= config.threshold and not insufficient and (status == "green" or not config.require_green)
    return ExpansionResult(score=total, qualified=qualified, signals=found, details=details)
