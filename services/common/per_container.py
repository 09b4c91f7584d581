"""What a Lambda container builds once and keeps: clients, the rules file, each service's objects.

``@per_container`` caches a builder (``functools.cache``) and enters it in one registry. In AWS a new
deployment gets new containers; in one Python process (the local stack, the tests) the modules outlive a
stack, so ``reset()`` clears every builder at once, whichever service registered it. A builder is
registered when its module is imported: a module never loaded has nothing to clear.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

_BUILDERS: list[Any] = []
_HOOKS: list[Callable[[], None]] = []


def per_container(builder: F) -> F:
    cached = functools.cache(builder)
    _BUILDERS.append(cached)
    return cached  # type: ignore[return-value]


def on_reset(hook: Callable[[], None]) -> Callable[[], None]:
    """Also run ``hook`` on ``reset()`` (a library's own cache, e.g. Powertools Parameters')."""
    _HOOKS.append(hook)
    return hook


def reset() -> None:
    for builder in _BUILDERS:
        builder.cache_clear()
    for hook in _HOOKS:
        hook()
