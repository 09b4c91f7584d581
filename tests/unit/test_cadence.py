"""Seed 004's cadence: checks weekly for red, biweekly for yellow, monthly for green; a red account older than
14 days with no active intervention plan is escalated."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from services.common.models.config import Cadence
from services.common.models.events import EventType
from services.common.models.signals import AccountSignals, Intervention
from services.scoring.logic import cadence
from services.scoring.logic.cadence import Current, active_plans, decide
from services.scoring.models.schedule import Schedule
from tests.fakes import generic_event as _event
from tests.fakes.scoring import AccountProfiles, Scoring

T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
CONFIG = Cadence()


def _current(status="red", plans=None, score=42.0):
    return Current(status=status, score=score, insufficient=False, pillars={}, plans=plans or {})


def test_a_status_change_schedules_the_next_check_one_cadence_later():
    for status, days in (("red", 7), ("yellow", 14), ("green", 30)):
        entry = cadence.schedule("acc", status, 50.0, T0, T0, CONFIG)
        assert entry.check_at == T0 + timedelta(days=days)
    red = cadence.schedule("acc", "red", 50.0, T0 - timedelta(days=3), T0, CONFIG)
    assert red.escalate_at == T0 + timedelta(days=11)  # 14 days after it turned red
    assert red.due_at == T0 + timedelta(days=7)  # the check comes first


def test_a_due_check_emits_health_check_due_and_moves_the_schedule_on():
    entry = Schedule("acc", "yellow", 70.0, T0, check_at=T0 + timedelta(days=14))
    now = T0 + timedelta(days=14, hours=1)
    decision = decide(entry, _current("yellow", score=68.0), now, CONFIG)
    [event] = decision.events
    assert event.type is EventType.HEALTH_CHECK_DUE
    assert event.source == "boomerang.scoring"
    assert (event.data.status, event.data.score, event.data.cadence_days) == ("yellow", 68.0, 14)
    assert decision.next.check_at == now + timedelta(days=14)
    assert decision.next.last_check_at == now
    # The same due check gives the same event id: a retried run is deduplicated downstream
    assert decide(entry, _current("yellow"), now + timedelta(minutes=5), CONFIG).events[0].event_id == event.event_id


def test_red_for_more_than_14_days_without_a_plan_is_escalated_then_again_weekly():
    entry = cadence.schedule("acc", "red", 41.0, T0, T0, CONFIG, csm_member_id="mem-csm")
    at_day_7 = decide(entry, _current(), T0 + timedelta(days=7), CONFIG)
    assert [e.type for e in at_day_7.events] == [EventType.HEALTH_CHECK_DUE]  # not yet
    day_14 = T0 + timedelta(days=14, hours=1)
    decision = decide(at_day_7.next, _current(), day_14, CONFIG)
    assert [e.type for e in decision.events] == [EventType.HEALTH_CHECK_DUE, EventType.RED_ACCOUNT_ESCALATED]
    escalated = decision.events[1].data
    assert (escalated.days_red, escalated.limit_days, escalated.csm_member_id) == (14, 14, "mem-csm")
    assert "no active intervention plan" in escalated.reason
    assert decision.next.escalate_at == day_14 + timedelta(days=7)


def test_an_active_intervention_plan_covers_a_red_account_until_it_lapses():
    plan = Intervention(playbook="low_engagement", started_at=T0 + timedelta(days=10))
    entry = Schedule("acc", "red", 40.0, T0, check_at=T0 + timedelta(days=21), escalate_at=T0 + timedelta(days=14))
    now = T0 + timedelta(days=15)
    decision = decide(entry, _current(plans={"p": plan}), now, CONFIG)
    assert decision.events == []
    assert decision.next.escalate_at == now + timedelta(days=7)
    # A plan counts as active for intervention_active_days (45) or until its review_by date
    signals = AccountSignals(account_id="acc", interventions={"p": plan})
    assert active_plans(signals, T0 + timedelta(days=54), CONFIG) == {"p": plan}
    assert active_plans(signals, T0 + timedelta(days=56), CONFIG) == {}
    reviewed = Intervention(playbook="other", started_at=T0, review_by=date(2026, 11, 5))
    assert active_plans(AccountSignals(account_id="acc", interventions={"r": reviewed}), T0, CONFIG)
    assert not active_plans(
        AccountSignals(account_id="acc", interventions={"r": reviewed}), T0 + timedelta(days=5), CONFIG
    )


def test_an_account_no_longer_red_is_not_escalated():
    entry = Schedule("acc", "red", 40.0, T0, check_at=T0 + timedelta(days=30), escalate_at=T0 + timedelta(days=14))
    decision = decide(entry, _current("yellow"), T0 + timedelta(days=15), CONFIG)
    assert decision.events == []
    assert decision.next.escalate_at is None


def _scoring() -> Scoring:
    return Scoring(AccountProfiles(segment="Mid-Market", renewal_date=date(2027, 6, 1)))


def test_the_job_rescores_due_accounts_as_of_now_checks_and_escalates():
    # Given an account that turned red on T0 (its schedule written by scoring's announcement)
    scoring = _scoring()
    recorder, announcer = scoring.recorder, scoring.announcer
    usage = {"active_users": 15, "logins_30d": 80, "features_adopted": 1, "features_available": 10}
    recorder.record(_event(EventType.USAGE_REPORTED, usage, "u", T0))
    recorder.record(_event(EventType.TICKET_OPENED, {"ticket_id": "1", "severity": "critical"}, "t", T0))
    recorder.record(_event(EventType.MEETING_HELD, {"attended": False}, "m", T0))
    assert scoring.store.load("acc").health.announced_status == "red"
    assert scoring.schedules.items["acc"].check_at == T0 + timedelta(days=7)
    job = scoring.cadence_job()
    # When the job runs before anything is due, nothing happens
    assert job.run(T0 + timedelta(days=6)).due == 0
    # When it runs on day 7: a check is due
    report = job.run(T0 + timedelta(days=7, hours=1))
    assert (report.due, report.checks, report.escalations) == (1, 1, 0)
    [check] = announcer.of_type("HealthCheckDue")
    assert (check.data.status, check.data.cadence_days) == ("red", 7)
    # When the CSM starts a playbook on day 10, day 14 passes with no escalation
    recorder.record(
        _event(EventType.INTERVENTION_STARTED, {"plan_id": "p1", "playbook": "low_adoption"}, "i", T0 + timedelta(10))
    )
    report = job.run(T0 + timedelta(days=14, hours=1))
    assert (report.checks, report.escalations, report.covered) == (1, 0, 1)
    # When the plan ends unresolved, the next run escalates
    recorder.record(
        _event(EventType.INTERVENTION_ENDED, {"plan_id": "p1", "outcome": "unresolved"}, "e", T0 + timedelta(15))
    )
    report = job.run(T0 + timedelta(days=21, hours=2))
    assert report.escalations == 1
    [escalated] = announcer.of_type("RedAccountEscalated")
    assert (escalated.data.days_red, escalated.data.csm_member_id) == (21, "mem-csm")


def test_a_silent_account_goes_stale_and_the_job_says_so():
    # Given a green account whose last usage report and meeting are from T0
    scoring = _scoring()
    recorder = scoring.recorder
    usage = {"active_users": 95, "logins_30d": 1200, "features_adopted": 7, "features_available": 10}
    recorder.record(_event(EventType.USAGE_REPORTED, usage, "u", T0))
    recorder.record(_event(EventType.MEETING_HELD, {"executive_present": True}, "m", T0))
    recorder.record(_event(EventType.NPS_RESPONDED, {"response_id": "n", "score": 9}, "n", T0))
    assert scoring.store.load("acc").health.announced_status == "green"
    job = scoring.cadence_job()
    # When nothing is heard for two months, the monthly checks rescore it as of then
    job.run(T0 + timedelta(days=30, hours=1))
    report = job.run(T0 + timedelta(days=61))
    # Then the usage (45 days) went stale: the score is flagged as insufficient data, not kept green silently
    last = scoring.announcer.of_type("HealthCheckDue")[-1].data
    assert report.checks == 1
    assert last.insufficient_data
    assert scoring.store.load("acc").health.low
