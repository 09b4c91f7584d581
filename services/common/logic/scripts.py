"""Filling the rules file's script templates."""

from __future__ import annotations

from collections import defaultdict


def render(template: str, values: dict[str, str]) -> str:
    # Unknown names were rejected when the config was validated; blanks never raise at send time.
    return template.format_map(defaultdict(str, values))
