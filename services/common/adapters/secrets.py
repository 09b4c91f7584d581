"""The Boomerang secret (webhook signing keys, Slack credentials), via Powertools Parameters with caching."""

from __future__ import annotations

import os
from typing import Any

_MAX_AGE_SECONDS = 300  # a rotated secret is picked up within five minutes
# The deployed secret starts with this placeholder; it is public, so it must never verify anything.
PLACEHOLDER = "REPLACE_ME"


def boomerang_secrets() -> dict[str, str]:
    from aws_lambda_powertools.utilities import parameters

    value: Any = parameters.get_secret(os.environ["SECRETS_ID"], transform="json", max_age=_MAX_AGE_SECONDS)
    return {str(k): str(v) for k, v in (value or {}).items() if v and v != PLACEHOLDER}
