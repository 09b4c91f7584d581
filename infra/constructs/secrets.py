"""The vendor credentials secret (Delighted API key, Slack signing secret, Slack bot token)."""

from __future__ import annotations

import json

from aws_cdk import RemovalPolicy
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from infra.constructs.naming import set_logical_id
from infra.nag import acknowledge
from services.common.storage import GENERATED_SECRET_KEY, SECRET_KEYS, SECRET_PLACEHOLDER


class Secrets(Construct):
    """One JSON secret holding every vendor credential.

    Deploys with placeholders so the stack is deployable before the real values exist. The generic signing
    secret is ours to issue, so it is generated (senders read it from the secret); vendor keys are
    ``REPLACE_ME``, which the functions treat as "not configured" (503), never as a key. Operators paste
    the real values in the console / CLI after the first deploy.
    """

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        template = {key: SECRET_PLACEHOLDER for key in SECRET_KEYS if key != GENERATED_SECRET_KEY}
        self.secret = secretsmanager.Secret(
            self,
            "Secret",
            description="Boomerang vendor credentials (JSON: " + ", ".join(SECRET_KEYS) + ").",
            generate_secret_string=secretsmanager.SecretStringGenerator(
                secret_string_template=json.dumps(template),
                generate_string_key=GENERATED_SECRET_KEY,
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
