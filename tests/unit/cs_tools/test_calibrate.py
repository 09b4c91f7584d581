from __future__ import annotations

import builtins
import json
import pathlib
import tomllib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from boomerang.cs_tools import calibrate
from boomerang.cs_tools.common import Quarter
from services.common.models.config import PillarWeights

from .conftest import EXAMPLES, ROOT


@pytest.fixture
def no_writes(monkeypatch):
    """Fail the test if anything opens a file for writing."""
    real_open = builtins.open

    def guarded_open(file, mode="r", *args, **kwargs):
        if any(flag in mode for flag in "wax+"):
            raise AssertionError(f"calibrate tried to write {file}")
        return real_open(file, mode, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", guarded_open)
    monkeypatch.setattr(pathlib.Path, "write_text", lambda *a, **k: pytest.fail("write_text"))
    monkeypatch.setattr(pathlib.Path, "write_bytes", lambda *a, **k: pytest.fail("write_bytes"))


def test_examples_improve_or_keep_accuracy_and_never_write(capsys, no_writes):
    # Given the example history and the repo's rules file
    config = ROOT / "boomerang.toml"
    before = config.read_bytes()
    # When calibrating every segment
    assert calibrate.run(["--history", str(EXAMPLES / "history.csv"), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    # Then no segment gets worse, and the rules file is untouched
    assert config.read_bytes() == before
    for seg in data["segments"]:
        assert seg["after"]["balanced_accuracy"] >= seg["before"]["balanced_accuracy"]
    improved = {s["segment"] for s in data["segments"] if s["proposed"]}
    assert "Enterprise" in improved


def test_snippet_is_valid_toml_with_weights_summing_to_one(capsys, no_writes):
    # Given the examples, When calibrating as text
    assert calibrate.run(["--history", str(EXAMPLES / "history.csv")]) == 0
    out = capsys.readouterr().out
    assert "nothing was written" in out
    # Then the printed snippet parses and each table is a valid PillarWeights
    snippet = out[out.index("[health.segments.") :]
    parsed = tomllib.loads(snippet)
    for weights in parsed["health"]["segments"].values():
        PillarWeights(**weights)


def test_grid_covers_the_simplex():
    # Given a 0.05 step, Then there are 21·22/2 = 231 weight triples, all summing to 1
    grid = calibrate.grid(0.05)
    assert len(grid) == 231
    assert all(abs(w.product + w.relationship + w.outcomes - 1) < 1e-9 for w in grid)


def test_too_few_renewals_keeps_configured_weights(capsys, no_writes):
    # Given a minimum above what any segment has, When calibrating, Then nothing is proposed
    args = ["--history", str(EXAMPLES / "history.csv"), "--min-renewals", "1000", "--format", "json"]
    assert calibrate.run(args) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["snippet"] == ""
    assert all(s["proposed"] is None for s in data["segments"])


def test_bad_step_is_a_usage_error():
    with pytest.raises(SystemExit):
        calibrate.run(["--history", "x.csv", "--step", "0.3"])


@given(st.integers(min_value=1900, max_value=2200), st.integers(min_value=1, max_value=4))
def test_quarters_round_trip(year, q):
    quarter = Quarter(year, q)
    assert Quarter.parse(str(quarter)) == quarter
    assert quarter.next().previous() == quarter
    assert Quarter.of(quarter.start) == Quarter.of(quarter.end) == quarter
    assert (quarter.next().start - quarter.end).days == 1
