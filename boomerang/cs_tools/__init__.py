"""CS ops command-line tools (seed 004): health, risk, forecast, qbr, backtest, calibrate.

Each command is a module with ``run(argv) -> int``; ``COMMANDS`` maps a command name to its module so the
``boomerang`` CLI can dispatch ``boomerang <cmd> …`` to it. ``python -m boomerang.cs_tools <cmd> …`` works
too. Columns and outputs: docs/cs-tools.md.
"""

from __future__ import annotations

import importlib
import sys

COMMANDS = {
    "health": "boomerang.cs_tools.health",
    "risk": "boomerang.cs_tools.risk",
    "forecast": "boomerang.cs_tools.forecast",
    "qbr": "boomerang.cs_tools.qbr",
    "backtest": "boomerang.cs_tools.backtest",
    "calibrate": "boomerang.cs_tools.calibrate",
}


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] not in COMMANDS:
        print(f"usage: python -m boomerang.cs_tools {{{','.join(COMMANDS)}}} ...", file=sys.stderr)
        return 2
    module = importlib.import_module(COMMANDS[argv[0]])
    return int(module.run(argv[1:]))
