"""Reads a portfolio directory of CSV files into validated models, naming the file and row of every error.

Files (columns: examples/portfolio/README.md): accounts.csv, contacts.csv, csms.csv, targets.csv and
connections.csv. Columns named ``ext_<source>`` carry a record's id in that vendor's tool.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from boomerang.csv_rows import CsvError, read_rows
from services.common.models.portfolio import Account, Connection, Contact, Member, Target

M = TypeVar("M", bound=BaseModel)

REQUIRED_FILES = ("accounts.csv", "contacts.csv", "csms.csv")


class PortfolioError(Exception):
    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("portfolio has errors:\n" + "\n".join(f"  {p}" for p in problems))


@dataclass
class Portfolio:
    accounts: list[Account] = field(default_factory=list)
    contacts: list[Contact] = field(default_factory=list)
    members: list[Member] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    connections: list[Connection] = field(default_factory=list)


def _rows(path: Path, model: type[M], problems: list[str], seen: set[str] | None = None) -> list[M]:
    """Valid rows as models; every invalid one adds a problem. ``seen`` collects the first column's ids of
    all rows, valid or not, so one bad row is reported once rather than again by every reference to it."""
    try:
        table = read_rows(path)
    except CsvError as exc:
        raise PortfolioError([str(exc)]) from exc
    records: list[M] = []
    for row in table.rows:
        if row.blank:
            continue
        if seen is not None and table.header:
            seen.add(row.cells.get(table.header[0], ""))
        external = {k.removeprefix("ext_"): v for k, v in row.cells.items() if k.startswith("ext_") and v}
        cleaned: dict[str, Any] = {
            k: (v if v != "" else None) for k, v in row.cells.items() if not k.startswith("ext_")
        }
        if "external_ids" in model.model_fields:
            cleaned["external_ids"] = external
        try:
            records.append(model.model_validate(cleaned))
        except ValidationError as exc:
            for err in exc.errors():
                column = ".".join(str(p) for p in err["loc"]) or "row"
                problems.append(f"{path.name} row {row.number}: {column}: {err['msg']}")
    return records


def read_portfolio(directory: Path) -> Portfolio:
    problems: list[str] = []
    if not directory.is_dir():
        raise PortfolioError([f"{directory}: not a directory"])
    missing = [name for name in REQUIRED_FILES if not (directory / name).is_file()]
    if missing:
        raise PortfolioError([f"{directory}: missing {name}" for name in missing])

    ids: dict[str, set[str]] = {"accounts": set(), "contacts": set(), "members": set()}
    portfolio = Portfolio(
        accounts=_rows(directory / "accounts.csv", Account, problems, ids["accounts"]),
        contacts=_rows(directory / "contacts.csv", Contact, problems, ids["contacts"]),
        members=_rows(directory / "csms.csv", Member, problems, ids["members"]),
    )
    if (directory / "targets.csv").is_file():
        portfolio.targets = _rows(directory / "targets.csv", Target, problems)
    if (directory / "connections.csv").is_file():
        portfolio.connections = _rows(directory / "connections.csv", Connection, problems)
    problems.extend(_dangling_references(portfolio, ids))
    problems.extend(_ambiguous_lookups(portfolio))
    if problems:
        raise PortfolioError(problems)
    return portfolio


def _dangling_references(portfolio: Portfolio, ids: dict[str, set[str]]) -> list[str]:
    problems: list[str] = []
    accounts, members, contacts = ids["accounts"], ids["members"], ids["contacts"]
    for kind, values in (
        ("account_id", [a.account_id for a in portfolio.accounts]),
        ("contact_id", [c.contact_id for c in portfolio.contacts]),
        ("member_id", [m.member_id for m in portfolio.members]),
    ):
        repeated = sorted(i for i, n in Counter(values).items() if n > 1)
        problems.extend(f"{kind} {i!r} appears more than once" for i in repeated)
    by_account = [(f"account {a.account_id!r}", a) for a in portfolio.accounts]
    problems += _unknown("accounts.csv", "csm_id", [(w, a.csm_id) for w, a in by_account], "csms.csv", members)
    problems += _unknown("accounts.csv", "ae_id", [(w, a.ae_id) for w, a in by_account if a.ae_id], "csms.csv", members)
    by_contact = [(f"contact {c.contact_id!r}", c.account_id) for c in portfolio.contacts]
    problems += _unknown("contacts.csv", "account_id", by_contact, "accounts.csv", accounts)
    by_connection = [(repr(c.name), c.contact_id) for c in portfolio.connections]
    problems += _unknown("connections.csv", "contact_id", by_connection, "contacts.csv", contacts)
    return problems


def _unknown(
    file: str, column: str, named: Sequence[tuple[str, str | None]], target: str, known: set[str]
) -> list[str]:
    """One problem per (row, id) in ``named`` whose id is not among ``known`` (the ids of ``target``)."""
    return [f"{file}: {who} names {column} {value!r}, not in {target}" for who, value in named if value not in known]


def _ambiguous_lookups(portfolio: Portfolio) -> list[str]:
    """Every lookup must name one record: a shared domain, email or vendor id would make ingest guess."""
    problems: list[str] = []
    claimed: dict[tuple[str, str], list[str]] = {}
    for account in portfolio.accounts:
        if account.domain:
            claimed.setdefault(("accounts.csv", f"domain {account.domain!r}"), []).append(account.account_id)
        for source, external_id in account.external_ids.items():
            claimed.setdefault(("accounts.csv", f"ext_{source} {external_id!r}"), []).append(account.account_id)
    for contact in portfolio.contacts:
        if contact.email:
            claimed.setdefault(("contacts.csv", f"email {contact.email!r}"), []).append(contact.contact_id)
        for source, external_id in contact.external_ids.items():
            claimed.setdefault(("contacts.csv", f"ext_{source} {external_id!r}"), []).append(contact.contact_id)
    for (file, what), named in claimed.items():
        owners = sorted(set(named))  # a repeated row is already reported as a repeated id
        if len(owners) > 1:
            problems.append(f"{file}: {what} belongs to {len(owners)} records ({', '.join(owners)}); it must name one")
    return problems
