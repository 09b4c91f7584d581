"""Operator commands for what ingest keeps: ``boomerang quarantine list|replay`` and ``boomerang raw show``.

They work against the deployed stack (names from its outputs: ``QuarantineTableName``,
``QuarantineReplayFunctionName``; a raw_ref names its own bucket) with your AWS credentials, and against
the local stack with ``--endpoint-url`` set to the ``moto=`` URL ``boomerang local`` prints (boomerang/aws_endpoint.py).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

from boomerang.aws_endpoint import add_endpoint_arg, use_endpoint
from services.ingest.models.quarantine import REASONS

#: The replay function stops starting new replays 20 s before its 5-minute timeout; wait a little longer.
INVOKE_READ_TIMEOUT_S = 330


def add_commands(commands: Any) -> None:
    quarantine = commands.add_parser("quarantine", help="deliveries kept because they could not be used yet")
    actions = quarantine.add_subparsers(dest="action", required=True)

    listing = actions.add_parser("list", help="pending items, oldest first (no Scan: one query per reason)")
    listing.add_argument("--table", required=True, help="QuarantineTableName from the stack outputs")
    listing.add_argument("--reason", choices=REASONS, help="only this reason")
    listing.add_argument("--source", help="only this webhook source")
    listing.add_argument(
        "--format", choices=("table", "json"), default="table", help="table for humans, json for machines"
    )
    add_endpoint_arg(listing)
    listing.set_defaults(run=_list)

    replay = actions.add_parser(
        "replay",
        help="re-run parse → resolve → publish on kept items with today's mappings and rules",
        description="Replay the given items, or every pending item with --reason (bulk). Idempotent: an item "
        "published before is not published again. Exit status 1 if any item is still quarantined.",
    )
    replay.add_argument("ids", nargs="*", metavar="ID", help="quarantine ids (from `quarantine list`)")
    replay.add_argument("--reason", choices=REASONS, help="replay every pending item with this reason")
    replay.add_argument("--source", help="with --reason: only this source's items")
    replay.add_argument("--function", required=True, help="QuarantineReplayFunctionName from the stack outputs")
    add_endpoint_arg(replay)
    replay.set_defaults(run=_replay)

    raw = commands.add_parser("raw", help="raw webhook bodies kept in the archive")
    raw_actions = raw.add_subparsers(dest="action", required=True)
    show = raw_actions.add_parser("show", help="print the exact body a canonical event's raw_ref points at")
    show.add_argument("ref", help="s3://<bucket>/raw/YYYY/MM/dd/HH/#<record id> (an event's raw_ref)")
    show.add_argument("--meta", action="store_true", help="print source, received time, type and size instead")
    add_endpoint_arg(show)
    show.set_defaults(run=_raw_show)


def _list(args: argparse.Namespace) -> int:
    from services.ingest.adapters.quarantine import DynamoQuarantine

    use_endpoint(args)
    store = DynamoQuarantine(args.table)
    items = [i for reason in ([args.reason] if args.reason else REASONS) for i in store.pending(reason, args.source)]
    items.sort(key=lambda i: i.received_at)
    rows = [
        {
            "id": i.quarantine_id,
            "reason": i.reason,
            "source": i.source,
            "received_at": i.received_at.isoformat(),
            "deliveries": i.deliveries,
            "attempts": i.attempts,
            "waiting_for": list(i.waiting_for),
            "pending_events": list(i.pending_events),
            "message": i.message,
        }
        for i in items
    ]
    if args.format == "json":
        print(json.dumps(rows, indent=2))
        return 0
    if not rows:
        print("the quarantine is empty" + (f" for {args.reason}" if args.reason else ""))
        return 0
    print(f"{'ID':<36} {'REASON':<17} {'SOURCE':<10} {'RECEIVED':<20} {'N':>3}  MESSAGE")
    for row in rows:
        message = str(row["message"])
        message = message if len(message) <= 70 else message[:69] + "…"
        received = str(row["received_at"])[:19]
        print(
            f"{row['id']:<36} {row['reason']:<17} {row['source']:<10} {received:<20} {row['deliveries']:>3}  {message}"
        )
    return 0


def _replay(args: argparse.Namespace) -> int:
    if bool(args.ids) == bool(args.reason):
        print("give quarantine ids, or --reason for a bulk replay (not both)", file=sys.stderr)
        return 2
    if args.source and not args.reason:
        print("--source narrows a bulk replay: it needs --reason", file=sys.stderr)
        return 2
    use_endpoint(args)
    request: dict[str, Any] = {"ids": args.ids} if args.ids else {"reason": args.reason, "source": args.source}
    counts: dict[str, int] = {}
    while True:
        answer = invoke(args.function, request)
        if "results" not in answer:
            print(json.dumps(answer), file=sys.stderr)
            return 1
        for result in answer["results"]:
            counts[result["result"]] = counts.get(result["result"], 0) + 1
            print(json.dumps(result))
        if not answer.get("more"):
            break
        request["after"] = answer["next"]  # items still failing stay listed: go on after the last one
    summary = ", ".join(f"{n} {result}" for result, n in sorted(counts.items())) or "nothing to replay"
    print(summary, file=sys.stderr)
    return 0 if set(counts) <= {"replayed", "already_replayed"} else 1


def invoke(function: str, payload: dict[str, Any]) -> dict[str, Any]:
    """Invoke the replay function synchronously (it may run for minutes on a bulk replay)."""
    import boto3
    from botocore.config import Config

    config = Config(read_timeout=INVOKE_READ_TIMEOUT_S, connect_timeout=10, retries={"max_attempts": 0})
    client = boto3.session.Session().client("lambda", config=config, region_name=os.environ.get("AWS_REGION"))
    response = client.invoke(FunctionName=function, Payload=json.dumps(payload).encode())
    body = response["Payload"].read()
    answer = json.loads(body) if body else {}
    if response.get("FunctionError"):
        return {"error": "function_error", "detail": answer}
    return answer if isinstance(answer, dict) else {"error": "unexpected answer", "detail": answer}


def _raw_show(args: argparse.Namespace) -> int:
    from services.ingest.adapters.archive import RawReader

    use_endpoint(args)
    try:
        raw = RawReader().fetch(args.ref)
    except (ValueError, LookupError) as exc:
        print(str(exc).strip("'\""), file=sys.stderr)
        return 1
    if args.meta:
        meta = {
            "record_id": raw.record_id,
            "source": raw.source,
            "received_at": raw.received_at.isoformat(),
            "content_type": raw.content_type,
            "bytes": len(raw.body),
        }
        print(json.dumps(meta))
        return 0
    sys.stdout.buffer.write(raw.body)
    sys.stdout.buffer.flush()
    return 0
