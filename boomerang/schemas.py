"""`boomerang schemas`: writes the canonical events' JSON Schemas into services/common/schemas/ and the catalog
into docs/events.md; `--check` (run by `make test`) fails when either drifted from the models."""

from __future__ import annotations

import json
from pathlib import Path

from services.common.models.events import ABOUT, CATALOG, json_schemas

ROOT = Path(__file__).resolve().parent.parent
SCHEMA_DIR = ROOT / "services" / "common" / "schemas"
CATALOG_DOC = ROOT / "docs" / "events.md"


def rendered() -> dict[str, str]:
    return {
        f"{name}.json": json.dumps(schema, indent=2, sort_keys=True) + "\n" for name, schema in json_schemas().items()
    }


def catalog_markdown() -> str:
    lines = [
        "# Canonical event catalog",
        "",
        "Generated from `services/common/models/events.py` by `boomerang schemas`; `make test` fails if it drifts.",
        "Every event on the bus has `DetailType` = its type and `Detail` = the envelope below; JSON Schemas",
        "are in `services/common/schemas/` (`CanonicalEvent.json` is the discriminated union of all types).",
        "",
        "Envelope: `event_id` (deterministic per vendor delivery), `source`, `source_event_id`, `account_id`,",
        "`occurred_at`, `received_at` (timezone-aware ISO-8601), `type`, `data` (typed, below), `raw_ref`.",
        "",
        "| type | produced by | meaning | data fields (* required) |",
        "|---|---|---|---|",
    ]
    for event_type, model in CATALOG.items():
        producer, meaning = ABOUT[event_type]
        fields = ", ".join(
            f"`{name}`{'*' if field.is_required() else ''}" for name, field in model.model_fields.items()
        )
        lines.append(f"| `{event_type.value}` | {producer} | {meaning} | {fields or '—'} |")
    return "\n".join(lines) + "\n"


def export(directory: Path = SCHEMA_DIR) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in rendered().items():
        path = directory / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    if directory == SCHEMA_DIR:
        CATALOG_DOC.write_text(catalog_markdown(), encoding="utf-8")
        written.append(CATALOG_DOC)
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
    if directory == SCHEMA_DIR and (
        not CATALOG_DOC.is_file() or CATALOG_DOC.read_text(encoding="utf-8") != catalog_markdown()
    ):
        problems.append(str(CATALOG_DOC.name))
    return sorted(problems)
