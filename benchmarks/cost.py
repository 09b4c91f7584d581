"""AWS cost per 1M webhook events, from the published prices (shared/reference/aws-figures.md, us-east-1).

Sizes that drive DynamoDB and EventBridge charges are measured on the real models, not guessed; rates and
durations are assumptions stated in ASSUMPTIONS and docs/cost.md.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Any

PRICE = {
    "lambda_request": 0.20 / 1e6,
    "lambda_gb_s_arm": 0.0000133334,
    "http_api_request": 1.00 / 1e6,
    "eventbridge_event": 1.00 / 1e6,  # per 64 KB chunk
    "archive_gb": 0.10,
    "sqs_request": 0.40 / 1e6,  # per 64 KB chunk
    "pipe_request": 0.40 / 1e6,
    "express_request": 1.00 / 1e6,
    "express_gb_s": 0.00001667,
    "ddb_wru": 0.625 / 1e6,
    "ddb_rru": 0.125 / 1e6,
    "logs_gb": 0.50,
    "xray_trace": 5.00 / 1e6,
    "ses_email": 0.10 / 1000,
}

ASSUMPTIONS = {
    "events": 1_000_000,
    "peak_share": 0.04,  # events a trigger could fire on after the bus's NPS filter (onboarding, renewals, NPS ≥ 9)
    "fired_share": 0.005,  # of all events, a DM goes out (one peak moment per ~200 webhooks)
    "approved_share": 0.6,  # of DMs, the CSM approves and the ask is emailed
    "health_change_share": 0.02,  # events that move an account's status, or its score by ≥ announce_delta
    "ingest_ms": 40,  # warm, I/O bound: one GetItem + PutEvents
    "ingest_mb": 512,
    "scoring_batch": 10,  # 5 s batching window at a few events/s and up
    "scoring_ms_per_batch": 150,
    "triggers_ms": 100,
    "express_ms": 200,
    "log_bytes_per_event": 450,  # rejections and EMF only; accepted webhooks log at DEBUG
    "access_log_bytes": 350,
}


def measured_sizes() -> dict[str, int]:
    """Bytes of what is actually written per event, from the real models."""
    from services.common.events import EventType, new_event
    from services.common.signals import AccountSignals
    from services.scoring.logic.signals import apply

    t0 = datetime(2026, 11, 22, tzinfo=UTC)
    signals = AccountSignals(account_id="acc-halvorsen")
    for n in range(40):  # a busy account: full ring of recent events, a few tickets and NPS answers
        choices: list[tuple[EventType, dict[str, Any]]] = [
            (EventType.NPS_RESPONDED, {"response_id": f"r{n}", "score": 9, "contact_id": f"con-person-{n % 5}"}),
            (EventType.TICKET_OPENED, {"ticket_id": f"{n % 3}", "severity": "high"}),
            (EventType.PAYMENT_LATE, {"days_late": 3}),
        ]
        kind, data = choices[n % 3]
        event = new_event(
            source="generic",
            source_event_id=str(n),
            account_id="acc-halvorsen",
            event_type=kind,
            data=data,
            occurred_at=t0 + timedelta(minutes=n),
            received_at=t0,
        )
        signals = apply(signals, event)
    nps = new_event(
        source="delighted",
        source_event_id="374666978",
        account_id="acc-halvorsen",
        event_type=EventType.NPS_RESPONDED,
        occurred_at=t0,
        received_at=t0,
        data={
            "response_id": "374666978",
            "score": 10,
            "contact_id": "con-priya-raman",
            "respondent_email": "priya.raman@halvorsen-freight.example",
            "respondent_name": "Priya Raman",
            "comment": "x" * 240,
            "survey": "delighted-nps",
        },
    )
    return {"signals_item": len(signals.model_dump_json()) + 80, "bus_event": len(nps.detail()) + 350}


def model() -> dict[str, object]:
    a, p = ASSUMPTIONS, PRICE
    n = a["events"]
    sizes = measured_sizes()
    signals_wru = math.ceil(sizes["signals_item"] / 1024)
    peak, fired = n * a["peak_share"], n * a["fired_share"]
    lines = {
        "API Gateway HTTP API": n * p["http_api_request"],
        "Ingest Lambda": n * p["lambda_request"]
        + n * a["ingest_mb"] / 1024 * a["ingest_ms"] / 1000 * p["lambda_gb_s_arm"],
        "Ingest DynamoDB (email lookup, eventual)": n * 0.5 * p["ddb_rru"],
        # Powertools Idempotency, write-once store: a consistent read, then one conditional put (completed)
        "Ingest idempotency (1 RRU + 1 WRU)": n * (p["ddb_rru"] + p["ddb_wru"]),
        "EventBridge PutEvents": (n + 3 * fired) * p["eventbridge_event"],
        "EventBridge archive": n * sizes["bus_event"] / 1e9 * p["archive_gb"],
        "SQS ScoringQueue (send + batched receive/delete)": n * (1 + 2 / a["scoring_batch"]) * p["sqs_request"],
        "Scoring Lambda": n
        / a["scoring_batch"]
        * (p["lambda_request"] + 0.5 * a["scoring_ms_per_batch"] / 1000 * p["lambda_gb_s_arm"]),
        "Scoring DynamoDB (signals + profile reads, versioned put)": n
        * (2 * 0.5 * p["ddb_rru"] + signals_wru * p["ddb_wru"]),
        "HealthChanged (history put + PutEvents, on announced moves)": n
        * a["health_change_share"]
        * (p["ddb_wru"] + p["eventbridge_event"]),
        "SQS TriggersQueue + Pipe": peak * (3 * p["sqs_request"] + p["pipe_request"]),
        "Step Functions Express": peak
        * (p["express_request"] + 64 / 1024 * a["express_ms"] / 1000 * p["express_gb_s"]),
        "Triggers Lambda + reads + claim": peak
        * (p["lambda_request"] + 0.5 * a["triggers_ms"] / 1000 * p["lambda_gb_s_arm"] + 8 * p["ddb_rru"])
        + fired * 4 * p["ddb_wru"],
        "X-Ray (active only on the per-moment functions)": peak * p["xray_trace"],
        "Notify / Interactions (per DM)": fired * (3 * p["lambda_request"] + 3 * p["sqs_request"] + 4 * p["ddb_wru"]),
        "SES (approved asks)": fired * a["approved_share"] * p["ses_email"],
        "CloudWatch Logs": n * (a["log_bytes_per_event"] + a["access_log_bytes"]) / 1e9 * p["logs_gb"],
    }
    total = sum(lines.values())
    return {
        "per_1M_events_usd": round(total, 2),
        "ok": total <= 6.0,
        "signals_item_bytes": sizes["signals_item"],
        "signals_write_units": signals_wru,
        "lines": {k: round(v, 3) for k, v in lines.items()},
        "assumptions": a,
    }
