"""Seed 004's health-check cadence and red-account escalation. Pure (the job's I/O is behind logic/ports.py).

- Cadence: a health check is due every ``red_days`` (7) for a red account, ``yellow_days`` (14) for yellow and
  ``green_days`` (30) for green. When the status changes, scoring sets the account's schedule (the
  ``CADENCE`` item): the next check one cadence after the change.
- Escalation: a red account older than ``escalate_red_after_days`` (14) with no active intervention plan is
  escalated (RedAccountEscalated), and again every ``escalation_repeat_days`` while that holds. A plan is
  active from InterventionStarted until InterventionEnded, for at most ``intervention_active_days`` or until
  its ``review_by`` date.

The job (``CadenceJob.run``), run by EventBridge Scheduler, reads only the schedules that are due (a sparse
index ordered by due time, never a Scan), rescores each account as of now (a silent account's inputs go
stale), emits HealthCheckDue and / or RedAccountEscalated, and moves the schedule on. Event ids derive from
the account and the due time, so a retried run emits the same events again, never new ones.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, time, timedelta
from typing import Any

from services.common.models.config import Cadence
from services.common.models.events import EventEnvelope, EventType, HealthCheckDue, RedAccountEscalated, Status
from services.common.models.signals import AccountSignals, Intervention
from services.scoring.logic.emit import scoring_event
from services.scoring.logic.ports import Publisher, Refresher, Schedules
from services.scoring.models.schedule import Schedule


def schedule(
    account_id: str,
    status: Status,
    score: float | None,
    since: datetime,
    at: datetime,
    config: Cadence,
    csm_member_id: str | None = None,
) -> Schedule:
    """The schedule set when an account's status changes at ``at`` (it has had ``status`` since ``since``)."""
    check_at = at + timedelta(days=config.days_for(status))
    escalate_at = since + timedelta(days=config.escalate_red_after_days) if status == "red" else None
    return Schedule(account_id, status, score, since, check_at, escalate_at, csm_member_id=csm_member_id)


def plan_expires(plan: Intervention, config: Cadence) -> datetime:
    if plan.review_by is not None:
        return datetime.combine(plan.review_by + timedelta(days=1), time(), tzinfo=UTC)
    return plan.started_at + timedelta(days=config.intervention_active_days)


def active_plans(signals: AccountSignals, now: datetime, config: Cadence) -> dict[str, Intervention]:
    """Intervention plans started (and not ended) that still count as active at ``now``."""
    return {
        plan_id: plan
        for plan_id, plan in signals.interventions.items()
        if plan.started_at <= now < plan_expires(plan, config)
    }


@dataclass(frozen=True)
class Current:
    """The account as of now (after the cadence job's rescoring)."""

    status: Status  # the last announced (trusted) status
    score: float | None  # the fresh score, or the last announced one when data is thin
    insufficient: bool
    pillars: dict[str, float | None]
    plans: dict[str, Intervention]


@dataclass(frozen=True)
class Decision:
    events: list[EventEnvelope]
    next: Schedule


