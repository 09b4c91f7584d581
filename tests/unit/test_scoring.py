from datetime import UTC, datetime, timedelta

from services.common.models.events import EventType
from services.common.models.signals import AccountSignals, pack_signals, unpack_signals
from services.scoring.logic.recorder import SignalRecorder
from services.scoring.logic.signals import apply
from tests.fakes import InMemoryStateStore
from tests.fakes import generic_event as ev

T0 = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


def test_ticket_lifecycle_and_late_updates():
    s = AccountSignals(account_id="acc")
    s = apply(s, ev(EventType.TICKET_OPENED, {"ticket_id": "1", "severity": "critical"}))
    assert list(s.critical_tickets()) == ["1"]
    s = apply(s, ev(EventType.TICKET_UPDATED, {"ticket_id": "1", "status": "solved"}, "2", T0 + timedelta(hours=2)))
    assert s.open_tickets == {}
    s = apply(s, ev(EventType.TICKET_OPENED, {"ticket_id": "3", "severity": "high"}, "3", T0 + timedelta(hours=3)))
    stale = ev(EventType.TICKET_UPDATED, {"ticket_id": "3", "status": "closed"}, "4", T0)
    assert "3" in apply(s, stale).open_tickets  # an older update arriving late doesn't close a newer state


def test_escalation_raises_severity_and_records_when():
    s = apply(AccountSignals(account_id="acc"), ev(EventType.TICKET_OPENED, {"ticket_id": "1", "severity": "normal"}))
    s = apply(s, ev(EventType.TICKET_ESCALATED, {"ticket_id": "1", "severity": "critical"}, "2"))
    assert s.open_tickets["1"].severity == "critical"
    assert s.last_escalation_at == T0


def test_nps_keeps_latest_answer_per_respondent_and_renewal_clears_risk():
    s = AccountSignals(account_id="acc")
    s = apply(s, ev(EventType.NPS_RESPONDED, {"response_id": "a", "score": 3, "contact_id": "c1"}, "a"))
    s = apply(
        s,
        ev(EventType.NPS_RESPONDED, {"response_id": "b", "score": 9, "contact_id": "c1"}, "b", T0 + timedelta(days=1)),
    )
    assert s.nps["c1"].score == 9
    s = apply(s, ev(EventType.RENEWAL_RISK_FLAGGED, {"reason": "champion left"}, "r"))
    assert s.renewal_risk
    s = apply(s, ev(EventType.RENEWAL_SIGNED, {}, "s", T0 + timedelta(days=2)))
    assert not s.renewal_risk


def test_duplicate_event_changes_nothing():
    store = InMemoryStateStore()
    recorder = SignalRecorder(store)
    event = ev(EventType.TICKET_OPENED, {"ticket_id": "1", "severity": "critical"})
    assert not recorder.record(event).duplicate
    snapshot = store.load("acc")
    assert recorder.record(event).duplicate
    assert store.load("acc") == snapshot


def test_concurrent_writer_is_retried_not_overwritten():
    # Given another consumer writes the account between our read and our write
    store = InMemoryStateStore()
    recorder = SignalRecorder(store)
    first = ev(EventType.TICKET_OPENED, {"ticket_id": "1", "severity": "high"}, "a")
    recorder.record(first)
    original_load = store.load
    raced = {"done": False}

    def racing_load(account_id):
        snapshot = original_load(account_id)
        if not raced["done"]:
            raced["done"] = True
            other = ev(EventType.TICKET_OPENED, {"ticket_id": "2", "severity": "low"}, "b")
            store.save(snapshot, apply(snapshot, other))
        return snapshot

    store.load = racing_load
    # When our event is recorded Then both tickets survive
    recorder.record(ev(EventType.TICKET_OPENED, {"ticket_id": "3", "severity": "normal"}, "c"))
    assert set(original_load("acc").open_tickets) == {"1", "2", "3"}


def test_signals_item_round_trips_packed_and_reads_the_unpacked_form_it_replaced():
    # Given an account's signals after a few events
    signals = AccountSignals(account_id="acc-halvorsen", events_seen=3, recent_events=["a1b2c3d4e5f6"], version=3)
    # When packed into the item's z attribute and read back (also from an item written before packing)
    packed = {"pk": "ACCOUNT#acc-halvorsen", "sk": "SIGNALS", "z": pack_signals(signals)}
    legacy = {"pk": "ACCOUNT#acc-halvorsen", "sk": "SIGNALS", "signals": signals.model_dump_json()}
    # Then the same signals come back, and a missing item is an empty account
    assert unpack_signals(packed, "acc-halvorsen") == signals
    assert unpack_signals(legacy, "acc-halvorsen") == signals
    assert unpack_signals({}, "acc-new") == AccountSignals(account_id="acc-new")
