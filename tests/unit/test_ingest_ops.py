"""`boomerang quarantine replay`: what it sends the replay function, how it continues, its exit status."""

from __future__ import annotations

import json

from boomerang import ingest_ops
from boomerang.cli import main


def test_a_bulk_replay_continues_after_the_last_position_until_done(monkeypatch, capsys):
    # Given a replay function that runs out of time once
    sent: list[dict] = []
    answers = iter(
        [
            {
                "results": [{"quarantine_id": "a", "result": "quarantined", "reason": "unknown_account"}],
                "more": True,
                "next": "p1",
            },
            {"results": [{"quarantine_id": "b", "result": "replayed", "outcome": "accepted"}], "more": False},
        ]
    )
    monkeypatch.setattr(ingest_ops, "invoke", lambda function, payload: sent.append(dict(payload)) or next(answers))
    # When every unknown-account item of hubspot is replayed
    status = main(["quarantine", "replay", "--reason", "unknown_account", "--source", "hubspot", "--function", "F"])
    # Then the second call continues after the first's position, each result is printed, and one still waits
    assert sent == [
        {"reason": "unknown_account", "source": "hubspot"},
        {"reason": "unknown_account", "source": "hubspot", "after": "p1"},
    ]
    out = capsys.readouterr()
    assert [json.loads(line)["quarantine_id"] for line in out.out.splitlines()] == ["a", "b"]
    assert "1 quarantined, 1 replayed" in out.err
    assert status == 1


def test_replaying_ids_that_all_go_through_exits_zero(monkeypatch, capsys):
    monkeypatch.setattr(
        ingest_ops,
        "invoke",
        lambda function, payload: {"results": [{"quarantine_id": i, "result": "replayed"} for i in payload["ids"]]},
    )
    assert main(["quarantine", "replay", "x", "y", "--function", "F"]) == 0


def test_ids_and_a_reason_together_are_refused(capsys):
    assert main(["quarantine", "replay", "x", "--reason", "unmappable", "--function", "F"]) == 2
    assert main(["quarantine", "replay", "x", "--source", "hubspot", "--function", "F"]) == 2
    assert main(["quarantine", "replay", "--function", "F"]) == 2


def test_a_function_error_is_reported(monkeypatch, capsys):
    monkeypatch.setattr(ingest_ops, "invoke", lambda function, payload: {"error": "function_error", "detail": {}})
    assert main(["quarantine", "replay", "x", "--function", "F"]) == 1
    assert "function_error" in capsys.readouterr().err


def test_raw_show_says_what_is_wrong_with_a_reference(capsys):
    assert main(["raw", "show", "not-a-ref"]) == 1
    assert "is not a raw_ref" in capsys.readouterr().err
