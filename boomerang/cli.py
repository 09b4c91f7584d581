"""The `boomerang` command: local stack, demo, config and schema checks, portfolio import, signing, the cadence
job, and the operator commands for the quarantine and the raw-body archive."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path


def _config_validate(args: argparse.Namespace) -> int:
    from services.common.models.config import load_config
    from services.common.models.errors import ConfigError

    try:
        config = load_config(args.file)
        _check_sources(config, args.file)
    except ConfigError as exc:
        print(f"{exc.source}: {len(exc.problems)} problem(s)", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    print(
        f"{args.file}: ok — {len(config.triggers)} trigger(s), {len(config.scripts)} script(s), "
        f"gates: min NPS {config.gates.min_nps}, window {config.windows.peak_hours} h"
    )
    return 0


def _check_sources(config: object, source: str) -> None:
    """Each [sources.<name>] table is checked by that source's own options model."""
    from services.common.models.errors import ConfigError
    from services.ingest.logic.sources import sources

    try:
        sources(getattr(config, "sources", {}))
    except (ValueError, TypeError) as exc:
        raise ConfigError(source, [f"sources: {exc}"]) from exc


def _schemas(args: argparse.Namespace) -> int:
    from boomerang.schemas import drift, export

    if args.check:
        stale = drift()
        if stale:
            print(f"schemas or catalog out of date: {', '.join(stale)}; run `boomerang schemas`", file=sys.stderr)
            return 1
        print("schemas up to date")
        return 0
    for path in export():
        print(path)
    return 0


def _portfolio_import(args: argparse.Namespace) -> int:
    from boomerang.portfolio.csv_files import PortfolioError
    from boomerang.portfolio.importer import import_portfolio

    try:
        counts = import_portfolio(Path(args.data), args.table)
    except PortfolioError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    print(json.dumps(counts))
    return 0


def _cadence_run(args: argparse.Namespace) -> int:
    """The cadence job once, as the hourly schedule runs it, against the tables and bus named (or in env)."""
    from datetime import UTC, datetime

    missing = [
        flag
        for flag, value in (
            ("--state-table", args.state_table),
            ("--portfolio-table", args.portfolio_table),
            ("--bus", args.bus),
        )
        if not value
    ]
    if missing:
        print(
            f"boomerang cadence run: give {', '.join(missing)} (or STATE_TABLE / PORTFOLIO_TABLE / EVENT_BUS_NAME)",
            file=sys.stderr,
        )
        return 2
    from services.common.models.settings import FunctionSettings
    from services.scoring.wiring import ScoringSettings, build_cadence_job

    now = datetime.fromisoformat(args.now) if args.now else datetime.now(UTC)
    if now.tzinfo is None:
        print("boomerang cadence run: --now needs a time zone, e.g. 2026-12-01T09:00:00+00:00", file=sys.stderr)
        return 2
    env = ScoringSettings(
        event_bus_name=args.bus,
        portfolio_table=args.portfolio_table,
        state_table=args.state_table,
        rules_file=args.config or FunctionSettings.from_env().rules_file,
    )
    report = build_cadence_job(env).run(now)
    print(json.dumps({"as_of": now.isoformat(), **report.as_dict()}, indent=2))
    return 0


def _sign(args: argparse.Namespace) -> int:
    from boomerang.signing import sign

    body = Path(args.file).read_bytes()
    for name, value in sign(args.source, body, args.secret, url=args.url).items():
        print(f"-H '{name}: {value}'")
    return 0


def _local(argv: list[str]) -> int:
    from boomerang.local.cli import run

    return run(argv)


def _demo(argv: list[str]) -> int:
    from boomerang.demo import run

    return run(argv)


