"""Load a synthesized CloudFormation template and resolve the intrinsic functions CDK emits.

The local stack never keeps its own list of resources: everything is read from the template.
Every resource gets a *physical identity* (what ``Ref`` returns and what ``Fn::GetAtt`` exposes),
derived deterministically from its logical id so that names are short and stable between runs.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ACCOUNT_ID = "123456789012"
DEFAULT_REGION = "us-east-1"

# CDK appends an 8-hex-digit hash to logical ids (``StateTable8E1F2A3B``).
_CDK_HASH = re.compile(r"^(?P<stem>.+?)(?P<hash>[0-9A-F]{8})$")
_SUB_VAR = re.compile(r"\$\{([^}!][^}]*)\}")


class TemplateError(Exception):
    """The template uses something the local stack cannot resolve."""


@dataclass
class Physical:
    """What ``Ref`` and ``Fn::GetAtt`` return for one resource."""

    ref: str
    attrs: dict[str, str] = field(default_factory=dict)


@dataclass
class Resource:
    logical_id: str
    type: str
    properties: dict[str, Any]


def short_name(logical_id: str, max_len: int = 64) -> str:
    """Deterministic short physical name for a logical id: the CDK hash suffix is dropped."""
    match = _CDK_HASH.match(logical_id)
    stem = match.group("stem") if match else logical_id
    return stem[:max_len]


class Template:
    """A CloudFormation template plus the physical identities of its resources."""

    def __init__(self, body: Mapping[str, Any], region: str = DEFAULT_REGION, account_id: str = ACCOUNT_ID):
        self.body = body
        self.region = region
        self.account_id = account_id
        self.resources: dict[str, Resource] = {
            lid: Resource(lid, str(res.get("Type", "")), dict(res.get("Properties") or {}))
            for lid, res in (body.get("Resources") or {}).items()
        }
        self.parameters: dict[str, Any] = {
            name: spec.get("Default", "") for name, spec in (body.get("Parameters") or {}).items()
        }
        self.physical: dict[str, Physical] = {}
        self._names: dict[str, str] = self._assign_names()
        for lid, res in self.resources.items():
            self.physical[lid] = self._default_physical(res)

    @classmethod
    def load(cls, path: str | Path, region: str = DEFAULT_REGION) -> Template:
        with open(path, encoding="utf-8") as fh:
            return cls(json.load(fh), region=region)

    # ------------------------------------------------------------------ naming
    def _assign_names(self) -> dict[str, str]:
        names: dict[str, str] = {}
        taken: set[str] = set()
        # Shorter names first so collisions fall back to the full logical id deterministically.
        for lid in sorted(self.resources):
            name = short_name(lid)
            if name in taken:
                name = lid[:64]
            taken.add(name)
            names[lid] = name
        return names

    def name_of(self, logical_id: str) -> str:
        return self._names[logical_id]

    def by_type(self, resource_type: str) -> list[Resource]:
        return [r for r in self.resources.values() if r.type == resource_type]

    def arn(self, service: str, resource: str, region: bool = True) -> str:
        reg = self.region if region else ""
        return f"arn:aws:{service}:{reg}:{self.account_id}:{resource}"

    def _default_physical(self, res: Resource) -> Physical:
        lid, name, t = res.logical_id, self._names[res.logical_id], res.type
        if t == "AWS::DynamoDB::Table":
            arn = self.arn("dynamodb", f"table/{name}")
            return Physical(name, {"Arn": arn, "StreamArn": f"{arn}/stream/1970-01-01T00:00:00.000"})
        if t == "AWS::SQS::Queue":
            if res.properties.get("FifoQueue") is True:
                name = f"{name[:75]}.fifo"
                self._names[lid] = name
            url = f"http://sqs.{self.region}.localhost/{self.account_id}/{name}"
            return Physical(url, {"Arn": self.arn("sqs", name), "QueueName": name, "QueueUrl": url})
        if t == "AWS::Events::EventBus":
            arn = self.arn("events", f"event-bus/{name}")
            return Physical(name, {"Arn": arn, "Name": name})
        if t == "AWS::Events::Rule":
            return Physical(name, {"Arn": self.arn("events", f"rule/{name}")})
        if t == "AWS::SecretsManager::Secret":
            arn = self.arn("secretsmanager", f"secret:{name}-AbCdEf")  # replaced by moto's ARN once created
            return Physical(arn, {"Id": arn})
        if t == "AWS::StepFunctions::StateMachine":
            arn = self.arn("states", f"stateMachine:{name}")
            return Physical(arn, {"Arn": arn, "Name": name})
        if t == "AWS::Lambda::Function":
            # Contract: Lambda ARNs are arn:aws:lambda:<region>:123456789012:function:<logicalId>.
            return Physical(lid, {"Arn": self.arn("lambda", f"function:{lid}")})
        if t == "AWS::IAM::Role":
            return Physical(name, {"Arn": f"arn:aws:iam::{self.account_id}:role/{name}", "RoleId": name})
        if t == "AWS::ApiGatewayV2::Api":
            return Physical(lid.lower()[:10], {"ApiEndpoint": "http://127.0.0.1", "ApiId": lid.lower()[:10]})
        if t == "AWS::SNS::Topic":
            arn = self.arn("sns", name)
            return Physical(arn, {"TopicArn": arn, "TopicName": name})
        if t == "AWS::Pipes::Pipe":
            return Physical(name, {"Arn": self.arn("pipes", f"pipe/{name}")})
        service = t.split("::")[1].lower() if t.count("::") >= 2 else "unknown"
        return Physical(lid, {"Arn": self.arn(service, lid)})

    # ------------------------------------------------------------------ resolution
    def _pseudo(self, name: str) -> str | None:
        return {
            "AWS::Region": self.region,
            "AWS::AccountId": self.account_id,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::StackName": "Boomerang",
            "AWS::StackId": self.arn("cloudformation", "stack/Boomerang/local"),
            "AWS::NoValue": None,
        }.get(name, "")

    def ref(self, name: str) -> Any:
        if name in self.physical:
            return self.physical[name].ref
        if name in self.parameters:
            return self.parameters[name]
        if name.startswith("AWS::"):
            return self._pseudo(name)
        raise TemplateError(f"Ref to unknown resource or parameter {name!r}")

    def get_att(self, logical_id: str, attribute: str) -> str:
        phys = self.physical.get(logical_id)
        if phys is None:
            raise TemplateError(f"Fn::GetAtt on unknown resource {logical_id!r}")
        if attribute in phys.attrs:
            return phys.attrs[attribute]
        return f"{phys.ref}.{attribute}"

    def resolve(self, value: Any) -> Any:
        """Resolve Ref, Fn::GetAtt, Fn::Join, Fn::Sub, Fn::Select, Fn::Split, Fn::If (false branch
        unless the condition is known) and pseudo parameters, recursively."""
        if isinstance(value, list):
            return [self.resolve(v) for v in value]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((key, arg),) = value.items()
            if key == "Ref":
                return self.ref(arg)
            if key == "Fn::GetAtt":
                if isinstance(arg, str):
                    arg = arg.split(".", 1)
                return self.get_att(arg[0], self.resolve(arg[1]))
            if key == "Fn::Join":
                sep, parts = arg
                return str(sep).join(str(p) for p in self.resolve(parts))
            if key == "Fn::Sub":
                return self._sub(arg)
            if key == "Fn::Select":
                index, items = self.resolve(arg)
                return items[int(index)]
            if key == "Fn::Split":
                sep, source = arg
                return str(self.resolve(source)).split(sep)
            if key == "Fn::If":
                _cond, when_true, _when_false = arg
                return self.resolve(when_true)
            if key == "Fn::GetAZs":
                return [f"{self.region}a", f"{self.region}b"]
            if key == "Fn::Base64":
                import base64

                return base64.b64encode(str(self.resolve(arg)).encode()).decode()
            if key == "Fn::ImportValue":
                raise TemplateError(f"Fn::ImportValue is not supported locally: {arg!r}")
        return {k: self.resolve(v) for k, v in value.items()}

    def _sub(self, arg: Any) -> str:
        if isinstance(arg, str):
            text, variables = arg, {}
        else:
            text, variables = arg[0], self.resolve(arg[1])

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name in variables:
                return str(variables[name])
            if "." in name:
                lid, attr = name.split(".", 1)
                return str(self.get_att(lid, attr))
            return str(self.ref(name))

        return _SUB_VAR.sub(replace, text).replace("${!", "${")
