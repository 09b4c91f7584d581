"""The one reader of every CSV file the project takes in (portfolio directories, CS exports): rows of stripped
text cells under a header, with the file's row numbers.

Spreadsheets and CS platforms export UTF-8, with or without a BOM, or UTF-16 with a BOM (Excel's "Unicode
Text", which is tab-separated): all are read, and a header with tabs and no comma is split on tabs. Anything
else is refused in the ``<file> row <n>: …`` style of every other input error, at the row of the first byte
that cannot be read, so a Latin-1 or Windows-1252 export says what is wrong instead of raising a traceback.
"""

from __future__ import annotations

import codecs
import csv
import io
from dataclasses import dataclass
from pathlib import Path

# (BOM, the codec of what follows it, the name shown)
_BOMS = (
    (codecs.BOM_UTF8, "utf-8", "UTF-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "UTF-16"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "UTF-16"),
)
SAVE_AS = "save it as CSV UTF-8 (or UTF-16 with a BOM)"


class CsvError(Exception):
    """A file that cannot be read as CSV at all, as one ``<file>[ row <n>]: <reason>`` line."""


@dataclass(frozen=True)
class Row:
    number: int  # the file's row number: row 1 is the header
    cells: dict[str, str]  # column → stripped cell, "" when empty or absent
    overflow: bool = False  # more cells than the header has columns

    @property
    def blank(self) -> bool:
        return not any(self.cells.values())


@dataclass(frozen=True)
class Table:
    header: list[str]  # stripped column names, in file order
    rows: list[Row]


def read_rows(path: Path) -> Table:
    """The header and every row after it (blank rows included, so numbers stay the file's); raises CsvError."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CsvError(f"{path}: cannot read: {exc.strerror}") from exc
    text = _decode(data, path.name)
    if "\x00" in text:
        row = text.count("\n", 0, text.index("\x00")) + 1
        raise CsvError(f"{path.name} row {row}: contains NUL bytes (UTF-16 without a BOM?); {SAVE_AS}")
    header_line = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in header_line and "," not in header_line else ","
    if ";" in header_line and delimiter not in header_line:
        # Excel's CSV where the decimal separator is a comma: "86,5" would read as 865, so it is not guessed at.
        raise CsvError(f"{path.name} row 1: columns are separated by ';'; save it as CSV UTF-8 (comma-separated)")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [name.strip() for name in next(reader, [])]
        rows = [_row(number, values, header) for number, values in enumerate(reader, start=2)]
    except csv.Error as exc:
        raise CsvError(f"{path.name} row {reader.line_num}: not readable as CSV: {exc}") from exc
    return Table(header, rows)


def _row(number: int, values: list[str], header: list[str]) -> Row:
    cells = {name: (values[i].strip() if i < len(values) else "") for i, name in enumerate(header) if name}
    return Row(number, cells, overflow=len(values) > len(header))


def _decode(data: bytes, name: str) -> str:
    bom, codec, label = next((b for b in _BOMS if data.startswith(b[0])), (b"", "utf-8", "UTF-8"))
    body = data[len(bom) :]
    try:
        return body.decode(codec)
    except UnicodeDecodeError as exc:
        row = body[: exc.start].decode(codec, "replace").count("\n") + 1
        raise CsvError(f"{name} row {row}: byte 0x{body[exc.start]:02x} is not {label} text; {SAVE_AS}") from exc
