"""The `boomerang` command: local stack, demo, config and schema checks, portfolio import, signing, the cadence
job, and the operator commands for the quarantine and the raw-body archive."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from boomerang.aws_endpoint import add_endpoint_arg, use_endpoint

SIGN_EPILOG = """\
Send exactly the bytes that were signed: curl's --data-binary @FILE (-d would strip the newlines), e.g.
  boomerang sign --source delighted --secret dev-delighted-key --now --out /tmp/nps.json \\
      examples/webhooks/delighted/01-promoter-priya-raman-halvorsen.json
  curl -X POST http://127.0.0.1:8787/webhooks/delighted <the -H lines printed> --data-binary @/tmp/nps.json
The shipped samples are dated in the past: sent as they are, they are accepted (202) but their peak window
closed long ago, so no DM follows. --now re-stamps them to just before now, as `boomerang demo` does.
Zendesk, HubSpot, generic and Slack signatures carry the time they were made: send within 5 minutes."""


def _config_validate(args: argparse.Namespace) -> int:
    from services.common.models.config import load_config
    from services.common.models.errors import ConfigError

    problems: list[str] = []
    sources: dict[str, Any] = {}
    try:
        config = load_config(args.file)
        sources = config.sources
    except ConfigError as exc:
        problems, config = list(exc.problems), None
        sources = _raw_sources(args.file)
    problems += _source_problems(sources)
    if problems:
        print(f"{args.file}: {len(problems)} problem(s)", file=sys.stderr)
        for problem in problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    assert config is not None
    print(
        f"{args.file}: ok — {len(config.triggers)} trigger(s), {len(config.scripts)} script(s), "
        f"gates: min NPS {config.gates.min_nps}, window {config.windows.peak_hours} h"
    )
    return 0


def _raw_sources(file: str) -> dict[str, Any]:
    """The ``[sources]`` tables of a rules file that failed validation: checked all the same, so that one run
    reports every problem."""
    import tomllib

    try:
        raw = tomllib.loads(Path(file).read_text(encoding="utf-8")).get("sources")
    except (OSError, ValueError):
        return {}
    return raw if isinstance(raw, dict) else {}


def _source_problems(options: dict[str, Any]) -> list[str]:
    """Each ``[sources.<name>]`` table is checked by that source's own options model."""
    from services.ingest.logic.sources import sources

    try:
        sources(options)
    except (ValueError, TypeError) as exc:
        message = str(exc)
        if message.startswith("[sources.") and "]: " in message:  # "[sources.hubspot]: field: …"
            table, detail = message[1:].split("]: ", 1)
            return [f"{table}: {detail}"]
        return [f"sources: {message}"]
    return []


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

    use_endpoint(args)
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
    use_endpoint(args)
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
    from datetime import UTC, datetime

    from boomerang.replay import restamp
    from boomerang.signing import sign

    if args.now and not args.out:
        print("boomerang sign: --now writes the re-stamped body you send: give --out FILE", file=sys.stderr)
        return 2
    try:
        body = Path(args.file).read_bytes()
    except OSError as exc:
        print(f"boomerang sign: {args.file}: cannot read: {exc.strerror}", file=sys.stderr)
        return 1
    if args.now:
        try:
            body, moved = restamp(args.source, body, datetime.now(UTC))
        except ValueError as exc:  # not JSON, or a timestamp that is not one
            print(f"boomerang sign: {args.file}: cannot re-stamp: {exc}", file=sys.stderr)
            return 1
        Path(args.out).write_bytes(body)
        what = f"{moved} timestamp(s) re-stamped to just before now" if moved else "no timestamp known to re-stamp"
        print(f"{args.out}: {what}; send it with --data-binary @{args.out}", file=sys.stderr)
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
# Commands that parse their own arguments: `boomerang <name> --help` is theirs.
DELEGATED = {"local": _local, "demo": _demo}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="boomerang", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands.add_parser("local", help="run the whole stack on this machine (see `boomerang local --help`)")
    commands.add_parser(
        "demo", help="start the local stack, replay examples/ webhooks, print the DMs (see `boomerang demo --help`)"
    )
    for name, summary in CS_TOOLS.items():
        commands.add_parser(name, help=f"{summary} (see `boomerang {name} --help`)")

    config = commands.add_parser("config", help="check the rules file").add_subparsers(dest="action", required=True)
    validate = config.add_parser(
        "validate",
        help="report every problem in a rules file with its path",
        description="Check a rules file as the functions will read it: every problem is printed with its path "
        "(`gates.min_nps: …`, `triggers[nps_promoter].script: …`), the [sources.<name>] options included. "
        "Exit status 1 if there is any.",
    )
    validate.add_argument("file", metavar="FILE", help="the rules file, e.g. boomerang.toml")
    validate.set_defaults(run=_config_validate)

    schemas = commands.add_parser(
        "schemas",
        help="write the canonical events' JSON Schemas (or --check them)",
        description="Write the canonical events' JSON Schemas into services/common/schemas/ and their catalog "
        "into docs/events.md, from the models in services/common/models/events.py.",
    )
    schemas.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 if the files drifted from the models (make test)"
    )
    schemas.set_defaults(run=_schemas)

    portfolio = commands.add_parser("portfolio", help="portfolio data").add_subparsers(dest="action", required=True)
    importer = portfolio.add_parser(
        "import",
        help="load CSV files into the deployed PortfolioTable (quarantined deliveries waiting for a new "
        "mapping are replayed automatically)",
        description="Validate every file first (nothing is written if any row is bad, each bad row is named with "
        "its file, row and column), then write the accounts, contacts, team, targets, connections and the lookups "
        "ingest resolves identities by. Files are CSV in UTF-8 or UTF-16 with a BOM.",
    )
    importer.add_argument(
        "--data", required=True, metavar="DIR", help="directory of accounts.csv, contacts.csv, csms.csv, ..."
    )
    importer.add_argument("--table", required=True, metavar="NAME", help="PortfolioTableName from the stack outputs")
    add_endpoint_arg(importer)
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
        "credentials apply; against `boomerang local`, give --endpoint-url the moto URL it prints and use the local "
        "names StateTable, PortfolioTable, BoomerangBus.",
    )
    runner.add_argument("--now", help="run as of this moment (ISO 8601 with a zone; default: now)")
    add_table_args(runner, "with the accounts' signals and schedules", "with the accounts' profiles")
    runner.add_argument("--bus", default=os.environ.get("EVENT_BUS_NAME"), help="EventBusName (or $EVENT_BUS_NAME)")
    runner.add_argument("--config", help="rules file (default: $BOOMERANG_CONFIG or ./boomerang.toml)")
    runner.set_defaults(run=_cadence_run)

    from boomerang.ingest_ops import add_commands

    add_commands(commands)

    from services.ingest.logic.sources import SOURCE_NAMES

    signer = commands.add_parser(
        "sign",
        help="print curl headers that sign FILE as SOURCE signs webhooks",
        description="Print the headers (as curl -H options) that make FILE a correctly signed delivery from SOURCE.",
        epilog=SIGN_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    signer.add_argument("--source", required=True, choices=[*SOURCE_NAMES, "slack"], help="who signs it")
    signer.add_argument(
        "--secret",
        required=True,
        help="the source's secret (its key in the Boomerang secret; the local stack prints its development values)",
    )
    signer.add_argument(
        "--url", default="", help="the full webhook URL it is sent to (HubSpot signs it; others ignore it)"
    )
    signer.add_argument(
        "--now", action="store_true", help="re-stamp the sample's timestamps to just before now (needs --out)"
    )
    signer.add_argument("--out", metavar="BODY", help="with --now: write the re-stamped body here, and send that file")
    signer.add_argument("file", metavar="FILE", help="the webhook body, e.g. a file from examples/webhooks/")
    signer.set_defaults(run=_sign)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] and argv[0] in DELEGATED:
        return DELEGATED[argv[0]](argv[1:])
    from boomerang.cs_tools import COMMANDS
    from boomerang.cs_tools import main as cs_tool

    if argv[:1] and argv[0] in COMMANDS:
        return _one_line_errors(argv[0], lambda: int(cs_tool(argv)))
    args = build_parser().parse_args(argv)
    command = " ".join(str(part) for part in (args.command, getattr(args, "action", None)) if part)
    return _one_line_errors(command, lambda: int(args.run(args)))


def _one_line_errors(command: str, run: Callable[[], int]) -> int:
    """AWS being unreachable (no region, no credentials, no such table, endpoint down) is one line, not a
    traceback: these commands are run by people, against a stack that may not be there yet."""
    try:
        return run()
    except Exception as exc:
        if not type(exc).__module__.startswith("botocore."):  # botocore's errors, without importing it first
            raise
        hint = (
            "" if os.environ.get("AWS_ENDPOINT_URL") else " (against `boomerang local`: --endpoint-url <its moto= URL>)"
        )
        print(f"boomerang {command}: AWS: {exc}{hint}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
