"""Start/stop of the local stack (runs without the module-scoped stack of test_local_stack.py)."""

from __future__ import annotations

import io
import os
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from local_stack_helpers import TeeOut

from boomerang.local import LocalStack
from boomerang.local.cli import build_parser


def test_stop_is_clean_prompt_and_idempotent(template_path: Path) -> None:
    import gc

    before = {t.ident for t in threading.enumerate()}
    endpoint_before = os.environ.get("AWS_ENDPOINT_URL")
    gc_before = gc.get_threshold()
    out = TeeOut()
    # Given a running stack on free ports
    local = LocalStack(port=0, template_path=template_path, load_portfolio=False, stdout=out)
    local.start()
    url = local.api_url
    assert urllib.request.urlopen(f"{url}/health", timeout=5).status == 200
    assert out.lines[-1].startswith(f"Boomerang local stack ready: api={url} slack={local.slack_api_url} moto=")
    # When it is stopped (twice)
    started = time.monotonic()
    local.stop()
    elapsed = time.monotonic() - started
    local.stop()
    # Then it stopped promptly and nothing it started keeps running
    assert elapsed < 3
    leftover = [t for t in threading.enumerate() if t.ident not in before and t.is_alive()]
    assert [t for t in leftover if not t.daemon] == []
    assert not [t for t in leftover if t.name.startswith(("esm-", "pipe-", "http-api", "slack-sink"))]
    # And the environment is restored and the port is closed
    assert os.environ.get("AWS_ENDPOINT_URL") == endpoint_before
    assert gc.get_threshold() == gc_before
    assert gc.get_freeze_count() == 0
    with pytest.raises(OSError):
        urllib.request.urlopen(f"{url}/health", timeout=2)
    # And moto's process is gone with its port
    with pytest.raises(OSError):
        urllib.request.urlopen(f"{local.moto_url}/moto-api/", timeout=2)


def test_context_manager_and_one_stack_per_process(template_path: Path) -> None:
    with LocalStack(port=0, template_path=template_path, load_portfolio=False, stdout=io.StringIO()) as first:
        # Then a second stack in the same process is refused (moto backends are process-global)
        with pytest.raises(RuntimeError, match="already running"):
            LocalStack(port=0, template_path=template_path, load_portfolio=False, stdout=io.StringIO()).start()
        assert first.slack_api_url.endswith("/api/")
    # And once stopped, a new one can start (reusing moto's port so cached handler clients keep working)
    with LocalStack(port=0, template_path=template_path, load_portfolio=False, stdout=io.StringIO()) as second:
        assert second.moto_url == first.moto_url


def test_missing_portfolio_importer_or_data_is_a_warning(
    template_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with LocalStack(port=0, template_path=template_path, data_dir=tmp_path / "nope", stdout=io.StringIO()) as s:
        assert s.portfolio_counts is None
    assert "portfolio data not loaded" in capsys.readouterr().err


def test_cli_options() -> None:
    args = build_parser().parse_args(
        ["--port", "0", "--data", "d", "--slack-api-url", "http://x/api/", "--cdk-out", "out", "--config", "c.toml"]
    )
    assert (args.port, args.data, args.slack_api_url, args.cdk_out, args.config) == (
        0,
        "d",
        "http://x/api/",
        "out",
        "c.toml",
    )
    assert build_parser().parse_args([]).port == 8787


def test_cli_runs_until_sigint_and_exits_zero(template_path: Path) -> None:
    import signal
    import subprocess
    import sys

    repo = Path(__file__).resolve().parents[3]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(repo), str(Path(__file__).parent)]))
    # Given `boomerang local` on a free port, with the fixture template as its cdk.out
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "boomerang.local",
            "--port",
            "0",
            "--cdk-out",
            str(template_path.parent),
            "--data",
            str(template_path.parent / "no-data"),
        ],
        cwd=repo,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith("Boomerang local stack ready: api=http://127.0.0.1:"), line
        api = line.split("api=")[1].split()[0]
        assert urllib.request.urlopen(f"{api}/health", timeout=5).status == 200
        # When it receives SIGINT
        proc.send_signal(signal.SIGINT)
        # Then it stops cleanly with exit code 0
        assert proc.wait(timeout=15) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
