"""Replays sample webhooks against a running stack: rebased to now, signed as each vendor signs, posted."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from boomerang.signing import sign

SECRET_FOR = {"delighted": "delighted_api_key", "generic": "generic_signing_secret"}


@dataclass(frozen=True)
class Sample:
    source: str
    name: str
    body: dict[str, Any]


@dataclass(frozen=True)
class Delivery:
    sample: Sample
    status: int
    answer: dict[str, Any]
    sent_at: float


def load_samples(directory: Path) -> list[Sample]:
    """Every ``<source>/<NN-name>.json`` below ``directory``, in file-name order across sources."""
    files = sorted(directory.glob("*/*.json"), key=lambda p: (p.name, p.parent.name))
    return [Sample(p.parent.name, p.stem, json.loads(p.read_text(encoding="utf-8"))) for p in files]


def _moments(sample: Sample) -> list[datetime]:
    if sample.source == "delighted":
        data = sample.body.get("event_data", {})
        return [datetime.fromtimestamp(data[k], UTC) for k in ("created_at", "updated_at") if data.get(k)]
    if sample.source == "generic" and "occurred_at" in sample.body:
        return [datetime.fromisoformat(sample.body["occurred_at"])]
    return []


def rebase(samples: list[Sample], now: datetime, lead: timedelta = timedelta(minutes=10)) -> list[Sample]:
    """Shift every timestamp so the newest is ``lead`` before now: peak windows stay open whenever you run it."""
    moments = [m for s in samples for m in _moments(s)]
    if not moments:
        return samples
    delta = (now - lead) - max(moments)
    shifted = []
    for sample in samples:
        body = json.loads(json.dumps(sample.body))
        if sample.source == "delighted":
            data = body.get("event_data", {})
            for key in ("created_at", "updated_at"):
                if data.get(key):
                    data[key] = int(data[key] + delta.total_seconds())
        elif sample.source == "generic" and "occurred_at" in body:
            body["occurred_at"] = (datetime.fromisoformat(body["occurred_at"]) + delta).isoformat()
        shifted.append(Sample(sample.source, sample.name, body))
    return shifted


def restamp(source: str, body: bytes, now: datetime) -> tuple[bytes, int]:
    """One sample body re-stamped as ``rebase`` re-stamps the demo's (its newest moment 10 minutes before ``now``),
    serialised as ``deliver`` sends it; and how many timestamps moved (0: none this source's samples carry)."""
    sample = Sample(source, "", json.loads(body))
    [moved] = rebase([sample], now)
    return json.dumps(moved.body).encode(), len(_moments(sample))


def post(url: str, body: bytes, headers: dict[str, str], timeout: float = 10) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            raw = response.read()
            status = response.status
    except urllib.error.HTTPError as err:
        raw, status = err.read(), err.code
    try:
        answer = json.loads(raw) if raw else {}
    except json.JSONDecodeError:
        answer = {"raw": raw.decode("utf-8", "replace")}
    return status, answer


def deliver(api_url: str, sample: Sample, secrets: dict[str, str]) -> Delivery:
    body = json.dumps(sample.body).encode()
    headers = sign(sample.source, body, secrets[SECRET_FOR[sample.source]])
    sent_at = time.perf_counter()
    status, answer = post(f"{api_url}/webhooks/{sample.source}", body, headers)
    return Delivery(sample, status, answer, sent_at)


def wait_until_idle(stack: Any, timeout: float = 20.0, settle: float = 0.3, ignore: tuple[str, ...] = ()) -> bool:
    """True once every queue (but dead-letter ones and ``ignore``) is empty and no workflow runs, twice in a row."""
    sqs, sfn = stack.client("sqs"), stack.client("stepfunctions")
    deadline = time.monotonic() + timeout
    quiet = 0
    while time.monotonic() < deadline:
        busy = False
        for url in sqs.list_queues().get("QueueUrls", []):
            attrs = sqs.get_queue_attributes(
                QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
            )["Attributes"]
            skip = "dlq" in url.lower() or any(name in url for name in ignore)
            if not skip and any(int(v) for v in attrs.values()):
                busy = True
        for machine in sfn.list_state_machines().get("stateMachines", []):
            running = sfn.list_executions(stateMachineArn=machine["stateMachineArn"], statusFilter="RUNNING")
            busy = busy or bool(running.get("executions"))
        quiet = 0 if busy else quiet + 1
        if quiet >= 2:
            return True
        time.sleep(settle)
    return False


def decisions(stack: Any) -> list[dict[str, Any]]:
    """The output of every rule-evaluation execution: outcome, reason and the trigger event, with the
    ``event_id`` of the canonical event it evaluated (from its input)."""
    sfn = stack.client("stepfunctions")
    found = []
    for machine in sfn.list_state_machines().get("stateMachines", []):
        for execution in sfn.list_executions(stateMachineArn=machine["stateMachineArn"]).get("executions", []):
            detail = sfn.describe_execution(executionArn=execution["executionArn"])
            output = json.loads(detail.get("output") or "{}")
            evaluated = {"status": detail["status"], "event_id": _evaluated_event_id(detail.get("input"))}
            found.append(evaluated | (output if isinstance(output, dict) else {}))
    return found


def _evaluated_event_id(execution_input: str | None) -> str | None:
    from services.common.handlers.records import event_of_execution
    from services.common.models.errors import MalformedRecord

    try:
        return event_of_execution(json.loads(execution_input or "null")).event_id
    except (ValueError, MalformedRecord):  # not a rule evaluation (e.g. the stack's warm-up workflow)
        return None
