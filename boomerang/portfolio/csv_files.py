"""Reads a portfolio directory of CSV files into validated models, naming the file and row of every error.

Files (columns: examples/portfolio/README.md): accounts.csv, contacts.csv, csms.csv, targets.csv and
connections.csv. Columns named ``ext_<source>`` carry a record's id in that vendor's tool.
"""

from __future__ import annotations

import csv
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from services.common.models.portfolio import Account, Connection, Contact, Member, Target

M = TypeVar("M", bound=BaseModel)

REQUIRED_FILES = ("accounts.csv", "contacts.csv", "csms.csv")
OPTIONAL_FILES = ("targets.csv", "connections.csv")


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
    records: list[M] = []
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        for number, row in enumerate(reader, start=2):  # row 1 is the header
            values: dict[str, Any] = {k.strip(): (v or "").strip() for k, v in row.items() if k}
            if seen is not None and reader.fieldnames:
                seen.add(values.get(reader.fieldnames[0].strip(), ""))
            external = {k.removeprefix("ext_"): v for k, v in values.items() if k.startswith("ext_") and v}
            cleaned = {k: (v if v != "" else None) for k, v in values.items() if not k.startswith("ext_")}
            if "external_ids" in model.model_fields:
                cleaned["external_ids"] = external
            try:
                records.append(model.model_validate(cleaned))
            except ValidationError as exc:
                for err in exc.errors():
                    column = ".".join(str(p) for p in err["loc"]) or "row"
                    problems.append(f"{path.name} row {number}: {column}: {err['msg']}")
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
    problems.extend(
        f"accounts.csv: account {a.account_id!r} names csm_id {a.csm_id!r}, not in csms.csv"
        for a in portfolio.accounts
        if a.csm_id not in members
    )
    problems.extend(
        f"accounts.csv: account {a.account_id!r} names ae_id {a.ae_id!r}, not in csms.csv"
        for a in portfolio.accounts
        if a.ae_id and a.ae_id not in members
    )
    problems.extend(
        f"contacts.csv: contact {c.contact_id!r} names account_id {c.account_id!r}, not in accounts.csv"
        for c in portfolio.contacts
        if c.account_id not in accounts
    )
    problems.extend(
        f"connections.csv: {c.name!r} names contact_id {c.contact_id!r}, not in contacts.csv"
        for c in portfolio.connections
        if c.contact_id not in contacts
    )
    return problems


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
