"""Builds the CDK app the same way for ``app.py``, ``cdk synth`` and the tests."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from aws_cdk import App, Tags

from infra.nag import STRICT_VALIDATION_CONTEXT, enable_nag
from infra.stack import BoomerangStack

STACK_NAME = "Boomerang"
CDK_JSON = Path(__file__).resolve().parent.parent / "cdk.json"


def project_context() -> dict[str, Any]:
    """The ``context`` block of cdk.json (feature flags), so a plain ``python app.py`` matches ``cdk synth``."""
    context: dict[str, Any] = json.loads(CDK_JSON.read_text()).get("context", {})
    # Warnings from validation plugins (cdk-nag) fail synthesis, not only errors.
    context[STRICT_VALIDATION_CONTEXT] = True
    return context


def build_app(outdir: str | None = None) -> tuple[App, BoomerangStack]:
    app = App(outdir=outdir or os.environ.get("CDK_OUTDIR", "cdk.out"), context=project_context())
    stack = BoomerangStack(
        app,
        STACK_NAME,
        description="Boomerang: peak-satisfaction triggers for Customer Success, delivered in Slack.",
    )
    Tags.of(stack).add("Project", "Boomerang")
    enable_nag(app)
    return app, stack
