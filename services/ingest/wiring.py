"""The ingest service's composition root: its settings from the environment, its objects built once per container.

The webhook and QuarantineReplay handlers (and so the local stack, which runs them) build ingest through here;
the CLI's quarantine and raw commands need one adapter each and build it from the names they are given.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from services.common.models.settings import FunctionSettings, env_field
from services.common.per_container import per_container
from services.common.storage import Env

if TYPE_CHECKING:
    from services.ingest.adapters.idempotency import PowertoolsOnce
    from services.ingest.adapters.quarantine import DynamoQuarantine
    from services.ingest.logic.pipeline import IngestService
    from services.ingest.logic.quarantine import Replayer


class IngestSettings(FunctionSettings):
    event_bus_name: str = env_field(Env.EVENT_BUS_NAME)
    secrets_id: str = env_field(Env.SECRETS_ID)
    portfolio_table: str = env_field(Env.PORTFOLIO_TABLE)
    idempotency_table: str = env_field(Env.IDEMPOTENCY_TABLE)
    quarantine_table: str = env_field(Env.QUARANTINE_TABLE)
    raw_archive_stream: str = env_field(Env.RAW_ARCHIVE_STREAM)
    raw_archive_bucket: str = env_field(Env.RAW_ARCHIVE_BUCKET)


@per_container
def settings() -> IngestSettings:
    return IngestSettings.from_env()


@per_container
def once() -> PowertoolsOnce:
    from services.common.adapters.aws import client
    from services.ingest.adapters.idempotency import PowertoolsOnce

    return PowertoolsOnce(settings().idempotency_table, client("dynamodb"))


@per_container
def ingest_service() -> IngestService:
    from services.common.adapters.bus import EventBusPublisher
    from services.common.handlers.observability import for_service
    from services.common.models.events import BusSource
    from services.common.wiring import rules, secret
    from services.ingest.adapters.archive import FirehoseArchive
    from services.ingest.adapters.identities import PortfolioIdentities
    from services.ingest.adapters.telemetry import PowertoolsTelemetry
    from services.ingest.logic.pipeline import IngestService
    from services.ingest.logic.sources import sources

    env = settings()
    return IngestService(
        sources(rules(env.rules_file).sources),
        secret(env.secrets_id),
        PortfolioIdentities(env.portfolio_table),
        EventBusPublisher(BusSource.INGEST, env.event_bus_name),
        once(),
        archive=FirehoseArchive(env.raw_archive_stream, env.raw_archive_bucket),
        quarantine=quarantine(),
        telemetry=PowertoolsTelemetry(*for_service("ingest")),
    )


@per_container
def quarantine() -> DynamoQuarantine:
    from services.ingest.adapters.quarantine import DynamoQuarantine

    env = settings()
    return DynamoQuarantine(env.quarantine_table, env.raw_archive_bucket)


@per_container
def replayer() -> Replayer:
    from services.common.handlers.observability import for_service
    from services.ingest.adapters.telemetry import PowertoolsTelemetry
    from services.ingest.logic.quarantine import Replayer

    return Replayer(ingest_service(), quarantine(), telemetry=PowertoolsTelemetry(*for_service("quarantine")))
