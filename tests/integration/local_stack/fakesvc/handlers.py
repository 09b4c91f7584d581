"""Fake handlers: they record what they receive and exercise the same AWS/Slack paths as the real ones."""

from __future__ import annotations

import json
import os
import threading
from typing import Any

import boto3
from slack_sdk import WebClient

CALLS: dict[str, list[Any]] = {"ingest": [], "scoring": [], "triggers": [], "notify": []}
SERVICE_NAMES: dict[str, str | None] = {}
IMPORT_SERVICE_NAME = os.environ.get("POWERTOOLS_SERVICE_NAME")
_local = threading.local()


def _client(service: str) -> Any:
    cache = _local.__dict__.setdefault("clients", {})
    if service not in cache:
        cache[service] = boto3.client(service)
    return cache[service]


def ingest(event: dict[str, Any], context: Any) -> dict[str, Any]:
    CALLS["ingest"].append(
        {"event": event, "function_name": context.function_name, "remaining": context.get_remaining_time_in_millis()}
    )
    SERVICE_NAMES["ingest"] = os.environ.get("POWERTOOLS_SERVICE_NAME")
    body = json.loads(event.get("body") or "{}")
    _client("events").put_events(
        Entries=[
            {
                "Source": "boomerang.ingest",
                "DetailType": body.get("type", "NpsResponded"),
                "Detail": json.dumps(body),
                "EventBusName": os.environ["EVENT_BUS_NAME"],
            }
        ]
    )
    return {
        "statusCode": 202,
        "headers": {"content-type": "application/json", "x-fake": "ingest"},
        "body": json.dumps({"accepted": True, "source": (event.get("pathParameters") or {}).get("source")}),
    }


def score(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Fails a record while its receive count is below detail.fail_until (or always if fail_always)."""
    failures = []
    for record in event["Records"]:
        detail = json.loads(record["body"])["detail"]
        count = int(record["attributes"]["ApproximateReceiveCount"])
        CALLS["scoring"].append({"record": record, "detail": detail, "count": count})
        if detail.get("fail_always") or count < int(detail.get("fail_until", 0)):
            failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}


def evaluate(event: Any, context: Any) -> dict[str, Any]:
    CALLS["triggers"].append(event)
    SERVICE_NAMES["triggers"] = os.environ.get("POWERTOOLS_SERVICE_NAME")
    record = event[0]
    detail = json.loads(record["body"])["detail"]
    if detail.get("explode"):
        raise RuntimeError("evaluation exploded")
    return {"fired": detail.get("score", 0) >= 9, "detail": detail}


def notify(event: dict[str, Any], context: Any) -> dict[str, Any]:
    secret = json.loads(_client("secretsmanager").get_secret_value(SecretId=os.environ["SECRETS_ID"])["SecretString"])
    slack = WebClient(token=secret["slack_bot_token"], base_url=os.environ["SLACK_API_URL"])
    for record in event["Records"]:
        detail = json.loads(record["body"])["detail"]
        CALLS["notify"].append(detail)
        channel = slack.conversations_open(users="U0CSM")["channel"]["id"]
        posted = slack.chat_postMessage(
            channel=channel,
            text=f"Peak moment: {detail.get('account')}",
            blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": "hi"}}],
        )
        slack.chat_update(channel=channel, ts=posted["ts"], text="updated")
        if detail.get("email"):
            _client("ses").send_email(
                Source="boomerang@example.com",
                Destination={"ToAddresses": [detail["email"]]},
                Message={"Subject": {"Data": "Peak moment"}, "Body": {"Text": {"Data": "Ask now"}}},
            )
    return {"batchItemFailures": []}
