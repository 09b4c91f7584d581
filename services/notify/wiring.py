"""The notify service's composition root: settings from the environment, the notifier (NotifyQueue) and the
interaction service (Slack's button clicks), built once per container."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from services.common.models.settings import FunctionSettings, env_field
from services.common.per_container import per_container
from services.common.storage import SLACK_BOT_TOKEN, Env

if TYPE_CHECKING:
    from services.notify.logic.interactions import InteractionService
    from services.notify.logic.notifier import Notifier


class NotifySettings(FunctionSettings):
    secrets_id: str = env_field(Env.SECRETS_ID)
    state_table: str = env_field(Env.STATE_TABLE)
    slack_api_url: str | None = env_field(Env.SLACK_API_URL, None)


class DeliverySettings(NotifySettings):
    """The Notify function: DMs and emails."""

    portfolio_table: str = env_field(Env.PORTFOLIO_TABLE)


class InteractionSettings(NotifySettings):
    """The Interactions function: decisions taken in Slack go on the bus."""

    event_bus_name: str = env_field(Env.EVENT_BUS_NAME)


def slack(env: NotifySettings) -> Any:
    from services.common.wiring import secret
    from services.notify.adapters.slack import slack_client

    return slack_client(secret(env.secrets_id)()[SLACK_BOT_TOKEN], env.slack_api_url)


@per_container
def notifier() -> Notifier:
    from datetime import UTC, datetime

    from services.common.adapters.portfolio_table import PortfolioTable
    from services.common.wiring import rules
    from services.notify.adapters.asks import AskTable
    from services.notify.adapters.email import SesMailer
    from services.notify.adapters.sent import SentTable
    from services.notify.logic.health_alerts import HealthAlerts
    from services.notify.logic.notifier import Notifier

    env = DeliverySettings.from_env()
    config = rules(env.rules_file)
    client = slack(env)
    portfolio, mailer = PortfolioTable(env.portfolio_table), SesMailer()
    alerts = HealthAlerts(
        client, portfolio, mailer, SentTable(env.state_table), config.email.sender, lambda: datetime.now(UTC)
    )
    return Notifier(config, client, AskTable(env.state_table), portfolio, mailer, alerts)


@per_container
def interactions() -> InteractionService:
    from datetime import UTC, datetime

    from services.common.adapters.bus import EventBusPublisher
    from services.common.models.events import BusSource
    from services.common.storage import SLACK_SIGNING_SECRET
    from services.common.wiring import secret
    from services.notify.adapters.asks import AskTable
    from services.notify.logic.interactions import InteractionService

    env = InteractionSettings.from_env()
    keys = secret(env.secrets_id)

    def ephemeral(channel: str, user: str, text: str) -> None:
        # The Slack client (slack_sdk, the bot token) only when a reply is due: a refused request never builds it.
        slack(env).chat_postEphemeral(channel=channel, user=user, text=text)

    def signing_secret() -> str | None:
        # Read through the secret's five-minute cache on every request: a pasted secret is picked up.
        return keys().get(SLACK_SIGNING_SECRET)

    publisher = EventBusPublisher(BusSource.NOTIFY, env.event_bus_name)
    return InteractionService(
        AskTable(env.state_table), publisher, ephemeral, lambda: datetime.now(UTC), signing_secret
    )
