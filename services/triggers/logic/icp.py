"""ICP fit of a target account (0–100), with the reasons a CSM can read in the DM."""

from __future__ import annotations

from services.common.models.config import Icp
from services.common.models.portfolio import Target


def fit(target: Target, icp: Icp) -> tuple[int, list[str]]:
    weights = icp.weights
    score = 0.0
    reasons: list[str] = []
    industries = {i.casefold() for i in icp.industries}
    if target.industry and target.industry.casefold() in industries:
        score += weights.industry
        reasons.append(target.industry)
    if target.employees is not None:
        low, high = icp.employees_min, icp.employees_max
        if low <= target.employees <= high:
            score += weights.size
            reasons.append(f"{target.employees:,} staff")
        elif low / 2 <= target.employees <= high * 1.5:
            score += weights.size / 2  # near the band still counts for something
            reasons.append(f"{target.employees:,} staff (near range)")
    if target.region and target.region.upper() in {r.upper() for r in icp.regions}:
        score += weights.region
        reasons.append(target.region)
    return round(score), reasons
