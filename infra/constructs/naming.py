"""Stable, readable CloudFormation logical IDs for the resources named in docs/architecture.md."""

from __future__ import annotations

from aws_cdk import CfnElement
from constructs import IConstruct


def set_logical_id(construct: IConstruct, logical_id: str) -> None:
    """Give an L2 construct's CloudFormation resource (its default child) a fixed logical ID."""
    child = construct.node.default_child
    if not isinstance(child, CfnElement):
        raise TypeError(f"{construct.node.path} has no CloudFormation default child")
    child.override_logical_id(logical_id)
