"""The health model applied to accounts: sub-metric transforms, segment weights, explanation, announcements."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.common.models.config import Expansion, Health, PillarWeights
from services.common.models.events import EventType
from services.common.models.signals import AccountSignals, HealthSummary, NpsAnswer, OpenTicket
from services.scoring.logic import expansion
from services.scoring.logic.health import (
    HealthModel,
    assess,
    combine,
    explain,
    pillar_mean,
    score_inputs,
    summarize,
    to_hundredths,
)
from services.scoring.logic.submetrics import SUBMETRICS, Inputs, compute
from tests.fakes import generic_event as _ev
from tests.fakes.scoring import AccountProfiles, Scoring
from tests.unit.submetric_reference import compute_reference

T0 = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
MODEL = HealthModel.from_config(Health())
SUB = MODEL.sub


def subs(**kwargs) -> dict[str, float | None]:
    return dict(zip(SUBMETRICS, compute(Inputs(**kwargs), SUB), strict=True))


maybe = st.none() | st.floats(0, 10_000, allow_nan=False)
counts = st.tuples(*[st.integers(0, 20)] * 4)
inputs = st.builds(
    Inputs,
    segment=st.sampled_from([None, "Enterprise", "Mid-Market", "SMB", "Strategic"]),
    active_users=maybe,
    seats=st.none() | st.floats(0, 10_000),
    logins_30d=maybe,
    features_adopted=maybe,
    features_available=maybe,
    tickets=counts,
    escalation_age_days=st.none() | st.floats(0, 400),
    nps=st.lists(st.integers(0, 10).map(float), max_size=5).map(tuple),
    meetings=st.text(alphabet="xae", max_size=8),
    meeting_age_days=st.none() | st.floats(0, 400),
    exec_meeting_age_days=st.none() | st.floats(0, 400),
    exec_change_age_days=st.none() | st.floats(0, 400),
    response_hours=st.none() | st.floats(0, 500),
    goals=st.none() | st.floats(-5, 20),
    roi=st.none() | st.floats(-5, 20),
    impact=st.none() | st.floats(-5, 20),
    renewal_in_days=st.none() | st.floats(-400, 800),
    departments=st.integers(0, 5),
    premium_requests=st.integers(0, 5),
)


@given(inputs)
def test_scores_are_bounded_for_any_inputs(i):
    scored = score_inputs(i, MODEL)
    assert [v for v in scored.subs if v is not None and not 0 <= v <= 10] == []
    assert scored.score is None or 0 <= scored.score <= 100
    assert 0 <= scored.coverage <= scored.confidence <= 1


@given(inputs)
def test_the_inlined_compute_is_exactly_the_named_transforms(i):
    assert compute(i, SUB) == compute_reference(i, SUB)


# Each sub-metric is monotone in its input, and so is the score: field → how to make it better (a missing input
# stays missing: measuring it is not "better", see test_a_missing_input_never_scores_lower_than_a_zero).
BETTER = {
    "active_users": lambda v, d: None if v is None else v + d,
    "logins_30d": lambda v, d: None if v is None else v + d,
    "features_adopted": lambda v, d: None if v is None else v + d,
    "escalation_age_days": lambda v, d: None if v is None else v + d,
    "meeting_age_days": lambda v, d: None if v is None else max(0.0, v - d),
    "exec_meeting_age_days": lambda v, d: None if v is None else max(0.0, v - d),
    "exec_change_age_days": lambda v, d: None if v is None else v + d,
    "response_hours": lambda v, d: None if v is None else max(0.0, v - d),
    "goals": lambda v, d: None if v is None else v + d,
    "roi": lambda v, d: None if v is None else v + d,
    "impact": lambda v, d: None if v is None else v + d,
}


@given(inputs, st.sampled_from(sorted(BETTER)), st.floats(0, 1000))
def test_a_better_input_never_lowers_its_submetric_or_the_score(i, name, delta):
    better = i._replace(**{name: BETTER[name](getattr(i, name), delta)})
    before, after = score_inputs(i, MODEL), score_inputs(better, MODEL)
    lowered = [
        name
        for name, a, b in zip(SUBMETRICS, after.subs, before.subs, strict=True)
        if b is not None and (a is None or a < b - 1e-9)
    ]
    assert lowered == []
    assert before.score is None or after.score >= before.score - 0.01  # scores are rounded to 0.01


@given(inputs, st.integers(0, 19))
def test_fewer_open_tickets_never_lower_the_score(i, pick):
    tickets = list(i.tickets)
    severity = pick % 4
    if tickets[severity]:
        tickets[severity] -= 1
    assert score_inputs(i._replace(tickets=tuple(tickets)), MODEL).score >= score_inputs(i, MODEL).score - 0.01


@given(inputs, st.data())
def test_attending_a_missed_meeting_never_lowers_meetings(i, data):
    if "x" not in i.meetings:
        return
    at = data.draw(st.sampled_from([n for n, mark in enumerate(i.meetings) if mark == "x"]))
    attended = i._replace(meetings=i.meetings[:at] + data.draw(st.sampled_from("ae")) + i.meetings[at + 1 :])
    before, after = score_inputs(i, MODEL).subs, score_inputs(attended, MODEL).subs
    index = SUBMETRICS.index("meetings")
    assert after[index] >= before[index]


@given(inputs, st.floats(1, 5000))
def test_more_licensed_seats_for_the_same_usage_never_raise_product(i, extra):
    if i.seats is None:
        return
    more = i._replace(seats=i.seats + extra)
    for name in ("logins", "active"):
        index = SUBMETRICS.index(name)
        before, after = score_inputs(i, MODEL).subs[index], score_inputs(more, MODEL).subs[index]
        assert before is None or after <= before + 1e-9


@given(st.lists(st.none() | st.floats(0, 10), min_size=11, max_size=11), st.sampled_from(SUBMETRICS), st.floats(0, 10))
def test_raising_any_submetric_never_lowers_the_score(values, name, raised):
    before = dict(zip(SUBMETRICS, values, strict=True))
    if before[name] is None or raised < before[name]:
        return
    after = before | {name: raised}
    assert combine(_pillars(after), Health().weights).score >= combine(_pillars(before), Health().weights).score


@given(st.floats(0, 100))
def test_scores_are_kept_to_hundredths_like_round(score):
    assert abs(to_hundredths(score) - round(score, 2)) <= 0.01 + 1e-9
    assert to_hundredths(score) == round(to_hundredths(score), 2)


@given(inputs)
def test_the_hot_path_agrees_with_pillar_mean_and_combine(i):
    scored = score_inputs(i, MODEL)
    names = iter(zip(SUBMETRICS, scored.subs, strict=True))
    pillars = {
        p: pillar_mean(dict(next(names) for _ in range(n)))
        for p, n in (("product", 4), ("relationship", 4), ("outcomes", 3))
    }
    weights = PillarWeights(product=0.4, relationship=0.3, outcomes=0.3)
    assert combine(pillars, weights).score == scored.score


@given(st.floats(0, 5000), st.floats(0, 5000), st.floats(1, 5000))
def test_more_active_users_or_logins_never_lower_product(low, extra, seats):
    a, b = subs(active_users=low, seats=seats), subs(active_users=low + extra, seats=seats)
    assert b["active"] >= a["active"]
    a, b = subs(logins_30d=low, seats=seats), subs(logins_30d=low + extra, seats=seats)
    assert b["logins"] >= a["logins"]


@given(st.integers(0, 50), st.integers(0, 50), st.integers(1, 50))
def test_more_features_adopted_never_lower_adoption(adopted, extra, available):
    a = subs(features_adopted=adopted, features_available=available)["adoption"]
    assert subs(features_adopted=adopted + extra, features_available=available)["adoption"] >= a


@given(counts, st.sampled_from(range(4)), st.integers(1, 5), st.none() | st.floats(0, 30))
def test_more_open_tickets_never_raise_the_ticket_submetric(base, severity, more, escalation):
    worse = list(base)
    worse[severity] += more
    assert (
        subs(tickets=tuple(worse), escalation_age_days=escalation)["tickets"]
        <= subs(tickets=base, escalation_age_days=escalation)["tickets"]
    )


@given(st.lists(st.integers(0, 10), min_size=1, max_size=5), st.integers(0, 4), st.integers(1, 10))
def test_a_better_nps_answer_never_lowers_nps(answers, index, bump):
    better = list(answers)
    better[index % len(answers)] = min(10, better[index % len(answers)] + bump)
    assert subs(nps=tuple(map(float, better)))["nps"] >= subs(nps=tuple(map(float, answers)))["nps"]


@given(st.floats(0, 400), st.floats(0, 400), st.text(alphabet="xae", min_size=1, max_size=8))
def test_a_more_recent_meeting_never_lowers_meetings_or_executive(a, b, log):
    recent, old = min(a, b), max(a, b)
    assert (
        subs(meetings=log, meeting_age_days=recent)["meetings"] >= subs(meetings=log, meeting_age_days=old)["meetings"]
    )
    assert (
        subs(meetings=log, exec_meeting_age_days=recent)["executive"]
        >= subs(meetings=log, exec_meeting_age_days=old)["executive"]
    )


@given(st.floats(0, 500), st.floats(0, 500))
def test_a_faster_response_never_lowers_response(a, b):
    assert subs(response_hours=min(a, b))["response"] >= subs(response_hours=max(a, b))["response"]


@given(st.lists(st.none() | st.floats(0, 10), min_size=11, max_size=11), st.sampled_from(SUBMETRICS))
def test_a_missing_input_never_scores_lower_than_a_zero(values, name):
    pillars_missing = _pillars(dict(zip(SUBMETRICS, values, strict=True)) | {name: None})
    pillars_zero = _pillars(dict(zip(SUBMETRICS, values, strict=True)) | {name: 0.0})
    missing = combine(pillars_missing, Health().weights).score
    zero = combine(pillars_zero, Health().weights).score
    assert missing is None or missing >= zero - 1e-9


def _pillars(values):
    groups = (("product", SUBMETRICS[:4]), ("relationship", SUBMETRICS[4:8]), ("outcomes", SUBMETRICS[8:]))
    return {p: pillar_mean({n: values[n] for n in names}) for p, names in groups}


def test_segment_weights_override_the_default():
    health = Health(segments={"Strategic": PillarWeights(product=0.1, relationship=0.8, outcomes=0.1)})
    model = HealthModel.from_config(health)
    i = dict(active_users=100.0, seats=100.0, nps=(2.0,))
    strategic = score_inputs(Inputs(segment="Strategic", **i), model)
    enterprise = score_inputs(Inputs(segment="Enterprise", **i), model)
    assert (strategic.weights, enterprise.weights) == ((0.1, 0.8, 0.1), (0.4, 0.3, 0.3))
    assert strategic.score < enterprise.score


def test_login_baseline_depends_on_the_segment():
    assert subs(segment="SMB", logins_30d=800.0, seats=100.0)["logins"] == 10.0  # 8 per seat is SMB's baseline
    assert subs(segment="Strategic", logins_30d=750.0, seats=100.0)["logins"] == 5.0  # half of 15


def test_thin_data_is_flagged_insufficient_and_not_announced():
    signals = AccountSignals(account_id="acc", nps={"c": NpsAnswer(score=2, at=T0)})
    _, scored = assess(signals, None, T0, MODEL)
    assert scored.score is not None
    assert scored.insufficient  # tickets (none open) + NPS: coverage 0.175
    assert summarize(None, scored, T0, "e1", MODEL)[1] is None


def test_stale_usage_is_missing_not_zero():
    signals = AccountSignals(account_id="acc", usage={"active_users": 1, "licensed_seats": 100}, usage_at=T0)
    profile = AccountProfiles().account("acc")  # 100 seats
    inputs, _ = assess(signals, profile, T0 + timedelta(days=46), MODEL)
    assert inputs.active_users is None
    inputs, scored = assess(signals, profile, T0 + timedelta(days=10), MODEL)
    assert scored.subs[SUBMETRICS.index("active")] == pytest.approx(10 * 0.01 / 0.9)


def _scored(score: float, status: str):
    i = Inputs(active_users=100.0, seats=100.0, nps=(9.0,), meetings="e", meeting_age_days=1, exec_meeting_age_days=1)
    return score_inputs(i, MODEL)._replace(score=score, status=status)


def test_announce_on_status_change_and_on_delta_not_on_small_moves():
    # Given a first score: announced, for its status
    first, reason = summarize(None, _scored(85, "green"), T0, "e1", MODEL)
    assert (reason, first.announced) == ("status", 85)
    # When it moves by less than announce_delta: kept, not announced
    small, reason = summarize(first, _scored(81, "green"), T0, "e2", MODEL)
    assert (reason, small.announced, small.score) == (None, 85, 81)
    # When it has drifted 5 below the last announcement: announced, for the delta
    drift, reason = summarize(small, _scored(80, "green"), T0, "e3", MODEL)
    assert (reason, drift.was, drift.announced) == ("delta", 85, 80)
    # When the status changes: announced, and the new status dates from now
    change, reason = summarize(drift, _scored(79, "yellow"), T0 + timedelta(days=1), "e4", MODEL)
    assert (reason, change.since, change.was_status) == ("status", T0 + timedelta(days=1), "green")


def test_explanation_lists_pillars_submetrics_inputs_and_what_moved():
    before = score_inputs(Inputs(active_users=90.0, seats=100.0, nps=(9.0,)), MODEL)
    after_inputs = Inputs(active_users=20.0, seats=100.0, nps=(9.0,), tickets=(1, 0, 0, 0))
    after = score_inputs(after_inputs, MODEL)
    baseline = [None if v is None else round(v, 1) for v in before.subs]
    e = explain(after_inputs, after, baseline, "status", {"score": 0})
    assert set(e["pillars"]) == {"product", "relationship", "outcomes"}
    assert e["submetrics"]["product"]["active"] == {
        "value": 2.2,
        "inputs": {"active_users": 20.0, "licensed_seats": 100.0},
    }
    assert e["submetrics"]["outcomes"]["goals"] == {"value": None}
    assert [m["submetric"] for m in e["moved"]] == ["active", "tickets"]
    assert e["moved"][0]["points"] < 0
    assert {"response", "goals", "roi", "impact", "logins", "adoption"} <= set(e["missing"])
    # 2 of 4 product and 1 of 4 relationship sub-metrics measured: 0.4 × 2/4 + 0.3 × 1/4, below min_coverage
    assert (e["coverage"], e["insufficient_data"]) == (0.275, True)


def test_expansion_scores_the_seed_table():
    i = Inputs(active_users=90.0, seats=100.0, meetings="aaee", renewal_in_days=60.0, departments=1, premium_requests=2)
    result = expansion.score(i, "green", Expansion())
    assert result.signals == {
        "high_adoption": 3,
        "new_department": 3,
        "premium_requests": 2,
        "executive_engagement": 2,
        "renewal_soon": 2,
    }
    assert (result.score, result.qualified) == (12, True)
    assert [r["action"] for r in result.reasons()] == [
        "Explore user expansion",
        "Schedule discovery call",
        "Position upgrade path",
        "Propose strategic review",
        "Bundle expansion into renewal",
    ]
    assert result.reasons()[0]["detail"] == "90 of 100 licensed seats active (90%)"
    assert not expansion.score(i, "yellow", Expansion()).qualified  # Green only
    assert not expansion.score(i, "green", Expansion(), insufficient=True).qualified  # not on thin data
    assert expansion.score(Inputs(active_users=80.0, seats=100.0), "green", Expansion()).score == 0  # not > 80 %


def _scoring() -> Scoring:
    """Acme: Enterprise, 100 seats, renewing within 90 days."""
    return Scoring(AccountProfiles(renewal_date=date(2027, 1, 15)))


def test_recorder_announces_once_and_duplicates_change_nothing():
    # Given a recorder, when usage and a meeting with an executive arrive
    scoring = _scoring()
    store, announcer, recorder = scoring.store, scoring.announcer, scoring.recorder
    usage = {"active_users": 95, "logins_30d": 1500, "features_adopted": 7, "features_available": 10}
    recorder.record(_ev(EventType.USAGE_REPORTED, usage, "u"))
    recorder.record(_ev(EventType.MEETING_HELD, {"executive_present": True}, "m", T0 + timedelta(minutes=1)))
    # Then Green is announced once, by scoring
    [green] = announcer.announcements
    assert (green.event.data.status, green.event.source) == ("green", "boomerang.scoring")
    assert green.event.data.explanation["expansion"]["qualified"]  # > 80 % active + renewal within 90 days
    assert scoring.profiles.reads == 1  # cached within the batch
    # When a small move follows, nothing more is announced
    small = recorder.record(_ev(EventType.TICKET_OPENED, {"ticket_id": "1", "severity": "low"}, "t"))
    assert small.announced is None
    assert len(announcer.announcements) == 1
    # When it is delivered again, it is a duplicate that changes nothing
    snapshot = store.load("acc")
    assert recorder.record(_ev(EventType.TICKET_OPENED, {"ticket_id": "1", "severity": "low"}, "t")).duplicate
    assert store.load("acc") == snapshot
    assert len(announcer.announcements) == 1
    assert snapshot.health is not None
    assert snapshot.health.status == "green"


def test_a_redelivered_announcing_event_is_announced_again_with_the_same_id():
    scoring = _scoring()
    recorder, announcer = scoring.recorder, scoring.announcer
    event = _ev(
        EventType.USAGE_REPORTED,
        {"active_users": 95, "logins_30d": 1500, "features_adopted": 5, "features_available": 9},
        "u",
    )
    recorder.record(event)
    recorder.record(event)  # e.g. the first publish was lost after the signals were saved
    first, second = announcer.announcements
    assert first.event.event_id == second.event.event_id
    assert second.event.data.previous_status == first.event.data.previous_status


def test_summary_round_trips_in_the_signals_item():
    summary = HealthSummary(score=84.0, status="green", since=T0, pillars=[8.75, 8.0, 8.33], sub=[9.0] * 11)
    signals = AccountSignals(
        account_id="acc",
        health=summary,
        open_tickets={"1": OpenTicket(severity="low", status="open", since=T0, updated_at=T0)},
    )
    again = AccountSignals.model_validate_json(signals.model_dump_json(exclude_defaults=True))
    assert again == signals
