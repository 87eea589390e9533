"""The rows of an export file, CSV or XLSX, each with the line number a person sees when opening the file.

CSV: UTF-8 (a byte-order mark is dropped), else Windows-1252 (what spreadsheets save on Windows); the delimiter
is sniffed among comma, semicolon and tab. XLSX: the first worksheet, read-only (openpyxl), cells as text except
dates, kept as dates. Line numbers count the header as line 1, as a spreadsheet numbers its rows.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from designer.command_outcomes import RequestInvalid

Cell = str | date | datetime
SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm")


@dataclass
class ExportTable:
    """A header and the rows below it: ``(line number, cells)``, read lazily so a million lines stream through."""

    header: list[str]
    rows: Iterator[tuple[int, list[Cell]]]


def open_table(path: Path) -> ExportTable:
    """The file's header and rows; an unreadable or empty file raises :class:`RequestInvalid`."""
    if not path.is_file():
        raise RequestInvalid(f"{path} is not a file; name a CSV or XLSX sales export")
    if path.suffix.lower() in SPREADSHEET_SUFFIXES:
        return _spreadsheet(path)
    return _csv(path)


def _csv(path: Path) -> ExportTable:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")
    sample = text[:8192]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    header = next(reader, None)
    if not header or not any(cell.strip() for cell in header):
        raise RequestInvalid(f"{path.name} is empty: a sales export starts with a header line naming its columns")
    return ExportTable([cell.strip() for cell in header], ((reader.line_num, row) for row in reader))  # type: ignore[misc]


def _spreadsheet(path: Path) -> ExportTable:
    import openpyxl  # only when a spreadsheet is read: it is slow to import
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, OSError, KeyError, ValueError) as problem:
        raise RequestInvalid(f"{path.name} cannot be read as an XLSX workbook ({problem})") from None
    sheet = book.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = next(rows, None)
    if not header or not any(cell not in (None, "") for cell in header):
        book.close()
        raise RequestInvalid(f"{path.name} is empty: its first sheet starts with a header row naming its columns")

    def cells() -> Iterator[tuple[int, list[Cell]]]:
        try:
            for number, row in enumerate(rows, start=2):
                yield number, [_cell_text(value) for value in row]
        finally:
            book.close()

    return ExportTable([_cell_text(value).strip() for value in header], cells())  # type: ignore[union-attr]


def _cell_text(value: object) -> Cell:
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a coil or basket number a spreadsheet stored as 148.0
    return str(value)
