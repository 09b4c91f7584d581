"""The vendor credentials secret (Delighted API key, Slack signing secret, Slack bot token)."""

from __future__ import annotations

import json

from aws_cdk import RemovalPolicy
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from infra.constructs.naming import set_logical_id
from infra.nag import acknowledge

SLACK_KEYS = ("slack_signing_secret", "slack_bot_token")
GENERATED_KEY = "generic_signing_secret"  # ours to issue to senders, so generated rather than pasted


def secret_keys() -> tuple[str, ...]:
    """Every webhook source's key (from the source registry, never a second list) plus Slack's."""
    from services.ingest.logic.sources import sources

    return (*sorted({source.secret_key for source in sources().values()}), *SLACK_KEYS)


SECRET_KEYS = secret_keys()
PLACEHOLDER = "REPLACE_ME"


class Secrets(Construct):
    """One JSON secret holding every vendor credential.

    Deploys with placeholders so the stack is deployable before the real values exist. The generic signing
    secret is ours to issue, so it is generated (senders read it from the secret); vendor keys are
    ``REPLACE_ME``, which the functions treat as "not configured" (503), never as a key. Operators paste
    the real values in the console / CLI after the first deploy.
    """

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        template = {key: PLACEHOLDER for key in SECRET_KEYS if key != GENERATED_KEY}
        self.secret = secretsmanager.Secret(
            self,
            "Secret",
            description="Boomerang vendor credentials (JSON: " + ", ".join(SECRET_KEYS) + ").",
            generate_secret_string=secretsmanager.SecretStringGenerator(
                secret_string_template=json.dumps(template),
                generate_string_key=GENERATED_KEY,
                exclude_punctuation=True,
                password_length=48,
            ),
            removal_policy=RemovalPolicy.RETAIN,
        )
        set_logical_id(self.secret, "BoomerangSecret")
        acknowledge(
            self.secret,
            "AwsSolutions-SMG4",
            "Vendor-issued credentials (Delighted API key, Slack signing secret and bot token) can only be "
            "rotated in the vendors' consoles; Secrets Manager rotation cannot apply to them.",
        )
