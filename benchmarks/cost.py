"""AWS cost per 1M webhook events, from the published prices (shared/reference/aws-figures.md, us-east-1).

Sizes that drive DynamoDB, EventBridge and archive charges are measured on the real models and the sample
webhooks, not guessed; rates and durations are assumptions stated in ASSUMPTIONS and docs/cost.md.
"""

from __future__ import annotations

import gzip
import math
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

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
    # Not in aws-figures.md: aws.amazon.com/firehose/pricing (Direct PUT ingestion, first 500 TB/month,
    # each record rounded up to 5 KB; the rate as issue #4 quotes it) and aws.amazon.com/s3/pricing.
    "firehose_gb": 0.029,
    "s3_put": 0.005 / 1000,
    "s3_standard_gb_month": 0.023,
    "s3_glacier_ir_gb_month": 0.004,
}

ASSUMPTIONS = {
    "events": 1_000_000,
    "peak_share": 0.04,  # events a trigger could fire on after the bus's NPS filter (onboarding, renewals, NPS ≥ 9)
    "fired_share": 0.005,  # of all events, a DM goes out (one peak moment per ~200 webhooks)
    "approved_share": 0.6,  # of DMs, the CSM approves and the ask is emailed
    "health_change_share": 0.02,  # events that move an account's status, or its score by ≥ announce_delta
    "ingest_ms": 50,  # warm, I/O bound: GetItem, idempotency put + update, Firehose PutRecord (~10 ms), PutEvents
    "ingest_mb": 512,
    "scoring_batch": 10,  # 5 s batching window at a few events/s and up
    "scoring_ms_per_batch": 150,
    "triggers_ms": 100,
    "express_ms": 200,
    # Application logs per webhook: ingest's one EMF line (~215 B + 26 B CloudWatch overhead; accepted
    # webhooks log at DEBUG), scoring's EMF line per batch (~30 B a record) and Triggers' decision lines
    # (~600 B on the 4 % that reach it): measured on the handlers' output, rounded up.
    "log_bytes_per_event": 300,
    "access_log_bytes": 200,  # infra/constructs/api.py's line (~170 B with typical values) + overhead
    "sfn_log_bytes_per_execution": 2000,  # level ALL, no execution data: ~6 transitions of ~330 B
    "xray_sampled": 0.05,  # RuleEvaluation's sampling rule; Notify and Interactions trace every DM and click
    "events_per_second": 5,  # a steady few a second: how full Firehose's 900 s buffer gets before it writes
    "firehose_buffer_s": 900,
    "firehose_buffer_mb": 128,
    "archive_standard_days": 30,  # then Glacier Instant Retrieval ...
    "archive_days": 400,  # ... until the lifecycle rule deletes it
    "quarantine_share": 0.01,  # deliveries kept (malformed, unmappable, unknown account), replayed once
}


def measured_sizes() -> dict[str, int]:
    """Bytes of what is actually written per event, from the real models."""
    from services.common.models.events import EventType, new_event
    from services.common.models.signals import pack_signals, signals_key
    from services.common.storage import PK, SIGNALS_ATTRIBUTE, SK, VERSION_ATTRIBUTE
    from services.scoring.logic.recorder import SignalRecorder
    from tests.fakes import InMemoryStateStore

    t0 = datetime(2026, 11, 22, tzinfo=UTC)
    account_id = "acc-halvorsen-freight"
    store = InMemoryStateStore()
    recorder = SignalRecorder(store)
    # A busy account: a full ring of recent event ids, open tickets, NPS answers from several respondents,
    # usage, meetings and a late payment, with the health summary scoring keeps beside them.
    kinds: list[tuple[EventType, Callable[[int], dict[str, Any]]]] = [
        (EventType.NPS_RESPONDED, lambda n: {"response_id": f"r{n}", "score": 9, "contact_id": f"con-person-{n % 4}"}),
        (EventType.TICKET_OPENED, lambda n: {"ticket_id": f"{40000 + n % 3}", "severity": "high"}),
        (
            EventType.USAGE_REPORTED,
            lambda n: {"active_users": 140 + n, "licensed_seats": 180, "logins_30d": 2900, "features_adopted": 7},
        ),
        (EventType.MEETING_HELD, lambda n: {"kind": "check-in", "executive_present": n % 2 == 0}),
        (EventType.PAYMENT_LATE, lambda n: {"days_late": 3}),
    ]
    for n in range(64):
        kind, data = kinds[n % len(kinds)]
        recorder.record(
            new_event(
                source="generic",
                source_event_id=str(n),
                account_id=account_id,
                event_type=kind,
                data=data(n),
                occurred_at=t0 + timedelta(hours=n),
                received_at=t0,
            )
        )
    signals = store.load(account_id)
    key = signals_key(account_id)
    # DynamoDB item size: attribute names plus values (the version number counts ~3 bytes)
    keys = len(PK) + len(key[PK]) + len(SK) + len(key[SK])
    signals_item = keys + len(SIGNALS_ATTRIBUTE) + len(pack_signals(signals)) + len(VERSION_ATTRIBUTE) + 3
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
    return {
        "signals_item": signals_item,
        "bus_event": len(nps.detail()) + 350,
        **archive_sizes(t0),
    }


