"""`make demo`: start the local stack, replay examples/webhooks, show each DM as a CSM would read it."""

from __future__ import annotations

import argparse
import json
import textwrap
import time
import urllib.parse
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from boomerang.portfolio.csv_files import read_portfolio
from boomerang.replay import decisions, deliver, load_samples, post, rebase, wait_until_idle
from boomerang.signing import sign

ROOT = Path(__file__).resolve().parent.parent


def _mrkdwn(text: str) -> str:
    return text.replace("*", "").replace("\n>", "\n    ").replace(">", "    ", 1 if text.startswith(">") else 0)


def render_dm(call: dict[str, Any], names: dict[str, str]) -> str:
    """A DM's blocks as plain text: who / what / why, then its buttons."""
    payload = call["payload"]
    blocks = payload.get("blocks") or []
    if isinstance(blocks, str):
        blocks = json.loads(blocks)
    channel = str(payload.get("channel"))
    lines = [f"── Slack DM to {names.get(channel, channel)} ({channel}) " + "─" * 40]
    for block in blocks:
        if block.get("type") == "section":
            lines.append(_mrkdwn(block["text"]["text"]))
        elif block.get("type") == "actions":
            lines.append("   ".join(f"[{e['text']['text']}]" for e in block["elements"]))
        elif block.get("type") == "context":
            lines.extend(_mrkdwn(e.get("text", "")) for e in block["elements"])
        lines.append("")
    return "\n".join(
        textwrap.fill(line, 110, subsequent_indent="    ") if len(line) > 110 and "\n" not in line else line
        for line in lines
    )


def _approve(stack: Any, dm: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """Taps Approve on a DM the way Slack would post it (signed, form-encoded)."""
    blocks = dm["payload"]["blocks"]
    blocks = json.loads(blocks) if isinstance(blocks, str) else blocks
    button = next(b for b in blocks if b["type"] == "actions")["elements"][0]
    payload = {
        "type": "block_actions",
        "user": {"id": dm["payload"]["channel"]},
        "container": {"type": "message", "channel_id": dm["response"]["channel"], "message_ts": dm["response"]["ts"]},
        "actions": [{"action_id": button["action_id"], "value": button["value"], "type": "button"}],
    }
    body = urllib.parse.urlencode({"payload": json.dumps(payload)}).encode()
    headers = sign("slack", body, stack.secrets["slack_signing_secret"])
    return post(f"{stack.api_url}/slack/interactions", body, headers)


def run(argv: list[str]) -> int:
    import os

    # The handlers' JSON logs would bury the DMs; warnings and errors still show.
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
    from boomerang.local.stack import LocalStack

    parser = argparse.ArgumentParser(prog="boomerang demo", description=__doc__)
    parser.add_argument("--webhooks", default=str(ROOT / "examples" / "webhooks"))
    parser.add_argument("--data", default=str(ROOT / "examples" / "portfolio"))
    parser.add_argument(
        "--side-effects",
        default=str(ROOT / ".build" / "demo-side-effects.jsonl"),
        help="where the raw JSON lines of every Slack call and email go",
    )
    args = parser.parse_args(argv)

    log_path = Path(args.side_effects)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    samples = rebase(load_samples(Path(args.webhooks)), datetime.now(UTC))
    with log_path.open("w", encoding="utf-8") as log, LocalStack(port=0, data_dir=args.data, stdout=log) as stack:
        print(f"Local stack up at {stack.api_url}; replaying {len(samples)} signed webhooks from {args.webhooks}\n")
        deliveries = []
        for sample in samples:
            delivery = deliver(stack.api_url, sample, stack.secrets)
            deliveries.append(delivery)
            note = delivery.answer.get("error") or delivery.answer.get("ignored") or "accepted"
            print(f"  {delivery.status}  {sample.source:9} {sample.name:45} {note}")
        wait_until_idle(stack)
        dms = [c for c in stack.slack_calls if c["method"] == "chat.postMessage"]
        names = {m.slack_user_id: m.name for m in read_portfolio(Path(args.data)).members if m.slack_user_id}
        print()
        for dm in dms:
            print(render_dm(dm, names))
        outcomes = [d for d in decisions(stack)]
        blocked = [d for d in outcomes if d.get("outcome") == "blocked"]
        for item in blocked:
            print(
                f"⛔ Not sent — {item.get('reason')} "
                f"({item.get('event', {}).get('account_id', '?')}): the CSM sees nothing until it is clean."
            )
        if dms:
            started = time.perf_counter()
            status, _ = _approve(stack, dms[0])
            wait_until_idle(stack)
            updates = [c for c in stack.slack_calls if c["method"] == "chat.update"]
            print(
                f"\n👆 The CSM taps Approve on the first DM → HTTP {status}; "
                f"DM updated: {updates[-1]['payload'].get('text') if updates else 'no'}; "
                f"emails sent: {len(stack.emails)} ({(time.perf_counter() - started) * 1000:.0f} ms)"
            )
        accepted = sum(1 for d in deliveries if d.status in (200, 202))
        print(
            f"\nSummary: {len(samples)} webhooks, {accepted} accepted → {len(dms)} DMs, {len(blocked)} blocked, "
            f"{sum(1 for d in outcomes if d.get('outcome') == 'not_a_trigger')} not a peak moment. "
            f"Raw Slack/email side effects: {log_path}"
        )
    return 0 if dms else 1
