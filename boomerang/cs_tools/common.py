"""Shared helpers of the CS ops commands: typed CSV columns with row-numbered errors, quarters, the health
config, and text/JSON output.

CSV files are UTF-8 (a BOM is fine) or UTF-16 with a BOM, with a header row (boomerang/csv_rows.py reads them
all); an empty cell means "not set".
Every bad row is reported as ``<file> row <n>: <column>: <reason>`` (row 1 is the header) and nothing is
printed as a result when any row is bad, in the style of ``boomerang/portfolio/csv_files.py``.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import re
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from boomerang.aws_endpoint import add_endpoint_arg
from boomerang.csv_rows import CsvError, read_rows
from services.common.models.config import Health, load_config
from services.common.models.errors import ConfigError

SEGMENTS = ("Enterprise", "Mid-Market", "SMB", "Strategic")
PILLARS = ("product", "relationship", "outcomes")


class InputError(Exception):
    """Input that cannot be used, with one line per problem (file, row, column, reason)."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


# --- column parsers: each takes a non-empty, stripped cell and returns a value or raises ValueError ---


def text(value: str) -> str:
    return value


def integer(minimum: int | None = None) -> Callable[[str], int]:
    def parse(value: str) -> int:
        try:
            number = int(value.replace(",", "").replace("_", ""))
        except ValueError:
            raise ValueError(f"not a whole number: {value!r}") from None
        if minimum is not None and number < minimum:
            raise ValueError(f"must be at least {minimum}, got {number}")
        return number

    return parse


def number(minimum: float | None = None, maximum: float | None = None) -> Callable[[str], float]:
    def parse(value: str) -> float:
        try:
            result = float(value.replace(",", "").replace("_", "").removesuffix("%"))
        except ValueError:
            raise ValueError(f"not a number: {value!r}") from None
        if result != result or result in (float("inf"), float("-inf")):
            raise ValueError(f"not a finite number: {value!r}")
        if minimum is not None and result < minimum:
            raise ValueError(f"must be at least {minimum:g}, got {result:g}")
        if maximum is not None and result > maximum:
            raise ValueError(f"must be at most {maximum:g}, got {result:g}")
        return result

    return parse


def iso_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"not an ISO date (YYYY-MM-DD): {value!r}") from None


_TRUE = {"yes", "y", "true", "1"}
_FALSE = {"no", "n", "false", "0"}


def boolean(value: str) -> bool:
    lowered = value.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ValueError(f"expected yes or no, got {value!r}")


def choice(*allowed: str, case_sensitive: bool = False) -> Callable[[str], str]:
    def parse(value: str) -> str:
        for option in allowed:
            if value == option or (not case_sensitive and value.lower() == option.lower()):
                return option
        raise ValueError(f"expected one of {', '.join(allowed)}, got {value!r}")

    return parse


@dataclass(frozen=True)
class Column:
    name: str
    parse: Callable[[str], Any]
    required: bool = True
    help: str = ""


