import shutil

import pytest

from boomerang.portfolio.csv_files import PortfolioError, read_portfolio
from boomerang.portfolio.importer import portfolio_items
from tests.fakes import EXAMPLES


def test_example_portfolio_reads_and_maps_to_lookup_items():
    portfolio = read_portfolio(EXAMPLES / "portfolio")
    items = list(portfolio_items(portfolio))
    keys = {item["pk"] for _, item in items}
    assert "LOOKUP#email#priya.raman@halvorsen-freight.example" in keys
    assert "LOOKUP#zendesk#24831017900715" in keys  # ext_zendesk column → external id lookup
    assert "LOOKUP#domain#halvorsen-freight.example" in keys
    assert "LOOKUP#name#halvorsen freight as" in keys  # `boomerang health --customer NAME`
    assert "RENEWAL#2027Q1" in keys  # `boomerang forecast --period 2027Q1`
    assert {kind for kind, _ in items} == {
        "accounts",
        "lookups",
        "renewals",
        "contacts",
        "members",
        "targets",
        "connections",
    }


@pytest.fixture
def portfolio_dir(tmp_path):
    target = tmp_path / "portfolio"
    shutil.copytree(EXAMPLES / "portfolio", target)
    return target


def test_bad_rows_are_reported_with_file_row_and_column(portfolio_dir):
    accounts = portfolio_dir / "accounts.csv"
    lines = accounts.read_text().splitlines()
    lines[2] = lines[2].replace(",Enterprise,", ",Gigantic,", 1)
    accounts.write_text("\n".join(lines) + "\n")
    contacts = portfolio_dir / "contacts.csv"
    contacts.write_text(
        contacts.read_text()
        + "con-x,acc-halvorsen,X,Y,not-an-email,,user,,\ncon-y,acc-nowhere,Y,Z,y@z.example,,user,,\n"
    )
    with pytest.raises(PortfolioError) as err:
        read_portfolio(portfolio_dir)
    problems = err.value.problems
    assert any(p.startswith("accounts.csv row 3: segment:") for p in problems)
    assert any(p.startswith("contacts.csv row") and ": email:" in p for p in problems)
    assert any("acc-nowhere" in p and "not in accounts.csv" in p for p in problems)
    assert not any("acc-meridian" in p for p in problems)  # the bad account row is reported once, not per contact


def test_missing_required_file_is_named(portfolio_dir):
    (portfolio_dir / "csms.csv").unlink()
    with pytest.raises(PortfolioError, match=r"missing csms\.csv"):
        read_portfolio(portfolio_dir)


def test_duplicate_ids_are_reported(portfolio_dir):
    contacts = portfolio_dir / "contacts.csv"
    first_contact = contacts.read_text().splitlines()[1]
    contacts.write_text(contacts.read_text() + first_contact + "\n")
    with pytest.raises(PortfolioError) as err:
        read_portfolio(portfolio_dir)
    assert err.value.problems == [f"contact_id {first_contact.split(',')[0]!r} appears more than once"]
