"""`make bench` measures the import time of every function infra deploys: its list is infra's, not its own."""

from __future__ import annotations

from benchmarks.__main__ import handler_modules


def test_every_deployed_handler_is_measured_the_replay_handler_included():
    from infra.function_specs import ALL

    modules = handler_modules()
    assert len(set(modules)) == len(ALL)  # one handler module per function
    assert "services.ingest.handlers.replay" in modules  # the one the bench's own list had missed
