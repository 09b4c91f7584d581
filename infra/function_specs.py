"""The seven Boomerang functions of docs/architecture.md (``ALL``): handler, service name, size and timeout."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_lambda as lambda_

from infra.constructs.functions import FunctionSpec

INGEST = FunctionSpec(
    name="Ingest",
    handler="services.ingest.handlers.webhook.handler",
    service="ingest",
    description="Verify vendor webhooks, canonicalise them and put them on the Boomerang bus.",
    memory_mb=512,  # the work after I/O is ~50 µs an event; 512 MB keeps cold starts short at half the GB-s
    timeout=Duration.seconds(15),
    tracing=lambda_.Tracing.PASS_THROUGH,  # one invocation per webhook; see FunctionSpec.tracing
)
SCORING = FunctionSpec(
    name="Scoring",
    handler="services.scoring.handlers.consume.handler",
    service="scoring",
    description="Update per-account signals from ScoringQueue.",
    memory_mb=512,
    timeout=Duration.seconds(30),
    batching_window=Duration.seconds(5),  # off the DM path: fuller batches, fewer SQS requests and invocations
    tracing=lambda_.Tracing.PASS_THROUGH,  # one record per webhook; see FunctionSpec.tracing
)
TRIGGERS = FunctionSpec(
    name="Triggers",
    handler="services.triggers.handlers.evaluate.handler",
    service="triggers",
    description="Evaluate the trigger rules for one event (RuleEvaluation's Evaluate task).",
    memory_mb=512,
    timeout=Duration.seconds(20),
    tracing=lambda_.Tracing.PASS_THROUGH,  # traced when the state machine's sampling rule picks the execution
)
NOTIFY = FunctionSpec(
    name="Notify",
    handler="services.notify.handlers.deliver.handler",
    service="notify",
    description="Deliver fired triggers and CSM decisions to Slack and email from NotifyQueue.",
    memory_mb=512,
    timeout=Duration.seconds(30),
)
INTERACTIONS = FunctionSpec(
    name="Interactions",
    handler="services.notify.handlers.interactions.handler",
    service="interactions",
    description="Handle Slack button clicks (approve / skip an ask).",
    memory_mb=1024,  # Slack expects an answer within 3 seconds
    timeout=Duration.seconds(10),
)

CADENCE = FunctionSpec(
    name="Cadence",
    handler="services.scoring.handlers.cadence.handler",
    service="cadence",
    description="Health-check cadence (seed 004): due checks and red-account escalations, run by the scheduler.",
    memory_mb=512,
    # Hourly; it stops with 10 s left and leaves the rest due for the next run.
    timeout=Duration.minutes(5),
)

QUARANTINE_REPLAY = FunctionSpec(
    name="QuarantineReplay",
    handler="services.ingest.handlers.replay.handler",
    service="quarantine",
    description="Replay quarantined webhooks: on a new lookup in PortfolioTable's stream, or asked by the CLI.",
    memory_mb=512,
    timeout=Duration.minutes(5),  # a bulk replay runs until 20 s before this, then says there is more
)

ALL = (INGEST, SCORING, TRIGGERS, NOTIFY, INTERACTIONS, CADENCE, QUARANTINE_REPLAY)