def decide(entry: Schedule, current: Current, now: datetime, config: Cadence) -> Decision:
    """What is due for ``entry`` at ``now``: the check, the escalation, or both; and the schedule after it."""
    events: list[EventEnvelope] = []
    check_at, escalate_at, last_check_at = entry.check_at, entry.escalate_at, entry.last_check_at
    if entry.check_at <= now:
        events.append(
            _due_event(
                EventType.HEALTH_CHECK_DUE,
                entry,
                "check",
                entry.check_at,
                HealthCheckDue(
                    score=current.score,
                    status=current.status,
                    status_since=entry.since,
                    cadence_days=config.days_for(current.status),
                    due_at=entry.check_at,
                    last_check_at=entry.last_check_at,
                    pillars=current.pillars,
                    insufficient_data=current.insufficient,
                    active_interventions=sorted(plan.playbook for plan in current.plans.values()),
                ),
                now,
            )
        )
        check_at = now + timedelta(days=config.days_for(current.status))
        last_check_at = now
    if current.status != "red":
        escalate_at = None
    elif escalate_at is not None and escalate_at <= now:
        repeat = now + timedelta(days=config.escalation_repeat_days)
        if current.plans:
            # Covered while a plan is active: look again when the first one lapses (or in a week).
            escalate_at = min([repeat, *(plan_expires(plan, config) for plan in current.plans.values())])
        else:
            days_red = int((now - entry.since).total_seconds() // 86_400)
            events.append(
                _due_event(
                    EventType.RED_ACCOUNT_ESCALATED,
                    entry,
                    "escalation",
                    entry.escalate_at,
                    RedAccountEscalated(
                        score=current.score,
                        red_since=entry.since,
                        days_red=days_red,
                        limit_days=config.escalate_red_after_days,
                        csm_member_id=entry.csm_member_id,
                        reason=(
                            f"red for {days_red} days (limit {config.escalate_red_after_days}) "
                            "with no active intervention plan"
                        ),
                    ),
                    now,
                )
            )
            escalate_at = repeat
    after = replace(
        entry,
        status=current.status,
        score=current.score,
        check_at=check_at,
        escalate_at=escalate_at,
        last_check_at=last_check_at,
    )
    return Decision(events, after)


def _due_event(
    event_type: EventType, entry: Schedule, what: str, due: datetime | None, data: Any, now: datetime
) -> EventEnvelope:
    """The event for what fell due (a ``check``, an ``escalation``), caused by the account and the due time: a
    retried run emits the same event again."""
    cause = f"{entry.account_id}:{what}:{due.isoformat() if due else ''}"
    return scoring_event(event_type, entry.account_id, cause, data, now, received_at=now)


# --- the job ------------------------------------------------------------------------------------------------


@dataclass
class CadenceReport:
    due: int = 0
    checks: int = 0
    escalations: int = 0
    covered: int = 0  # red past the limit, but with an active intervention plan
    status_changes: int = 0
    moved_by_scoring: int = 0
    stopped_early: bool = False
    accounts: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "due": self.due,
            "checks": self.checks,
            "escalations": self.escalations,
            "covered_by_a_plan": self.covered,
            "status_changes": self.status_changes,
            "moved_by_scoring": self.moved_by_scoring,
            "stopped_early": self.stopped_early,
            "accounts": self.accounts,
        }

    def counts(self) -> dict[str, int]:
        """What the run emitted, as the Cadence handler counts it."""
        return {"health_check_due": self.checks, "red_account_escalated": self.escalations}


class CadenceJob:
    def __init__(self, schedules: Schedules, refresher: Refresher, publisher: Publisher, config: Cadence):
        self._schedules = schedules
        self._refresher = refresher
        self._publisher = publisher
        self._config = config

    def run(self, now: datetime, time_left: Callable[[], float] | None = None) -> CadenceReport:
        """Handle every due schedule; stops early (the rest stay due for the next run) when time runs short."""
        report = CadenceReport()
        for entry in self._schedules.due(now):
            if time_left is not None and time_left() < 10.0:
                report.stopped_early = True
                break
            report.due += 1
            report.accounts.append(entry.account_id)
            self._handle(entry, now, report)
        return report

    def _handle(self, entry: Schedule, now: datetime, report: CadenceReport) -> None:
        refreshed = self._refresher.refresh(entry.account_id, now)
        summary = refreshed.signals.health
        scored = refreshed.scored
        if refreshed.announced == "status":
            report.status_changes += 1
        status: Status = (summary.announced_status if summary is not None else None) or entry.status
        trusted = scored.score is not None and not scored.insufficient
        current = Current(
            status=status,
            score=scored.score if trusted else (summary.announced if summary is not None else entry.score),
            insufficient=not trusted,
            pillars=dict(zip(("product", "relationship", "outcomes"), summary.pillars, strict=False))
            if summary is not None
            else {},
            plans=active_plans(refreshed.signals, now, self._config),
        )
        decision = decide(entry, current, now, self._config)
        if decision.events:
            self._publisher.publish(decision.events)
        for event in decision.events:
            if event.type is EventType.HEALTH_CHECK_DUE:
                report.checks += 1
            else:
                report.escalations += 1
        if status == "red" and entry.escalate_at is not None and entry.escalate_at <= now and current.plans:
            report.covered += 1
        if not self._schedules.reschedule(entry, decision.next):
            report.moved_by_scoring += 1
