"""Fresh Lambda containers in one process: every service's per-container objects, cleared.

A service builds its adapters once per container (``@per_container``): clients pointed at one endpoint, the
rules file it read, the Slack client with its base URL. In AWS a new deployment gets new containers; in one
Python process (the local stack, the tests) the modules outlive a stack, so each new stack clears them all
through the one registry in services/common/per_container.py.
"""

from __future__ import annotations

from services.common.per_container import reset


def fresh_containers() -> None:
    reset()
