"""The seed's three-pillar health model (seed 004): HEALTH = Product×40 % + Relationship×30 % + Outcomes×30 %.

Pure: pillars (0–10, the mean of their sub-metrics) and weights in, a 0–100 score out. A missing pillar
does not count as zero: its weight is shared among the present ones, and confidence says how much of the
model's weight was actually measured.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from services.common.config import Health, PillarWeights

Status = Literal["green", "yellow", "red"]
PILLARS = ("product", "relationship", "outcomes")


@dataclass(frozen=True)
class Combined:
    score: float | None  # 0–100, None when no pillar was measured
    confidence: float  # share of the model's weight that had data (0–1)


def pillar_mean(sub_metrics: Mapping[str, float | None]) -> float | None:
    """A pillar is the mean of its measured sub-metrics (0–10); None when none was measured."""
    present = [v for v in sub_metrics.values() if v is not None]
    return sum(present) / len(present) if present else None


def combine(pillars: Mapping[str, float | None], weights: PillarWeights) -> Combined:
    measured = {p: pillars.get(p) for p in PILLARS if pillars.get(p) is not None}
    weight_of = {p: getattr(weights, p) for p in PILLARS}
    present_weight = sum(weight_of[p] for p in measured)
    if not measured or present_weight == 0:
        return Combined(score=None, confidence=0.0)
    total = sum(weight_of[p] * float(v) for p, v in measured.items() if v is not None) / present_weight
    return Combined(score=round(total * 10, 2), confidence=round(present_weight, 4))


def status(score: float, health: Health) -> Status:
    if score >= health.green:
        return "green"
    if score >= health.yellow:
        return "yellow"
    return "red"


def weights_for(segment: str | None, health: Health) -> PillarWeights:
    return health.segments.get(segment, health.weights) if segment else health.weights  # type: ignore[call-overload]
