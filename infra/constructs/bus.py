"""The custom EventBridge bus every Boomerang event travels on, with an archive of everything."""

from __future__ import annotations

from aws_cdk import Duration, Stack
from aws_cdk import aws_events as events
from constructs import Construct

from infra.constructs.naming import set_logical_id

ARCHIVE_RETENTION = Duration.days(30)


class Bus(Construct):
    """``BoomerangBus`` plus an Archive of all its events (replayable for ``ARCHIVE_RETENTION``)."""

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self.bus = events.EventBus(self, "BoomerangBus", description="Boomerang canonical events")
        set_logical_id(self.bus, "BoomerangBus")
        self.archive = self.bus.archive(
            "Archive",
            description="Every event on the Boomerang bus, for replay.",
            # An event pattern is mandatory; every event on the bus carries the bus owner's account.
            event_pattern=events.EventPattern(account=[Stack.of(self).account]),
            retention=ARCHIVE_RETENTION,
        )
        set_logical_id(self.archive, "BoomerangBusArchive")
