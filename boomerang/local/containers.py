"""Fresh Lambda containers in one process: the handlers' per-container caches, cleared.

A handler builds its adapters once per container (``functools.cache``): clients pointed at one endpoint, the
rules file it read, the Slack client with its base URL. In AWS a new deployment gets new containers; in one
Python process (the local stack, the tests) the modules outlive a stack, so each new stack clears them.
"""

from __future__ import annotations

import sys

# module → its functools.cache'd builders (only modules already imported are touched)
CACHED = {
    "services.common.config": ("current_config",),
    "services.common.adapters.dynamo": ("client",),
    "services.common.adapters.secrets": ("_provider",),
    "services.ingest.adapters.wiring": ("ingest_service", "once", "replayer"),
    "services.scoring.handlers.consume": ("recorder",),
    "services.scoring.handlers.cadence": ("job",),
    "services.triggers.handlers.evaluate": ("evaluator",),
    "services.notify.handlers.deliver": ("notifier",),
    "services.notify.handlers.interactions": ("service",),
    "services.notify.adapters.slack": ("slack_client",),
}


def fresh_containers() -> None:
    for module, names in CACHED.items():
        loaded = sys.modules.get(module)
        for name in names if loaded else ():
            getattr(loaded, name).cache_clear()
    if "aws_lambda_powertools.utilities.parameters" in sys.modules:
        from aws_lambda_powertools.utilities import parameters

        parameters.clear_caches()
