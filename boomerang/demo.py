"""`make demo`: start the local stack, replay examples/webhooks, show each DM as a CSM would read it, and what became
of every webhook."""

from __future__ import annotations

import argparse
import json
import textwrap
import time
import urllib.parse
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from boomerang.portfolio.csv_files import read_portfolio
from boomerang.replay import Delivery, decisions, deliver, load_samples, post, rebase, wait_until_idle
from boomerang.signing import sign

ROOT = Path(__file__).resolve().parent.parent

# A webhook's fate: the summary counts each webhook once, so its numbers add up to the webhooks sent.
DM, BLOCKED, SIGNAL_ONLY, NOT_A_PEAK, REFUSED = "DM", "blocked", "signal only", "not a peak moment", "refused"
ALREADY_FIRED, REDELIVERY, IGNORED = "already fired", "redelivery", "ignored"
ALWAYS_SHOWN = (DM, BLOCKED, SIGNAL_ONLY, NOT_A_PEAK)
# A webhook with several events takes the fate of its most telling one.
BY_OUTCOME = {"fired": DM, "blocked": BLOCKED, "not_a_trigger": NOT_A_PEAK, "duplicate": ALREADY_FIRED}


def _mrkdwn(text: str) -> str:
    return text.replace("*", "").replace("\n>", "\n    ").replace(">", "    ", 1 if text.startswith(">") else 0)


def _blocks(dm: dict[str, Any]) -> list[dict[str, Any]]:
    blocks = dm["payload"].get("blocks") or []
    return json.loads(blocks) if isinstance(blocks, str) else list(blocks)


def render_dm(call: dict[str, Any], names: dict[str, str]) -> str:
    """A DM's blocks as plain text: who / what / why, then its buttons."""
    channel = str(call["payload"].get("channel"))
    lines = [f"── Slack DM to {names.get(channel, channel)} ({channel}) " + "─" * 40]
    for block in _blocks(call):
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
    button = next(b for b in _blocks(dm) if b["type"] == "actions")["elements"][0]
    payload = {
        "type": "block_actions",
        "user": {"id": dm["payload"]["channel"]},
        "container": {"type": "message", "channel_id": dm["response"]["channel"], "message_ts": dm["response"]["ts"]},
        "actions": [{"action_id": button["action_id"], "value": button["value"], "type": "button"}],
    }
    body = urllib.parse.urlencode({"payload": json.dumps(payload)}).encode()
    headers = sign("slack", body, stack.secrets["slack_signing_secret"])
    return post(f"{stack.api_url}/slack/interactions", body, headers)


def fate(delivery: Delivery, by_event: dict[str, dict[str, Any]]) -> tuple[str, str]:
    """What became of one webhook, and why: refused at the door, or accepted and then a DM, blocked by a gate,
    evaluated and found no peak moment, or recorded as a signal only (no trigger evaluates its events)."""
    answer = delivery.answer
    if delivery.status >= 300:
        return REFUSED, f"HTTP {delivery.status}: {answer.get('message') or answer.get('error') or answer}"
    if answer.get("duplicate"):
        return REDELIVERY, "the same delivery again: nothing new"
    if answer.get("ignored"):
        return IGNORED, str(answer["ignored"])
    evaluated = [by_event[e] for e in answer.get("event_ids", []) if e in by_event]
    for outcome, name in BY_OUTCOME.items():
        decision = next((d for d in evaluated if d.get("outcome") == outcome), None)
        if decision is not None:
            return name, str(decision.get("reason", ""))
    return SIGNAL_ONLY, "recorded for health scoring; no trigger evaluates it"


def summary(fates: list[str]) -> str:
    """``9 webhooks: 9 accepted → 4 DM, 1 blocked, 4 signal only, 0 not a peak moment; 0 refused``."""
    counts = Counter(fates)
    accepted = len(fates) - counts[REFUSED]
    shown = [*ALWAYS_SHOWN, *sorted(set(counts) - {*ALWAYS_SHOWN, REFUSED})]
    parts = ", ".join(f"{counts[name]} {name}" for name in shown)
    return f"{len(fates)} webhooks: {accepted} accepted → {parts}; {counts[REFUSED]} refused"


# (option, metavar, default below the repository, what it is)
OPTIONS = (
    ("--webhooks", "DIR", "examples/webhooks", "sample webhook bodies, <source>/<NN-name>.json, sent in file-name "
     "order and re-stamped to just before now"),
    ("--data", "DIR", "examples/portfolio", "portfolio directory loaded into the stack first: accounts, contacts, "
     "CSMs, targets, connections"),
    ("--side-effects", "FILE", ".build/demo-side-effects.jsonl", "where the raw JSON lines of every Slack call and "
     "email go"),
)  # fmt: skip


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="boomerang demo", description=__doc__ + " Exit status 1 if no DM was sent.")
    for option, metavar, default, about in OPTIONS:
        parser.add_argument(option, metavar=metavar, default=str(ROOT / default), help=f"{about} (default: {default})")
    return parser


def run(argv: list[str]) -> int:
    import os

    args = build_parser().parse_args(argv)
    # The handlers' JSON logs would bury the DMs; warnings and errors still show.
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
    from boomerang.local.stack import LocalStack

    log_path = Path(args.side_effects)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    samples = rebase(load_samples(Path(args.webhooks)), datetime.now(UTC))
    with log_path.open("w", encoding="utf-8") as log, LocalStack(port=0, data_dir=args.data, stdout=log) as stack:
        print(f"Local stack up at {stack.api_url}; replaying {len(samples)} signed webhooks from {args.webhooks}\n")
        deliveries = [deliver(stack.api_url, sample, stack.secrets) for sample in samples]
        wait_until_idle(stack)
        evaluated = decisions(stack)
        by_event = {str(d["event_id"]): d for d in evaluated if d.get("event_id")}
        fates = [fate(d, by_event) for d in deliveries]
        for delivery, (name, why) in zip(deliveries, fates, strict=True):
            sample = delivery.sample
            told = why if why.startswith(name) else f"{name}: {why}"
            print(f"  {delivery.status}  {sample.source:9} {sample.name:45} {told}")
        dms = [c for c in stack.slack_calls if c["method"] == "chat.postMessage"]
        names = {m.slack_user_id: m.name for m in read_portfolio(Path(args.data)).members if m.slack_user_id}
        print()
        for dm in dms:
            print(render_dm(dm, names))
        for item in (d for d in evaluated if d.get("outcome") == "blocked"):
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
        print(f"\nSummary: {summary([name for name, _ in fates])}. Raw Slack/email side effects: {log_path}")
    return 0 if dms else 1
