"""The ingest service on its AWS adapters, shared by the webhook and the replay handlers (built on first use)."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from services.ingest.adapters.idempotency import PowertoolsOnce
    from services.ingest.logic.pipeline import IngestService
    from services.ingest.logic.quarantine import Replayer


@functools.cache
def once() -> PowertoolsOnce:
    from services.ingest.adapters.idempotency import PowertoolsOnce

    return PowertoolsOnce()


@functools.cache
def ingest_service() -> IngestService:
    from services.common.adapters.bus import EventBusPublisher
    from services.common.adapters.secrets import boomerang_secrets
    from services.common.config import current_config
    from services.ingest.adapters.archive import FirehoseArchive
    from services.ingest.adapters.identities import PortfolioIdentities
    from services.ingest.adapters.quarantine import DynamoQuarantine
    from services.ingest.logic.pipeline import IngestService
    from services.ingest.logic.sources import sources

    return IngestService(
        sources(current_config().sources),
        boomerang_secrets,
        PortfolioIdentities(),
        EventBusPublisher("boomerang.ingest"),
        once(),
        archive=FirehoseArchive(),
        quarantine=DynamoQuarantine(),
    )


@functools.cache
def replayer() -> Replayer:
    from services.ingest.adapters.quarantine import DynamoQuarantine
    from services.ingest.logic.quarantine import Replayer

    return Replayer(ingest_service(), DynamoQuarantine())
