from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = ROOT / "examples" / "cs"
PORTFOLIO = ROOT / "examples" / "portfolio"


@pytest.fixture(autouse=True)
def _default_health(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run from an empty directory, so no ./boomerang.toml applies: the model's defaults (40/30/30, 80/60)."""
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def write_csv(tmp_path: Path) -> Callable[[str, str], Path]:
    def write(name: str, body: str) -> Path:
        path = tmp_path / name
        path.write_text(body.lstrip("\n"), encoding="utf-8")
        return path

    return write


def parse_json(text: str) -> dict:
    return json.loads(text)


def lacking(text: str, *parts: str) -> list[str]:
    """The ``parts`` that ``text`` does not show: ``assert lacking(out, …) == []`` names every one that is missing."""
    return [part for part in parts if part not in text]
