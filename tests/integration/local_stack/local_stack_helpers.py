"""Helpers shared by the local stack tests."""

from __future__ import annotations

import io
import json
import threading
import time
from collections.abc import Callable
from typing import Any


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
