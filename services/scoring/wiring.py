"""The scoring service's composition root: settings from the environment, the recorder and the cadence job.

The ScoringQueue and Cadence handlers, ``boomerang cadence run`` and the local stack all build scoring here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from services.common.models.settings import FunctionSettings, env_field
from services.common.per_container import per_container
from services.common.storage import Env

if TYPE_CHECKING:
    from services.scoring.logic.cadence import CadenceJob
    from services.scoring.logic.recorder import SignalRecorder


class ScoringSettings(FunctionSettings):
    event_bus_name: str = env_field(Env.EVENT_BUS_NAME)
    portfolio_table: str = env_field(Env.PORTFOLIO_TABLE)
    state_table: str = env_field(Env.STATE_TABLE)


@per_container
def settings() -> ScoringSettings:
    return ScoringSettings.from_env()


def build_recorder(env: ScoringSettings) -> SignalRecorder:
    from services.common.adapters.bus import EventBusPublisher
    from services.common.adapters.portfolio_table import PortfolioTable
    from services.common.models.events import BusSource
    from services.common.wiring import rules
    from services.scoring.adapters.announcer import BusAnnouncer
    from services.scoring.adapters.schedules import ScheduleTable
    from services.scoring.adapters.state_table import StateTable
    from services.scoring.logic.recorder import SignalRecorder

    state = StateTable(env.state_table)
    announcer = BusAnnouncer(
        state, EventBusPublisher(BusSource.SCORING, env.event_bus_name), ScheduleTable(env.state_table)
    )
    return SignalRecorder(state, PortfolioTable(env.portfolio_table), announcer, rules(env.rules_file).health)


def build_cadence_job(env: ScoringSettings) -> CadenceJob:
    """The job wired to the StateTable, the PortfolioTable and the bus ``env`` names."""
    from services.common.adapters.bus import EventBusPublisher
    from services.common.models.events import BusSource
    from services.common.wiring import rules
    from services.scoring.adapters.schedules import ScheduleTable
    from services.scoring.logic.cadence import CadenceJob

    cadence = rules(env.rules_file).health.cadence
    publisher = EventBusPublisher(BusSource.SCORING, env.event_bus_name)
    return CadenceJob(ScheduleTable(env.state_table), build_recorder(env), publisher, cadence)


@per_container
def recorder() -> SignalRecorder:
    return build_recorder(settings())


@per_container
def cadence_job() -> CadenceJob:
    return build_cadence_job(settings())
