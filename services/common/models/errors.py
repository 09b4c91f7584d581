"""What can go wrong in the shared contract: a rules file, a function's environment, the bus."""

from __future__ import annotations


class ConfigError(Exception):
    """A rules file that cannot be used, with one ``path: message`` line per problem."""

    def __init__(self, source: str, problems: list[str]):
        self.source = source
        self.problems = problems
        super().__init__(f"{source}: " + "; ".join(problems))


class MisconfiguredEnvironment(Exception):
    """A function started without the environment infra gives it (a variable missing or malformed)."""


class BusPublishError(Exception):
    """The bus refused some of the events; the caller fails so that its trigger (queue, vendor) retries."""


class MalformedRecord(Exception):
    """A queue record or workflow input that is not a bus event carrying a canonical event."""
