"""`boomerang demo` tells what became of every webhook, and its summary counts each one once (boomerang/demo.py)."""

from __future__ import annotations

from boomerang.demo import fate, summary
from boomerang.replay import Delivery, Sample


def _delivery(status: int, answer: dict) -> Delivery:
    return Delivery(Sample("delighted", "sample", {}), status, answer, 0.0)


EVALUATED = {
    "e-fired": {"event_id": "e-fired", "outcome": "fired", "reason": "NPS 9–10 for Priya Raman"},
    "e-blocked": {"event_id": "e-blocked", "outcome": "blocked", "reason": "blocked by open_critical_ticket"},
    "e-late": {"event_id": "e-late", "outcome": "not_a_trigger", "reason": "the NPS 9–10 window closed"},
}


def test_each_webhook_takes_the_fate_of_its_most_telling_event():
    assert fate(_delivery(202, {"event_ids": ["e-late", "e-fired"]}), EVALUATED) == ("DM", "NPS 9–10 for Priya Raman")
    assert fate(_delivery(202, {"event_ids": ["e-blocked"]}), EVALUATED)[0] == "blocked"
    assert fate(_delivery(202, {"event_ids": ["e-late"]}), EVALUATED)[0] == "not a peak moment"


def test_an_accepted_webhook_that_no_trigger_evaluated_is_a_signal_only():
    assert fate(_delivery(202, {"accepted": 1, "event_ids": ["e-nps-4"]}), EVALUATED)[0] == "signal only"


def test_a_refused_webhook_says_why():
    assert fate(_delivery(401, {"error": "signature_invalid", "message": "bad signature"}), {}) == (
        "refused",
        "HTTP 401: bad signature",
    )


def test_redeliveries_and_ignored_deliveries_are_told_apart():
    assert fate(_delivery(200, {"accepted": 1, "event_ids": ["e-fired"], "duplicate": True}), EVALUATED)[0] == (
        "redelivery"
    )
    assert fate(_delivery(200, {"accepted": 0, "ignored": "ping"}), {})[0] == "ignored"


def test_the_summary_adds_up_to_the_webhooks_sent():
    fates = ["DM", "DM", "blocked", "signal only", "refused", "redelivery"]
    assert summary(fates) == (
        "6 webhooks: 5 accepted → 2 DM, 1 blocked, 1 signal only, 0 not a peak moment, 1 redelivery; 1 refused"
    )