CS_TOOLS = {
    "health": "pillar breakdown, total and status for sub-metric scores (or a stored customer score)",
    "risk": "rank a portfolio export by risk, with reasons and the recommended playbook",
    "forecast": "expected renewed ARR for a period, by health band",
    "qbr": "the QBR template as Markdown, filled from data files",
    "backtest": "past scores vs. renewal outcomes against the success criteria",
    "calibrate": "propose per-segment weights from history (changes nothing)",
}


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["local"]:
        return _local(argv[1:])
    if argv[:1] == ["demo"]:
        return _demo(argv[1:])
    from boomerang.cs_tools import COMMANDS
    from boomerang.cs_tools import main as cs_tool

    if argv[:1] and argv[0] in COMMANDS:
        return cs_tool(argv)

    parser = argparse.ArgumentParser(prog="boomerang", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands.add_parser("local", help="run the whole stack on this machine (see `boomerang local --help`)")
    commands.add_parser("demo", help="start the local stack, replay examples/ webhooks, print the DMs")
    for name, summary in CS_TOOLS.items():
        commands.add_parser(name, help=f"{summary} (see `boomerang {name} --help`)")

    config = commands.add_parser("config", help="check the rules file").add_subparsers(dest="action", required=True)
    validate = config.add_parser("validate", help="report every problem in a rules file with its path")
    validate.add_argument("file")
    validate.set_defaults(run=_config_validate)

    schemas = commands.add_parser("schemas", help="write the canonical events' JSON Schemas (or --check them)")
    schemas.add_argument("--check", action="store_true", help="fail if the schema files drifted from the models")
    schemas.set_defaults(run=_schemas)

    portfolio = commands.add_parser("portfolio", help="portfolio data").add_subparsers(dest="action", required=True)
    importer = portfolio.add_parser(
        "import",
        help="load CSV files into the deployed PortfolioTable (quarantined deliveries waiting for a new "
        "mapping are replayed automatically)",
    )
    importer.add_argument("--data", required=True, help="directory of accounts.csv, contacts.csv, csms.csv, ...")
    importer.add_argument("--table", required=True, help="PortfolioTableName from the stack outputs")
    importer.set_defaults(run=_portfolio_import)

    from boomerang.cs_tools.common import add_table_args

    cadence = commands.add_parser("cadence", help="the health-check cadence job").add_subparsers(
        dest="action", required=True
    )
    runner = cadence.add_parser(
        "run",
        help="run the cadence job once now (due checks, red-account escalations), as the hourly schedule does",
        description="Runs the job the CadenceSchedule runs hourly: rescores the accounts whose health check is due, "
        "puts HealthCheckDue / RedAccountEscalated on the bus and moves their schedules on. boto3's usual "
        "credentials and AWS_ENDPOINT_URL apply: against `boomerang local`, set AWS_ENDPOINT_URL to the moto URL "
        "it prints and use the local names StateTable, PortfolioTable, BoomerangBus.",
    )
    runner.add_argument("--now", help="run as of this moment (ISO 8601 with a zone; default: now)")
    add_table_args(runner, "with the accounts' signals and schedules", "with the accounts' profiles")
    runner.add_argument("--bus", default=os.environ.get("EVENT_BUS_NAME"), help="EventBusName (or $EVENT_BUS_NAME)")
    runner.add_argument("--config", help="rules file (default: $BOOMERANG_CONFIG or ./boomerang.toml)")
    runner.set_defaults(run=_cadence_run)

    from boomerang.ingest_ops import add_commands

    add_commands(commands)

    from services.ingest.logic.sources import SOURCE_NAMES

    signer = commands.add_parser("sign", help="print curl headers that sign FILE as SOURCE signs webhooks")
    signer.add_argument(
        "--source",
        required=True,
        choices=[*SOURCE_NAMES, "slack"],
    )
    signer.add_argument("--url", default="", help="the full webhook URL (HubSpot signs it)")
    signer.add_argument("--secret", required=True)
    signer.add_argument("file")
    signer.set_defaults(run=_sign)

    args = parser.parse_args(argv)
    return int(args.run(args))


if __name__ == "__main__":
    raise SystemExit(main())
