"""The triggers service's composition root: settings from the environment and the rule evaluator."""

from __future__ import annotations

from typing import TYPE_CHECKING

from services.common.models.settings import FunctionSettings, env_field
from services.common.per_container import per_container
from services.common.storage import Env

if TYPE_CHECKING:
    from services.triggers.logic.evaluator import TriggerEvaluator


class TriggersSettings(FunctionSettings):
    portfolio_table: str = env_field(Env.PORTFOLIO_TABLE)
    state_table: str = env_field(Env.STATE_TABLE)


@per_container
def settings() -> TriggersSettings:
    return TriggersSettings.from_env()


@per_container
def evaluator() -> TriggerEvaluator:
    from datetime import UTC, datetime

    from services.common.wiring import rules
    from services.triggers.adapters.facts import DynamoFacts
    from services.triggers.adapters.trigger_store import TriggerTable
    from services.triggers.logic.evaluator import TriggerEvaluator

    env = settings()
    return TriggerEvaluator(
        rules(env.rules_file),
        DynamoFacts(env.portfolio_table, env.state_table),
        TriggerTable(env.state_table),
        lambda: datetime.now(UTC),
    )
