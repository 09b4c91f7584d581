"""cdk-nag wiring: the AwsSolutions pack runs on every synth and any unacknowledged finding fails it.

Acknowledgements are made with CDK's native ``Validations.of(construct).acknowledge`` (cdk-nag 3), always on
the narrowest construct that needs them and always with a specific reason.
"""

from __future__ import annotations

from aws_cdk import Acknowledgment, App, Validations
from cdk_nag import AwsSolutionsChecks
from constructs import IConstruct

#: Name of the cdk-nag pack; also the namespace of its rule IDs in CDK's validation framework.
PACK = "AwsSolutions"
#: Context switch making *warning*-level validation findings fail synthesis too (errors always do).
STRICT_VALIDATION_CONTEXT = "@aws-cdk/core:strictCfnValidateErrors"


def enable_nag(app: App) -> None:
    """Register the AwsSolutions checks on the whole app."""
    Validations.of(app).add_plugins(AwsSolutionsChecks(app, verbose=True))


def acknowledge(scope: IConstruct, rule: str, reason: str) -> None:
    """Acknowledge one cdk-nag finding (``AwsSolutions-XYZ`` or ``AwsSolutions-IAM5[Resource::...]``)."""
    if not reason.strip():
        raise ValueError(f"an acknowledgement of {rule} needs a reason")
    if not rule.startswith(f"{PACK}-"):
        raise ValueError(f"not an {PACK} rule: {rule}")
    # Namespaced ("AwsSolutions::AwsSolutions-SQS3"): CDK then records the suppressed finding and its
    # reason in cdk.out/validation-report.json, which makes the acknowledgements auditable.
    Validations.of(scope).acknowledge(Acknowledgment(id=f"{PACK}::{rule}", reason=reason))
