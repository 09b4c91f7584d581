"""One world for the triggers and notify tests: the examples' portfolio in memory, Priya's NPS 10 fired, and
the notifier and interaction service on fakes."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from services.common.models.config import BoomerangConfig, load_config
from services.common.models.events import EventEnvelope, parse_event
from services.notify.logic.interactions import InteractionService
from services.notify.logic.notifier import Notifier
from services.triggers.logic.evaluator import TriggerEvaluator
from tests.fakes import EXAMPLES, Clock, FakePublisher, InMemoryDirectory, InMemoryStateStore
from tests.fakes.notify import SIGNING_SECRET, FakeMailer, FakeSlack
from tests.fakes.triggers import NOW, PRIYA, InMemoryFacts, nps


@dataclass
class World:
    directory: InMemoryDirectory
    store: InMemoryStateStore
    clock: Clock
    config: BoomerangConfig
    evaluator: TriggerEvaluator


@pytest.fixture
def world() -> World:
    directory, store, clock = InMemoryDirectory.examples(), InMemoryStateStore(), Clock(NOW)
    config = load_config(EXAMPLES.parent / "boomerang.toml")
    return World(
        directory, store, clock, config, TriggerEvaluator(config, InMemoryFacts(directory, store), store, clock)
    )


@pytest.fixture
def fired(world: World) -> EventEnvelope:
    """Priya's NPS 10 evaluated: the TriggerFired on its way to notify."""
    decision = world.evaluator.evaluate(nps(world.directory, PRIYA, 10))
    assert decision.event is not None, decision.reason
    return parse_event(decision.event)


@pytest.fixture
def slack() -> FakeSlack:
    return FakeSlack()


@pytest.fixture
def mailer() -> FakeMailer:
    return FakeMailer()


@pytest.fixture
def notifier(world: World, slack: FakeSlack, mailer: FakeMailer) -> Notifier:
    return Notifier(world.config, slack, world.store, world.directory, mailer)


@pytest.fixture
def publisher() -> FakePublisher:
    return FakePublisher()


@pytest.fixture
def notes() -> list[str]:
    """The private (ephemeral) replies the interaction service gave."""
    return []


@pytest.fixture
def interactions(world: World, publisher: FakePublisher, notes: list[str]) -> InteractionService:
    return InteractionService(
        world.store, publisher, lambda channel, user, text: notes.append(text), world.clock, lambda: SIGNING_SECRET
    )
