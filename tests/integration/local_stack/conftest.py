from __future__ import annotations

import io
import json
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from fixture_template import template  # noqa: E402

from boomerang.local import LocalStack  # noqa: E402


class TeeOut(io.TextIOBase):
    """Captures the stack's stdout lines (thread-safe) for assertions."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.lines: list[str] = []

    def write(self, s: str) -> int:
        with self._lock:
            self.lines.extend(line for line in s.splitlines() if line)
        return len(s)

    def json_lines(self) -> list[dict[str, Any]]:
        out = []
        with self._lock:
            lines = list(self.lines)
        for line in lines:
            if line.startswith("{"):
                out.append(json.loads(line))
        return out


def wait_for(predicate: Callable[[], Any], timeout: float = 10.0, interval: float = 0.02) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s")


@pytest.fixture(scope="session")
def template_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cdk.out") / "Boomerang.template.json"
    path.write_text(json.dumps(template(), indent=1))
    return path


@pytest.fixture(scope="session")
def stack_out() -> TeeOut:
    return TeeOut()


@pytest.fixture(scope="module")
def stack(template_path: Path, stack_out: TeeOut, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    import os

    os.environ["BOOMERANG_SLACK_BOT_TOKEN"] = "xoxb-from-env"
    try:
        local = LocalStack(port=0, template_path=template_path, load_portfolio=False, stdout=stack_out)
        local.start()
    finally:
        os.environ.pop("BOOMERANG_SLACK_BOT_TOKEN", None)
    yield local
    local.stop()


@pytest.fixture
def calls() -> dict[str, list[Any]]:
    from fakesvc import handlers

    for value in handlers.CALLS.values():
        value.clear()
    return handlers.CALLS
