"""Shared fixtures for the infrastructure tests: the Boomerang app is synthesized once per session.

Synthesis runs cdk-nag (AwsSolutions) exactly like ``python app.py``; under pytest CDK raises on any
unacknowledged finding, so a failing nag check surfaces as a fixture error with the full report.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:  # plain `pytest` (not `python -m pytest`) does not add the repo root
    sys.path.insert(0, str(REPO_ROOT))

from aws_cdk import App  # noqa: E402
from aws_cdk.assertions import Template  # noqa: E402

from infra.main import STACK_NAME, build_app  # noqa: E402

PSEUDO_PREFIX = "AWS::"


@dataclass(frozen=True)
class Synth:
    app: App
    template: Template
    resources: dict[str, Any]
    outputs: dict[str, Any]
    report: dict[str, Any]
    outdir: Path

    def resource(self, logical_id: str, cfn_type: str) -> dict[str, Any]:
        found = self.resources.get(logical_id)
        assert found is not None, f"no resource {logical_id}"
        assert found["Type"] == cfn_type, f"{logical_id} is a {found['Type']}, not {cfn_type}"
        return found

    def props(self, logical_id: str, cfn_type: str) -> dict[str, Any]:
        props: dict[str, Any] = self.resource(logical_id, cfn_type)["Properties"]
        return props

    def of_type(self, cfn_type: str) -> dict[str, dict[str, Any]]:
        return {k: v for k, v in self.resources.items() if v["Type"] == cfn_type}

    @staticmethod
    def flatten(expression: Any) -> str:
        return flatten(expression)

    def role_permissions(self, role_logical_id: str) -> dict[str, set[str]]:
        """Every IAM action the role's identity policies allow, grouped by (a label of) the resource."""
        allowed: dict[str, set[str]] = {}
        for policy in self.of_type("AWS::IAM::Policy").values():
            if {"Ref": role_logical_id} not in policy["Properties"]["Roles"]:
                continue
            for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
                assert statement["Effect"] == "Allow"
                for resource in _as_list(statement["Resource"]):
                    allowed.setdefault(resource_label(resource), set()).update(_as_list(statement["Action"]))
        return allowed


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def referenced_ids(expression: Any) -> list[str]:
    """Logical IDs referenced (Ref / Fn::GetAtt) anywhere in a CloudFormation expression."""
    found: list[str] = []
    if isinstance(expression, dict):
        if "Ref" in expression and not str(expression["Ref"]).startswith(PSEUDO_PREFIX):
            found.append(expression["Ref"])
        elif "Fn::GetAtt" in expression:
            found.append(expression["Fn::GetAtt"][0])
        else:
            for value in expression.values():
                found.extend(referenced_ids(value))
    elif isinstance(expression, list):
        for value in expression:
            found.extend(referenced_ids(value))
    return found


def flatten(expression: Any) -> str:
    """Render an expression as text: ``{"Ref": X}`` -> ``${X}``, ``GetAtt [X, A]`` -> ``${X.A}``."""
    if isinstance(expression, str):
        return expression
    if isinstance(expression, dict):
        if "Ref" in expression:
            return "${" + expression["Ref"] + "}"
        if "Fn::GetAtt" in expression:
            return "${" + ".".join(expression["Fn::GetAtt"]) + "}"
        if "Fn::Join" in expression:
            separator, parts = expression["Fn::Join"]
            return str(separator).join(flatten(part) for part in parts)
    raise AssertionError(f"cannot flatten {expression!r}")


def resource_label(resource: Any) -> str:
    """``*`` stays ``*``; an ARN of a stack resource becomes its logical ID (plus any suffix)."""
    if resource == "*":
        return "*"
    ids = referenced_ids(resource)
    if len(ids) == 1 and isinstance(resource, dict) and "Fn::GetAtt" in resource:
        return ids[0]
    if len(ids) == 1 and isinstance(resource, dict) and "Ref" in resource:
        return ids[0]
    return flatten(resource)


@pytest.fixture(scope="session")
def synth(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Synth]:
    # Given the Boomerang app built exactly as app.py builds it (cdk-nag included)
    outdir = tmp_path_factory.mktemp("cdk.out")
    app, _stack = build_app(outdir=str(outdir))
    # When it is synthesized
    assembly = app.synth()
    template_json = assembly.get_stack_by_name(STACK_NAME).template
    report_file = outdir / "validation-report.json"
    report = json.loads(report_file.read_text()) if report_file.exists() else {"pluginReports": []}
    yield Synth(
        app=app,
        template=Template.from_json(template_json),
        resources=template_json["Resources"],
        outputs=template_json.get("Outputs", {}),
        report=report,
        outdir=outdir,
    )
