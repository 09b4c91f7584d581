"""The Boomerang secret (webhook signing keys, Slack credentials), via Powertools Parameters with caching."""

from __future__ import annotations

import functools
import os
from typing import Any

from services.common.adapters.dynamo import client

_MAX_AGE_SECONDS = 300  # a rotated secret is picked up within five minutes
# The deployed secret starts with this placeholder; it is public, so it must never verify anything.
PLACEHOLDER = "REPLACE_ME"


@functools.cache
def _provider(secretsmanager: Any) -> Any:
    # Built on our shared, lazily created client (not Powertools' module-level default), so whatever
    # endpoint the process is pointed at (moto, the local stack) is the one used.
    from aws_lambda_powertools.utilities.parameters import SecretsProvider

    return SecretsProvider(boto3_client=secretsmanager)


def boomerang_secrets() -> dict[str, str]:
    value: Any = _provider(client("secretsmanager")).get(
        os.environ["SECRETS_ID"], transform="json", max_age=_MAX_AGE_SECONDS
    )
    return {str(k): str(v) for k, v in (value or {}).items() if v and v != PLACEHOLDER}
