"""A function's environment as a validated model, read once: each service's wiring declares the fields it needs.

Field aliases are the variable names of the storage contract (services/common/storage.py); a missing or empty
variable is a ``MisconfiguredEnvironment`` naming it, raised when the service is first built, not a KeyError
deep inside an adapter.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from services.common.models.errors import MisconfiguredEnvironment
from services.common.storage import Env


def env_field(variable: Env, default: Any = ..., **kwargs: Any) -> Any:
    """A setting read from ``variable`` (required unless a default is given)."""
    return Field(default, alias=variable.value, **kwargs)


class FunctionSettings(BaseModel):
    """What every function is given: the rules file bundled with its code."""

    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True, defer_build=True)

    rules_file: str = env_field(Env.BOOMERANG_CONFIG, "boomerang.toml")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Self:
        values = {k: v for k, v in (os.environ if environ is None else environ).items() if v}
        try:
            return cls.model_validate(values)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in error['loc'])}: {error['msg'].lower()}" for error in exc.errors()
            )
            raise MisconfiguredEnvironment(f"{cls.__name__} from the environment: {problems}") from None
