"""The customer pillar's gates (seed 000): when a direct ask is not clean, it is not sent."""

from __future__ import annotations

from datetime import datetime, timedelta

from services.common.models.config import Gates
from services.common.models.events import GateResult
from services.common.models.signals import AccountSignals


def evaluate_gates(
    signals: AccountSignals, gates: Gates, now: datetime, last_asked_at: datetime | None
) -> list[GateResult]:
    results: list[GateResult] = []
    if gates.open_critical_ticket:
        critical = signals.critical_tickets()
        results.append(
            GateResult(
                gate="open_critical_ticket",
                passed=not critical,
                detail=f"Open critical ticket(s): {', '.join(sorted(critical))}"
                if critical
                else "No open critical tickets",
            )
        )
    since = now - timedelta(days=gates.nps_lookback_days)
    low = [a for a in signals.nps_answers_since(since) if a.score < gates.min_nps]
    results.append(
        GateResult(
            gate="low_nps",
            passed=not low,
            detail=f"NPS {min(a.score for a in low)} on the account in the last {gates.nps_lookback_days} days"
            if low
            else f"No NPS below {gates.min_nps} in the last {gates.nps_lookback_days} days",
        )
    )
    if gates.renewal_risk:
        results.append(
            GateResult(
                gate="renewal_risk",
                passed=not signals.renewal_risk,
                detail=f"Renewal flagged at risk: {signals.renewal_risk_reason or 'no reason given'}"
                if signals.renewal_risk
                else "Renewal not at risk",
            )
        )
    escalated = signals.last_escalation_at
    recent = escalated is not None and escalated >= now - timedelta(days=gates.escalation_lookback_days)
    results.append(
        GateResult(
            gate="recent_escalation",
            passed=not recent,
            detail=f"Escalation on {escalated:%Y-%m-%d}"
            if recent and escalated
            else f"No escalation in the last {gates.escalation_lookback_days} days",
        )
    )
    cooled = last_asked_at is None or last_asked_at < now - timedelta(days=gates.ask_cooldown_days)
    results.append(
        GateResult(
            gate="ask_cooldown",
            passed=cooled,
            detail=f"Not asked in the last {gates.ask_cooldown_days} days"
            if cooled
            else f"Already asked on {last_asked_at:%Y-%m-%d}",
        )
    )
    return results
