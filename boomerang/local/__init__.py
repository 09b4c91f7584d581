"""Boomerang local stack: the synthesized CDK template run on moto with in-process handlers."""

from .stack import LocalStack

__all__ = ["LocalStack"]
