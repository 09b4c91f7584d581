"""The sub-metric transforms one named function each: the readable reference the fast, inlined
``services.scoring.logic.submetrics.compute`` is held to (tests/unit/test_health_model.py).

Plain numbers in, 0–10 (or None) out; each monotone in its input.
"""

from __future__ import annotations

from collections.abc import Sequence

from services.scoring.logic.submetrics import Inputs, SubmetricModel, reported


def ratio_score(numerator: float | None, denominator: float | None, target: float) -> float | None:
    """10 × (numerator ÷ denominator) ÷ target, capped at 10; None without a positive denominator."""
    if numerator is None or not denominator or denominator <= 0:
        return None
    return min(10.0, 10.0 * max(0.0, numerator) / denominator / target)


def recency(age_days: float | None, fresh: float, stale: float) -> float:
    """1 within ``fresh`` days, 0 from ``stale`` days on, linear in between (0 when never)."""
    if age_days is None or age_days >= stale:
        return 0.0
    if age_days <= fresh:
        return 1.0
    return (stale - age_days) / (stale - fresh)


def tickets_score(counts: tuple[int, int, int, int], escalation_age_days: float | None, m: SubmetricModel) -> float:
    p = m.penalty
    penalty = counts[0] * p[0] + counts[1] * p[1] + counts[2] * p[2] + counts[3] * p[3]
    if escalation_age_days is not None and escalation_age_days <= m.escalation_days:
        penalty += m.escalation_penalty
    return max(0.0, 10.0 - penalty)


def nps_score(answers: Sequence[float]) -> float | None:
    return min(10.0, max(0.0, sum(answers) / len(answers))) if answers else None


def meetings_score(log: str, age_days: float | None, m: SubmetricModel) -> float | None:
    recent = log[-m.meeting_log :]
    if not recent and age_days is None:
        return None
    attended = (len(recent) - recent.count("x")) / len(recent) if recent else 1.0
    return 10.0 * attended * recency(age_days, m.meeting_fresh, m.meeting_stale)


def executive_score(
    log: str, exec_age_days: float | None, change_age_days: float | None, m: SubmetricModel
) -> float | None:
    if not log and exec_age_days is None:
        return None
    value = 10.0 * recency(exec_age_days, m.exec_fresh, m.exec_stale)
    if change_age_days is not None and change_age_days <= m.exec_change_days:
        value *= m.exec_change_factor
    return value


def response_score(hours: float | None, m: SubmetricModel) -> float | None:
    if hours is None:
        return None
    if hours <= m.response_target:
        return 10.0
    return 10.0 * max(0.0, (m.response_max - hours) / (m.response_max - m.response_target))


def compute_reference(i: Inputs, m: SubmetricModel) -> list[float | None]:
    """``compute`` spelled with the named transforms."""
    baseline = m.login_baseline.get(i.segment, m.login_baseline_default) if i.segment else m.login_baseline_default
    adopted = i.features_adopted
    if adopted is not None and i.features_available is not None:
        adopted = min(adopted, i.features_available)
    return [
        ratio_score(i.logins_30d, i.seats, baseline),
        ratio_score(adopted, i.features_available, m.adoption_target),
        ratio_score(i.active_users, i.seats, m.active_target),
        tickets_score(i.tickets, i.escalation_age_days, m),
        executive_score(i.meetings, i.exec_meeting_age_days, i.exec_change_age_days, m),
        meetings_score(i.meetings, i.meeting_age_days, m),
        nps_score(i.nps),
        response_score(i.response_hours, m),
        reported(i.goals),
        reported(i.roi),
        reported(i.impact),
    ]