def archive_sizes(received_at: datetime) -> dict[str, int]:
    """Archived record size (mean, and as Firehose bills it: 5 KB steps) and gzip's ratio, on the samples."""
    from services.ingest.logic.raw import RawDelivery, record_line

    bodies = [p.read_bytes() for p in sorted((ROOT / "examples" / "webhooks").glob("*/*.json"))]
    bodies += [
        p.read_bytes() for p in sorted((ROOT / "tests" / "fixtures").glob("*/*.*")) if p.suffix in (".json", ".xml")
    ]
    lines = [record_line(RawDelivery.new("sample", received_at, "application/json", b)) for b in bodies]
    billed = sum(math.ceil(len(line) / 5120) * 5120 for line in lines) / len(lines)
    batch = b"".join(lines * 20)  # a batch object holds many records
    return {
        "raw_record": sum(map(len, lines)) // len(lines),
        "raw_record_billed": int(billed),
        "gzip_percent": math.ceil(100 * len(gzip.compress(batch)) / len(batch)),
    }


def model() -> dict[str, object]:
    a, p = ASSUMPTIONS, PRICE
    n = a["events"]
    sizes = measured_sizes()
    signals_wru = math.ceil(sizes["signals_item"] / 1024)
    peak, fired = n * a["peak_share"], n * a["fired_share"]
    # One object per full buffer: by time at a few events a second, by size at thousands.
    per_object = min(
        a["events_per_second"] * a["firehose_buffer_s"], a["firehose_buffer_mb"] * 2**20 / sizes["raw_record"]
    )
    stored_gb = n * sizes["raw_record"] * sizes["gzip_percent"] / 100 / 2**30
    months_standard = a["archive_standard_days"] / 30
    months_glacier = (a["archive_days"] - a["archive_standard_days"]) / 30
    kept = n * a["quarantine_share"]
    item_wru = math.ceil((sizes["raw_record"] + 600) / 1024)  # the item with its body and bookkeeping
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
        "X-Ray (5 % of rule evaluations; every DM and click)": (peak * a["xray_sampled"] + 2 * fired) * p["xray_trace"],
        "Notify / Interactions (per DM)": fired * (3 * p["lambda_request"] + 3 * p["sqs_request"] + 4 * p["ddb_wru"]),
        "SES (approved asks)": fired * a["approved_share"] * p["ses_email"],
        "CloudWatch Logs (functions, API access, workflow)": (
            n * (a["log_bytes_per_event"] + a["access_log_bytes"]) + peak * a["sfn_log_bytes_per_execution"]
        )
        / 1e9
        * p["logs_gb"],
        "Raw archive: Firehose ingestion (5 KB steps)": n * sizes["raw_record_billed"] / 2**30 * p["firehose_gb"],
        "Raw archive: S3 PUTs (one per buffer) + storage to expiry": n / per_object * p["s3_put"]
        + stored_gb * (months_standard * p["s3_standard_gb_month"] + months_glacier * p["s3_glacier_ir_gb_month"]),
        # kept: upsert + a WAIT pointer; replayed once: the replay function, reads, the resolve update
        "Quarantine (kept + replayed)": kept
        * ((item_wru + 1 + 1) * p["ddb_wru"] + p["lambda_request"] + 3 * p["ddb_rru"] + p["eventbridge_event"]),
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
