"""``boomerang local``: run the stack until SIGINT/SIGTERM."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from typing import Any

from .stack import LocalStack


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="boomerang local",
        description="Run Boomerang locally: the synthesized CDK template on moto, handlers in-process, until Ctrl-C. "
        "It prints the API, Slack sink and moto URLs: give the moto= URL to the other commands' --endpoint-url.",
    )
    parser.add_argument("--port", type=int, default=8787, help="HTTP API port (default 8787; 0 = pick a free port)")
    parser.add_argument(
        "--data", metavar="DIR", default="examples/portfolio", help="portfolio directory to import (examples/portfolio)"
    )
    parser.add_argument(
        "--slack-api-url",
        metavar="URL",
        default=None,
        help="Slack Web API base URL (default: built-in local sink that prints every call)",
    )
    parser.add_argument(
        "--cdk-out", metavar="DIR", default="cdk.out", help="CDK output directory (cdk.out; synthesized if missing)"
    )
    parser.add_argument(
        "--config", metavar="FILE", default=None, help="rules file (default: boomerang.toml in the repo)"
    )
    return parser


def run(argv: list[str]) -> int:
    args = build_parser().parse_args(argv)
    stop = threading.Event()

    def on_signal(signum: int, frame: Any) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    stack = LocalStack(
        port=args.port,
        data_dir=args.data,
        slack_api_url=args.slack_api_url,
        cdk_out=args.cdk_out,
        config_path=args.config,
    )
    try:
        stack.start()
        while not stop.wait(0.2):
            pass
        print("[boomerang-local] stopping", file=sys.stderr, flush=True)
    finally:
        stack.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0
