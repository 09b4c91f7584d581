"""Stable, readable CloudFormation logical IDs for the resources named in docs/architecture.md."""

from __future__ import annotations

from aws_cdk import CfnElement
from constructs import IConstruct


def set_logical_id(construct: IConstruct, logical_id: str) -> None:
    """Give a CloudFormation resource (an L1, or an L2's default child) a fixed logical ID."""
    child = construct if isinstance(construct, CfnElement) else construct.node.default_child
    if not isinstance(child, CfnElement):
        raise TypeError(f"{construct.node.path} has no CloudFormation default child")
    child.override_logical_id(logical_id)
