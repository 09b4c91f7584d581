"""What ingest counts and logs, through Powertools: EMF counts per source and one log line per result.

The names, dimensions and log fields are the ones docs/architecture.md ("Metrics") and the README list.
Every count is its own ``single_metric`` (services/common/handlers/observability.py ``count``), so a
dimension never leaks into the next invocation. Log lines carry no personal data: error messages are
redacted (vendors are told exactly what is wrong in the HTTP answer; logs get email addresses replaced and
long quoted values, which could be a survey comment or a ticket subject, reduced to their length).
"""

from __future__ import annotations

import re

from aws_lambda_powertools import Logger, Metrics

from services.common.handlers.observability import count
from services.ingest.models.quarantine import ReplayResult
from services.ingest.models.webhook import IngestResult

_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}")
_QUOTED = re.compile(r"'[^']{25,}'|\"[^\"]{25,}\"")
MAX_CHARS = 300


def redact(message: object) -> str | None:
    if message is None:
        return None
    text = _EMAIL.sub("<email>", str(message))
    text = _QUOTED.sub(lambda m: f"<{len(m.group(0)) - 2} chars>", text)
    return text if len(text) <= MAX_CHARS else text[:MAX_CHARS] + "…"


class PowertoolsTelemetry:
    """Implements DeliveryTelemetry and ReplayTelemetry (services/ingest/logic/ports.py)."""

    def __init__(self, logger: Logger, metrics: Metrics):
        self.logger = logger
        self.metrics = metrics

    def delivery(self, source: str, result: IngestResult) -> None:
        metrics = self.metrics
        src = "unknown" if result.reason == "unknown_source" else source
        if result.status >= 300:
            count(metrics, "webhook_rejected", "source", src, also={"reason": str(result.reason)})
        else:
            count(metrics, f"webhook_{result.outcome}", "source", src)
        if result.quarantine_id:
            count(metrics, "webhook_quarantined", "source", src, also={"reason": str(result.reason)})
        for note, amount in result.notes.items():
            count(metrics, note, "source", src, amount=amount)
        # One log line per accepted webhook would be the biggest log cost; everything else logs.
        quiet = result.outcome in ("accepted", "duplicate", "ignored") and not result.quarantine_id
        log = self.logger.debug if quiet else self.logger.info
        log(
            "webhook",
            extra={
                "source": src,
                "status": result.status,
                "outcome": result.outcome,
                "reason": result.reason,
                "error": redact(result.body.get("message")),
                "accepted": result.body.get("accepted"),
                "quarantine_id": result.quarantine_id,
                **result.notes,
            },
        )

    def replayed(self, results: list[ReplayResult]) -> None:
        for result in results:
            count(self.metrics, "quarantine_replay", "result", result.result)
            self.logger.info("replay", extra={k: v for k, v in result.as_dict().items() if k != "message"})
