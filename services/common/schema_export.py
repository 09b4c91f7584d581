"""Writes the canonical events' JSON Schemas next to the models; a test fails when they drift."""

from __future__ import annotations

import json
from pathlib import Path

from services.common.events import json_schemas

SCHEMA_DIR = Path(__file__).with_name("schemas")


def rendered() -> dict[str, str]:
    return {
        f"{name}.json": json.dumps(schema, indent=2, sort_keys=True) + "\n" for name, schema in json_schemas().items()
    }


def export(directory: Path = SCHEMA_DIR) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in rendered().items():
        path = directory / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def drift(directory: Path = SCHEMA_DIR) -> list[str]:
    """Names of schema files that are missing, stale or no longer produced."""
    expected = rendered()
    problems = [
        name
        for name, text in expected.items()
        if not (directory / name).is_file() or (directory / name).read_text(encoding="utf-8") != text
    ]
    problems += [p.name for p in directory.glob("*.json") if p.name not in expected]
    return sorted(problems)
