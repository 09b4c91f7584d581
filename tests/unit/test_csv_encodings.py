"""Every CSV the project reads goes through one reader (boomerang/csv_rows.py): UTF-8 with or without a BOM and
UTF-16 with a BOM (Excel's tab-separated "Unicode Text") are read; anything else is one `<file> row <n>: …` line,
never a UnicodeDecodeError traceback, for `risk --portfolio`, `calibrate --history` and the portfolio import."""

from __future__ import annotations

import codecs
import shutil
from pathlib import Path

import pytest

from boomerang.cli import main
from boomerang.csv_rows import CsvError, read_rows
from boomerang.portfolio.csv_files import PortfolioError, read_portfolio
from tests.fakes import EXAMPLES

CUSTOMERS = (EXAMPLES / "cs" / "customers.csv").read_text(encoding="utf-8")
HISTORY = (EXAMPLES / "cs" / "history.csv").read_text(encoding="utf-8")


def _latin1(text: str, line: int) -> bytes:
    """``text`` in Latin-1, with an "ø" ending the first cell of ``line`` (1-based): one byte that is not UTF-8."""
    lines = text.splitlines()
    lines[line - 1] = lines[line - 1].replace(",", "ø,", 1)
    return ("\n".join(lines) + "\n").encode("latin-1")


@pytest.mark.parametrize(
    "encoded",
    [
        pytest.param(lambda t: t.encode("utf-8"), id="utf-8"),
        pytest.param(lambda t: codecs.BOM_UTF8 + t.encode("utf-8"), id="utf-8 with BOM"),
        pytest.param(lambda t: codecs.BOM_UTF16_LE + t.encode("utf-16-le"), id="utf-16-le with BOM"),
        pytest.param(lambda t: codecs.BOM_UTF16_BE + t.encode("utf-16-be"), id="utf-16-be with BOM"),
        pytest.param(lambda t: t.replace(",", "\t").encode("utf-16"), id="Excel Unicode Text (utf-16, tabs)"),
    ],
)
def test_what_spreadsheets_export_reads_as_the_same_rows(tmp_path: Path, encoded):
    # Given the example customers export saved as a spreadsheet or a CS platform saves it
    path = tmp_path / "customers.csv"
    path.write_bytes(encoded("account_id,name\nacc-å,Ærø Fjord AS\n"))
    # When read
    table = read_rows(path)
    # Then the header and cells are the text, without a BOM
    assert table.header == ["account_id", "name"]
    assert [row.cells for row in table.rows] == [{"account_id": "acc-å", "name": "Ærø Fjord AS"}]


def test_a_latin1_file_is_refused_at_the_row_of_its_first_unreadable_byte(tmp_path: Path):
    path = tmp_path / "customers.csv"
    path.write_bytes(_latin1(CUSTOMERS, 2))
    with pytest.raises(CsvError) as err:
        read_rows(path)
    assert str(err.value) == (
        "customers.csv row 2: byte 0xf8 is not UTF-8 text; save it as CSV UTF-8 (or UTF-16 with a BOM)"
    )


def test_utf16_without_a_bom_is_named(tmp_path: Path):
    path = tmp_path / "customers.csv"
    path.write_bytes("account_id,name\n".encode("utf-16-le"))
    with pytest.raises(CsvError, match=r"customers\.csv row 1: contains NUL bytes \(UTF-16 without a BOM\?\)"):
        read_rows(path)


def test_risk_reads_a_utf16_export_as_it_reads_utf8(tmp_path: Path, capsys):
    utf8, utf16 = tmp_path / "utf8.csv", tmp_path / "utf16.csv"
    utf8.write_text(CUSTOMERS, encoding="utf-8")
    utf16.write_text(CUSTOMERS, encoding="utf-16")
    args = ["--as-of", "2026-11-22", "--format", "json"]
    assert main(["risk", "--portfolio", str(utf8), *args]) == 0
    expected = capsys.readouterr().out
    assert main(["risk", "--portfolio", str(utf16), *args]) == 0
    assert capsys.readouterr().out == expected


@pytest.mark.parametrize(
    ("command", "option", "text"),
    [("risk", "--portfolio", CUSTOMERS), ("calibrate", "--history", HISTORY)],
    ids=["risk", "calibrate"],
)
def test_a_latin1_export_is_one_error_line_not_a_traceback(tmp_path: Path, capsys, command, option, text):
    # Given an export saved as Latin-1, with a non-ASCII name on row 3
    path = tmp_path / "export.csv"
    path.write_bytes(_latin1(text, 3))
    # When a CS tool reads it
    status = main([command, option, str(path)])
    # Then it fails with the file, the row and what to do, and prints no result
    captured = capsys.readouterr()
    assert status == 1
    assert "  export.csv row 3: byte 0xf8 is not UTF-8 text; save it as CSV UTF-8" in captured.err
    assert "Traceback" not in captured.err
    assert captured.out == ""


@pytest.fixture
def portfolio_dir(tmp_path: Path) -> Path:
    target = tmp_path / "portfolio"
    shutil.copytree(EXAMPLES / "portfolio", target)
    return target


def test_the_portfolio_reads_utf16_files(portfolio_dir: Path):
    connections = portfolio_dir / "connections.csv"
    connections.write_text(connections.read_text(encoding="utf-8"), encoding="utf-16")
    names = {c.first_name for c in read_portfolio(portfolio_dir).connections}
    assert "Łukasz" in names


def test_the_portfolio_import_refuses_a_latin1_file_in_one_line(portfolio_dir: Path, capsys):
    accounts = portfolio_dir / "accounts.csv"
    accounts.write_bytes(_latin1(accounts.read_text(encoding="utf-8"), 2))
    with pytest.raises(PortfolioError) as err:
        read_portfolio(portfolio_dir)
    assert err.value.problems == [
        "accounts.csv row 2: byte 0xf8 is not UTF-8 text; save it as CSV UTF-8 (or UTF-16 with a BOM)"
    ]
    assert main(["portfolio", "import", "--data", str(portfolio_dir), "--table", "PortfolioTable"]) == 1
    assert "accounts.csv row 2: byte 0xf8 is not UTF-8 text" in capsys.readouterr().err


def test_a_semicolon_separated_export_is_refused_rather_than_misread(tmp_path: Path):
    # Given Excel's CSV where the decimal separator is a comma (86,5 would read as 865)
    path = tmp_path / "customers.csv"
    path.write_text("account_id;health_score\nacc-a;86,5\n", encoding="utf-8")
    with pytest.raises(CsvError, match=r"customers\.csv row 1: columns are separated by ';'"):
        read_rows(path)
