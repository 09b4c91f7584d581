"""``--endpoint-url``: point a command at the local stack's moto server instead of AWS.

Every command that reads or writes the deployed resources takes it (``portfolio import``, ``quarantine``,
``raw show``, ``cadence run``, ``health --customer``, ``forecast`` without ``--portfolio``): give it the ``moto=``
URL ``boomerang local`` prints. Without it, boto3's usual credentials, region and ``AWS_ENDPOINT_URL`` apply.
"""

from __future__ import annotations

import argparse
import os


def add_endpoint_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--endpoint-url",
        metavar="URL",
        default=None,
        help="AWS endpoint to use instead of AWS: the moto= URL `boomerang local` prints (no credentials needed)",
    )


def use_endpoint(args: argparse.Namespace) -> None:
    """Point every client at ``--endpoint-url`` (the local stack needs no real credentials)."""
    if not getattr(args, "endpoint_url", None):
        return
    os.environ["AWS_ENDPOINT_URL"] = args.endpoint_url
    for key, value in (
        ("AWS_ACCESS_KEY_ID", "testing"),
        ("AWS_SECRET_ACCESS_KEY", "testing"),
        ("AWS_DEFAULT_REGION", "us-east-1"),
        ("AWS_REGION", os.environ.get("AWS_DEFAULT_REGION", "us-east-1")),
    ):
        os.environ.setdefault(key, value)