@dataclass(frozen=True, order=True)
class Quarter:
    year: int
    q: int

    @classmethod
    def parse(cls, value: str) -> Quarter:
        match = re.fullmatch(r"\s*(\d{4})\s*-?\s*[Qq]([1-4])\s*", value)
        if not match:
            raise ValueError(f"not a quarter like 2027Q1: {value!r}")
        return cls(int(match.group(1)), int(match.group(2)))

    @classmethod
    def of(cls, day: date) -> Quarter:
        return cls(day.year, (day.month - 1) // 3 + 1)

    @property
    def start(self) -> date:
        return date(self.year, 3 * self.q - 2, 1)

    @property
    def end(self) -> date:
        return self.next().start - timedelta(days=1)

    def next(self) -> Quarter:
        return Quarter(self.year + 1, 1) if self.q == 4 else Quarter(self.year, self.q + 1)

    def previous(self) -> Quarter:
        return Quarter(self.year - 1, 4) if self.q == 1 else Quarter(self.year, self.q - 1)

    def __str__(self) -> str:
        return f"{self.year}Q{self.q}"


def quarter(value: str) -> Quarter:
    return Quarter.parse(value)


def quarter_arg(value: str) -> Quarter:
    """argparse type for ``--period`` / ``--quarter``."""
    try:
        return Quarter.parse(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def date_arg(value: str) -> date:
    try:
        return iso_date(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def probability_arg(value: str) -> float:
    try:
        result = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {value!r}") from None
    if not 0 <= result <= 1:
        raise argparse.ArgumentTypeError(f"a probability must be between 0 and 1, got {value}")
    return result


def read_csv(path: Path, columns: Sequence[Column], problems: list[str] | None = None) -> list[dict[str, Any]]:
    """Rows as dicts of parsed values (``None`` for an empty optional cell) plus ``_row`` (the file's row
    number); extra columns are ignored. Raises InputError naming every bad row, unless ``problems`` is given:
    then they are added to it and only the good rows are returned, so a caller can add its own checks."""
    try:
        table = read_rows(path)
    except CsvError as exc:
        raise InputError([str(exc)]) from exc
    collect = problems is not None
    problems = [] if problems is None else problems
    found = len(problems)
    missing = [c.name for c in columns if c.required and c.name not in table.header]
    if missing:
        raise InputError([f"{path.name}: missing column(s): {', '.join(missing)}"])
    rows: list[dict[str, Any]] = []
    for row in table.rows:
        if row.overflow:
            problems.append(f"{path.name} row {row.number}: more cells than the header has columns")
            continue
        if row.blank:
            continue
        parsed: dict[str, Any] = {"_row": row.number}
        before = len(problems)
        for column in columns:
            cell = row.cells.get(column.name, "")
            if cell == "":
                if column.required:
                    problems.append(f"{path.name} row {row.number}: {column.name}: required, but empty")
                parsed[column.name] = None
                continue
            try:
                parsed[column.name] = column.parse(cell)
            except ValueError as exc:
                problems.append(f"{path.name} row {row.number}: {column.name}: {exc}")
        if len(problems) == before:
            rows.append(parsed)
    if not collect and len(problems) > found:
        raise InputError(problems)
    return rows


def duplicates(rows: Iterable[dict[str, Any]], key: Callable[[dict[str, Any]], Any], file: str, what: str) -> list[str]:
    """One problem per repeated key, naming the row that repeats it."""
    seen: dict[Any, int] = {}
    problems = []
    for row in rows:
        k = key(row)
        if k in seen:
            problems.append(f"{file} row {row['_row']}: {what} {k} repeats row {seen[k]}")
        else:
            seen[k] = row["_row"]
    return problems


def columns_help(columns: Sequence[Column]) -> str:
    """The columns table shown in ``--help`` (argparse epilog; use RawDescriptionHelpFormatter)."""
    width = max(len(c.name) for c in columns)
    return "\n".join(
        f"  {c.name.ljust(width)}  {'required' if c.required else 'optional'}  {c.help}".rstrip() for c in columns
    )


# --- config ---


def add_table_args(parser: argparse.ArgumentParser, state_use: str, portfolio_use: str) -> None:
    """``--state-table`` / ``--portfolio-table``: the deployed tables' names (stack outputs), from the
    environment by default; ``*_use`` says what the command reads there. And ``--endpoint-url`` for the local stack."""
    parser.add_argument(
        "--state-table",
        metavar="NAME",
        default=os.environ.get("STATE_TABLE"),
        help=f"StateTable {state_use} (stack output StateTableName; default $STATE_TABLE)",
    )
    parser.add_argument(
        "--portfolio-table",
        metavar="NAME",
        default=os.environ.get("PORTFOLIO_TABLE"),
        help=f"PortfolioTable {portfolio_use} (stack output PortfolioTableName; default $PORTFOLIO_TABLE)",
    )
    add_endpoint_arg(parser)


def add_config_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config",
        metavar="FILE",
        help="rules file for the health weights and thresholds (default: ./boomerang.toml if present, else 40/30/30 "
        "with green ≥ 80, yellow ≥ 60)",
    )


def load_health(path: str | None) -> Health:
    if path is None:
        if not Path("boomerang.toml").is_file():
            return Health()
        path = "boomerang.toml"
    try:
        return load_config(path).health
    except ConfigError as exc:
        raise InputError([f"{exc.source}: {p}" for p in exc.problems]) from exc


# --- output ---


def add_format_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", choices=("text", "json"), default="text", help="text for humans, json for machines")


def parser_for(command: str, description: str, columns: str = "") -> argparse.ArgumentParser:
    return argparse.ArgumentParser(
        prog=f"boomerang {command}",
        description=description,
        epilog=columns or None,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )


def parse(parser: argparse.ArgumentParser, argv: list[str], config: bool = True) -> argparse.Namespace:
    """Add the options every command ends with (``--config`` where it scores, ``--format``) and parse ``argv``."""
    if config:
        add_config_arg(parser)
    add_format_arg(parser)
    return parser.parse_args(argv)


def print_json(data: Any) -> None:
    print(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def show(data: dict[str, Any], output: str, render: Callable[[dict[str, Any]], str]) -> int:
    """Print the result as ``--format`` asks (JSON for machines, ``render``'s text for people)."""
    if output == "json":
        print_json(data)
    else:
        print(render(data))
    return 0


def report_errors(exc: InputError) -> int:
    print(f"error: {len(exc.problems)} problem(s) in the input; nothing was computed", file=sys.stderr)
    for problem in exc.problems:
        print(f"  {problem}", file=sys.stderr)
    return 1


def reports_input_errors(run: Callable[[list[str]], int]) -> Callable[[list[str]], int]:
    """A command's ``run`` whose unusable input (any InputError) is reported, one line per problem, exit 1."""

    @functools.wraps(run)
    def reporting(argv: list[str]) -> int:
        try:
            return run(argv)
        except InputError as exc:
            return report_errors(exc)

    return reporting


def money(value: float) -> str:
    sign = "-" if value < 0 else ""
    return f"{sign}${abs(value):,.0f}"


def pct(value: float | None, digits: int = 1) -> str:
    return "n/a" if value is None else f"{value * 100:.{digits}f} %"


def num(value: float | None, digits: int = 1) -> str:
    """84.0 → "84", 83.456 → "83.5"; None → "n/a"."""
    if value is None:
        return "n/a"
    rounded = round(value, digits)
    return f"{rounded:.0f}" if rounded == int(rounded) else f"{rounded:.{digits}f}"


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]], right: Sequence[int] = ()) -> str:
    """A plain fixed-width table; ``right`` lists the columns to right-align."""
    cells = [[str(h) for h in headers], *[[str(c) for c in r] for r in rows]]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = []
    for index, row in enumerate(cells):
        parts = [c.rjust(widths[i]) if i in right else c.ljust(widths[i]) for i, c in enumerate(row)]
        lines.append("  ".join(parts).rstrip())
        if index == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)
