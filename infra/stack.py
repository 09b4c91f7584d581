"""``BoomerangStack``: composition of the capability constructs, nothing else."""

from __future__ import annotations

from typing import Any

from aws_cdk import CfnOutput, Stack
from constructs import Construct

from infra import function_specs as specs
from infra.constructs.api import Api
from infra.constructs.bus import Bus
from infra.constructs.cadence import CadenceSchedule
from infra.constructs.functions import (
    QUARANTINE_WRITE,
    TABLE_IDEMPOTENCY,
    TABLE_READ,
    TABLE_READ_WRITE,
    FunctionFactory,
)
from infra.constructs.observability import Observability
from infra.constructs.quarantine import Quarantine
from infra.constructs.queues import Queues
from infra.constructs.raw_archive import RawArchive
from infra.constructs.routing import Routing
from infra.constructs.rule_evaluation import RuleEvaluation
from infra.constructs.secrets import Secrets
from infra.constructs.tables import Tables
from infra.packaging import REPO_ROOT, RULES_FILE
from services.common.models.config import load_config
from services.common.storage import (
    BY_REASON_INDEX,
    DUE_INDEX,
    LOOKUP_PREFIX,
    MAPPING_ITEMS,
    PK,
    QUARANTINE_BODY_PREFIX,
    RAW_PREFIX,
    SK,
    Env,
)

#: Ingest may create identity lookups (learned from CRM events), and nothing else in the PortfolioTable.
LEARN_IDENTITY = ("dynamodb:PutItem",)
LOOKUPS = (f"{LOOKUP_PREFIX}*",)
#: PortfolioTable writes that can resolve a quarantined delivery: a lookup, or an account profile.
NEW_MAPPINGS = {
    "eventName": ["INSERT", "MODIFY"],
    "dynamodb": {
        "Keys": {
            PK: {"S": [{"prefix": prefix} for prefix, _ in MAPPING_ITEMS]},
            SK: {"S": [literal.value for _, literal in MAPPING_ITEMS]},
        }
    },
}


class BoomerangStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, **kwargs: Any) -> None:
        super().__init__(scope, construct_id, **kwargs)

        secret = Secrets(self, "Secrets").secret
        bus = Bus(self, "Bus").bus
        tables = Tables(self, "Tables")
        queues = Queues(
            self,
            "Queues",
            scoring_timeout=specs.SCORING.timeout,
            triggers_timeout=specs.TRIGGERS.timeout,
            notify_timeout=specs.NOTIFY.timeout,
        )
        Routing(
            self,
            "Routing",
            bus=bus,
            scoring=queues.scoring,
            triggers=queues.triggers,
            notify=queues.notify,
            config=load_config(REPO_ROOT / RULES_FILE),
        )

        raw = RawArchive(self, "RawArchive")
        quarantine = Quarantine(self, "Quarantine")

        factory = FunctionFactory(self, "Functions")
        ingest = (
            factory.create(specs.INGEST)
            .use_event_bus(bus)
            .use_secret(secret)
            .use_table(Env.PORTFOLIO_TABLE, tables.portfolio, TABLE_READ)
            .allow_items(tables.portfolio, LEARN_IDENTITY, leading_keys=LOOKUPS)
            .use_table(Env.IDEMPOTENCY_TABLE, tables.idempotency, TABLE_IDEMPOTENCY)
            .use_raw_archive(raw.stream_arn, raw.stream_name, raw.bucket, RAW_PREFIX)
            .use_table(Env.QUARANTINE_TABLE, quarantine.table, QUARANTINE_WRITE)
            .allow_objects(raw.bucket, QUARANTINE_BODY_PREFIX, ("s3:PutObject",))
        )
        # Replays what ingest kept: the same pipeline after verification, plus reading and resolving items.
        replay = (
            factory.create(specs.QUARANTINE_REPLAY)
            .consume_stream(tables.portfolio, filters=[NEW_MAPPINGS], on_failure=quarantine.failures)
            .use_event_bus(bus)
            .use_table(Env.PORTFOLIO_TABLE, tables.portfolio, TABLE_READ)
            .allow_items(tables.portfolio, LEARN_IDENTITY, leading_keys=LOOKUPS)
            .use_table(Env.IDEMPOTENCY_TABLE, tables.idempotency, TABLE_IDEMPOTENCY)
            .use_raw_archive(raw.stream_arn, raw.stream_name, raw.bucket, RAW_PREFIX)
            .use_table(Env.QUARANTINE_TABLE, quarantine.table, TABLE_READ_WRITE, indexes=(BY_REASON_INDEX.name,))
            .allow_objects(raw.bucket, QUARANTINE_BODY_PREFIX, ("s3:GetObject", "s3:PutObject", "s3:DeleteObject"))
        )
        scoring = (
            factory.create(specs.SCORING)
            .consume(queues.scoring.queue)
            .use_event_bus(bus)
            .use_table(Env.PORTFOLIO_TABLE, tables.portfolio, TABLE_READ)
            .use_table(Env.STATE_TABLE, tables.state, TABLE_READ_WRITE)
        )
        triggers = (
            factory.create(specs.TRIGGERS)
            .use_table(Env.PORTFOLIO_TABLE, tables.portfolio, TABLE_READ)
            .use_table(Env.STATE_TABLE, tables.state, TABLE_READ_WRITE)
        )
        notify = (
            factory.create(specs.NOTIFY)
            .consume(queues.notify.queue)
            .use_secret(secret)
            .use_table(Env.PORTFOLIO_TABLE, tables.portfolio, TABLE_READ)
            .use_table(Env.STATE_TABLE, tables.state, TABLE_READ_WRITE)
            .allow_ses_send()
        )
        interactions = (
            factory.create(specs.INTERACTIONS)
            .use_event_bus(bus)
            .use_secret(secret)
            .use_table(Env.STATE_TABLE, tables.state, TABLE_READ_WRITE)
        )

        cadence = (
            factory.create(specs.CADENCE)
            .use_event_bus(bus)
            .use_table(Env.PORTFOLIO_TABLE, tables.portfolio, TABLE_READ)
            .use_table(Env.STATE_TABLE, tables.state, TABLE_READ_WRITE, indexes=(DUE_INDEX.name,))
        )
        schedule = CadenceSchedule(self, "Cadence", function=cadence.function, function_logical_id=specs.CADENCE.name)

        rule_evaluation = RuleEvaluation(
            self, "RuleEvaluation", evaluate=triggers.function, bus=bus, source_queue=queues.triggers.queue
        )
        api = Api(self, "Api", ingest=ingest.function, interactions=interactions.function)

        Observability(
            self,
            "Observability",
            dashboard_name=self.stack_name,
            functions=(ingest, scoring, triggers, notify, interactions, cadence, replay),
            queues=queues.all,
            dead_letter_queues=(schedule.dlq,),
            state_machine=rule_evaluation.state_machine,
            http_api=api.http_api,
            alarms=(raw.stale_alarm, quarantine.failures_alarm),
        )

        CfnOutput(self, "ApiUrl", value=api.url, description="Base URL of the HTTP API")
        CfnOutput(self, "PortfolioTableName", value=tables.portfolio.table_name)
        CfnOutput(self, "StateTableName", value=tables.state.table_name)
        CfnOutput(self, "EventBusName", value=bus.event_bus_name)
        CfnOutput(self, "SecretArn", value=secret.secret_arn, description="Paste the vendor credentials here")
        CfnOutput(self, "QuarantineTableName", value=quarantine.table.table_name, description="quarantine list --table")
        CfnOutput(
            self,
            "QuarantineReplayFunctionName",
            value=replay.function.function_name,
            description="boomerang quarantine replay --function",
        )
        CfnOutput(self, "RawArchiveBucketName", value=raw.bucket.bucket_name, description="where raw_ref points")
        CfnOutput(self, "RawArchiveStreamName", value=raw.stream_name)
