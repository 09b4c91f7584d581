"""Unit tests reach no network: every socket is refused (pytest-socket), except where a test declares the
hosts it needs with ``@pytest.mark.allow_hosts([...])`` (loopback only, by house rule)."""

from __future__ import annotations

from pathlib import Path

import pytest

UNIT = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if UNIT in Path(str(item.path)).resolve().parents and not item.get_closest_marker("allow_hosts"):
            item.add_marker(pytest.mark.disable_socket)
