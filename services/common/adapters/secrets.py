"""The Boomerang secret (webhook signing keys, Slack credentials), via Powertools Parameters with caching."""

from __future__ import annotations

import sys
from typing import Any

from services.common.adapters.aws import client
from services.common.per_container import on_reset, per_container
from services.common.storage import SECRET_PLACEHOLDER

_MAX_AGE_SECONDS = 300  # a rotated secret is picked up within five minutes


@per_container
def _provider(secretsmanager: Any) -> Any:
    # Built on our shared, lazily created client (not Powertools' module-level default), so whatever
    # endpoint the process is pointed at (moto, the local stack) is the one used.
    from aws_lambda_powertools.utilities.parameters import SecretsProvider

    return SecretsProvider(boto3_client=secretsmanager)


class BoomerangSecret:
    """Reads the secret ``secret_id`` names (cached for five minutes); unset and placeholder keys are left out."""

    def __init__(self, secret_id: str) -> None:
        self.secret_id = secret_id

    def __call__(self) -> dict[str, str]:
        value: Any = _provider(client("secretsmanager")).get(self.secret_id, transform="json", max_age=_MAX_AGE_SECONDS)
        return {str(k): str(v) for k, v in (value or {}).items() if v and v != SECRET_PLACEHOLDER}


@on_reset
def _clear_parameter_caches() -> None:
    if "aws_lambda_powertools.utilities.parameters" in sys.modules:
        from aws_lambda_powertools.utilities import parameters

        parameters.clear_caches()
