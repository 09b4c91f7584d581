"""Every seed expansion signal is observable from a canonical event, and an ExpansionSignal is emitted once per
crossing of the threshold, with its reasons."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from services.common.models.events import EventType
from services.common.models.signals import AccountSignals
from services.scoring.logic.health import HealthModel, assess
from services.scoring.logic.signals import apply
from services.scoring.logic.submetrics import SUBMETRICS
from tests.fakes import generic_event as ev
from tests.fakes.scoring import AccountProfiles, Scoring

T0 = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


def _scoring(renewal: date = date(2027, 9, 30)) -> Scoring:
    """Acme: Enterprise, 100 seats, with an AE; renewing far away unless told."""
    return Scoring(AccountProfiles(arr=100_000, ae_id="mem-ae", renewal_date=renewal))


def test_new_input_events_become_signals():
    s = AccountSignals(account_id="acc")
    s = apply(s, ev(EventType.OUTCOMES_REPORTED, {"goals_achieved": 8, "roi_demonstrated": 9}, "o1"))
    s = apply(s, ev(EventType.OUTCOMES_REPORTED, {"business_impact": 7}, "o2", T0 + timedelta(days=1)))
    assert s.outcomes == {"goals": 8, "roi": 9, "impact": 7}
    assert s.outcomes_at == T0 + timedelta(days=1)
    s = apply(s, ev(EventType.RESPONSE_TIME_REPORTED, {"response_hours": 6.5}, "r1"))
    assert (s.response_hours, s.response_at) == (6.5, T0)
    for n in range(8):
        s = apply(
            s, ev(EventType.DEPARTMENT_INTEREST_EXPRESSED, {"department": f"Dept {n}"}, f"d{n}", T0 + timedelta(n))
        )
    assert sorted(s.departments) == [f"dept {n}" for n in range(2, 8)]  # the newest six kept
    s = apply(s, ev(EventType.FEATURE_REQUESTED, {"feature": "SSO", "premium": False}, "f1"))
    assert s.premium_requests == {}
    s = apply(s, ev(EventType.FEATURE_REQUESTED, {"feature": "Advanced  Analytics", "premium": True}, "f2"))
    assert list(s.premium_requests) == ["advanced analytics"]
    s = apply(s, ev(EventType.INTERVENTION_STARTED, {"plan_id": "p1", "playbook": "low_adoption"}, "i1"))
    assert s.interventions["p1"].playbook == "low_adoption"
    s = apply(s, ev(EventType.INTERVENTION_ENDED, {"plan_id": "p1"}, "i2"))
    assert s.interventions == {}


def test_outcomes_and_response_time_fill_the_pillars_they_feed():
    # Given an account with usage only (outcomes pillar and response time missing)
    scoring = _scoring()
    store, recorder = scoring.store, scoring.recorder
    usage = {"active_users": 70, "logins_30d": 900, "features_adopted": 5, "features_available": 10}
    recorder.record(ev(EventType.USAGE_REPORTED, usage, "u"))
    recorder.record(ev(EventType.MEETING_HELD, {"executive_present": True}, "m", T0 + timedelta(minutes=1)))
    before = store.load("acc").health
    assert before.pillars[2] is None
    # When the QBR's outcomes and a response-time report arrive
    recorder.record(ev(EventType.OUTCOMES_REPORTED, {"goals_achieved": 2, "roi_demonstrated": 3}, "o", T0))
    recorder.record(ev(EventType.RESPONSE_TIME_REPORTED, {"response_hours": 4}, "r", T0 + timedelta(minutes=2)))
    signals = store.load("acc")
    # Then the outcomes pillar is measured (2.5) and response time scores 10
    assert signals.health.pillars[2] == 2.5
    model = HealthModel.from_config(scoring.health)
    _, scored = assess(signals, scoring.profiles.account("acc"), signals.updated_at, model)
    assert scored.subs[SUBMETRICS.index("response")] == 10.0
    assert scored.coverage == 0.825  # 4/4 product, 3/4 relationship (no NPS), 2/3 outcomes


def test_expansion_signal_is_emitted_once_per_crossing_with_reasons_for_the_ae():
    # Given a green account with high adoption (+3) and a renewal far away
    scoring = _scoring()
    store, announcer, recorder = scoring.store, scoring.announcer, scoring.recorder
    usage = {"active_users": 92, "logins_30d": 1400, "features_adopted": 7, "features_available": 10}
    recorder.record(ev(EventType.USAGE_REPORTED, usage, "u"))
    recorder.record(ev(EventType.MEETING_HELD, {"executive_present": True}, "m", T0 + timedelta(minutes=1)))
    recorder.record(ev(EventType.NPS_RESPONDED, {"response_id": "n", "score": 9}, "n", T0 + timedelta(minutes=2)))
    assert store.load("acc").health.status == "green"
    assert announcer.of_type("ExpansionSignal") == []  # 3 points, threshold 5
    # When a new department expresses interest (+3)
    result = recorder.record(
        ev(EventType.DEPARTMENT_INTEREST_EXPRESSED, {"department": "Finance"}, "d1", T0 + timedelta(hours=1))
    )
    # Then one ExpansionSignal with both reasons and the seed's actions, for the account's AE
    assert result.expansion
    [signal] = announcer.of_type("ExpansionSignal")
    data = signal.data
    assert (data.score, data.threshold, data.status, data.ae_member_id, data.csm_member_id) == (
        6,
        5,
        "green",
        "mem-ae",
        "mem-csm",
    )
    assert [(r.signal, r.points, r.action) for r in data.reasons] == [
        ("high_adoption", 3, "Explore user expansion"),
        ("new_department", 3, "Schedule discovery call"),
    ]
    # And more signals while qualified emit nothing new
    recorder.record(ev(EventType.DEPARTMENT_INTEREST_EXPRESSED, {"department": "Legal"}, "d2", T0 + timedelta(hours=2)))
    assert len(announcer.of_type("ExpansionSignal")) == 1
    # And a redelivery of the crossing event emits the same event again (same id), nothing else
    recorder.record(
        ev(EventType.DEPARTMENT_INTEREST_EXPRESSED, {"department": "Finance"}, "d1", T0 + timedelta(hours=1))
    )
    assert len(announcer.of_type("ExpansionSignal")) == 1  # not the latest event any more: nothing re-emitted
    # When adoption falls below the threshold and comes back, that is a new crossing
    low = {"active_users": 40, "logins_30d": 1400, "features_adopted": 7, "features_available": 10}
    recorder.record(ev(EventType.USAGE_REPORTED, low, "u2", T0 + timedelta(days=1)))
    assert not store.load("acc").health.xq
    recorder.record(ev(EventType.USAGE_REPORTED, usage, "u3", T0 + timedelta(days=2)))
    assert len(announcer.of_type("ExpansionSignal")) == 2


def test_a_redelivered_crossing_event_re_emits_the_same_expansion_signal():
    # Given an account renewing within 90 days, with an executive at its last meeting
    scoring = _scoring(renewal=date(2027, 1, 15))
    recorder = scoring.recorder
    usage = {"active_users": 95, "logins_30d": 1500, "features_adopted": 7, "features_available": 10}
    crossing = ev(EventType.USAGE_REPORTED, usage, "u")
    recorder.record(ev(EventType.MEETING_HELD, {"executive_present": True}, "m", T0 - timedelta(minutes=1)))
    # When the crossing event (high adoption 3 + renewal within 90 days 2 = 5) is delivered twice
    recorder.record(crossing)
    recorder.record(crossing)  # e.g. the bus put failed after the save: SQS redelivers
    # Then the same ExpansionSignal (same id) is emitted again
    first, second = scoring.announcer.of_type("ExpansionSignal")
    assert first.event_id == second.event_id
    assert [r.signal for r in first.data.reasons] == ["high_adoption", "renewal_soon"]
