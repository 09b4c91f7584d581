"""Shared composition: what every service's ``wiring.py`` builds from its settings the same way.

Each builder is ``@per_container``: built on first use, kept for the container, cleared by
``per_container.reset()`` (the local stack and the tests).
"""

from __future__ import annotations

from collections.abc import Callable

from services.common.models.config import BoomerangConfig, load_config
from services.common.per_container import per_container


@per_container
def rules(path: str) -> BoomerangConfig:
    """The rules file (``boomerang.toml``), read and validated once per container."""
    return load_config(path)


@per_container
def secret(secret_id: str) -> Callable[[], dict[str, str]]:
    """The Boomerang secret's keys (Powertools Parameters caches the value for five minutes)."""
    from services.common.adapters.secrets import BoomerangSecret

    return BoomerangSecret(secret_id)
