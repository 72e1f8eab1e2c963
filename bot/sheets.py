"""Reading a spreadsheet people typed (XLSX, or CSV from Excel): its rows, its cells as clean
text or whole numbers, and its header row matched loosely (case, diacritics, separators), with
every error naming the file, the row and the column in the reader's language. The importers
(criterion texts, units) say which headers they accept."""

from __future__ import annotations

import csv
import itertools
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import openpyxl
from openpyxl.utils.exceptions import InvalidFileException

from bot.catalog import CatalogError
from bot.text import fold

__all__ = ["PROGRESS_EVERY", "Cell", "Gettext", "Record", "Row", "RowsRead", "Table", "cell_text", "header_columns", "names_of", "read_rows", "read_table", "whole_number"]

Cell = object
Row = Sequence[Cell]
Gettext = Callable[[str], str]


@dataclass(frozen=True)
class Record:
    """One filled row: its number as the spreadsheet shows it, and its cells by column."""

    number: int
    cells: Mapping[str, Cell]

    def text(self, column: str) -> str:
        return cell_text(self.cells.get(column))


@dataclass(frozen=True)
class Table:
    """A sheet read through its header row: which columns it has (as typed), and its filled rows,
    read lazily as they are iterated (once): a sheet of 100,000 rows is never held whole."""

    label: str
    headers: Mapping[str, str]
    records: Iterator[Record]
    _: Gettext

    def error(self, record: Record | int, column: str, message: str) -> CatalogError:
        """An error at a row and column, named as the spreadsheet shows them."""
        number = record.number if isinstance(record, Record) else record
        where = self._("row {row}, column “{column}”").format(row=number, column=self.headers.get(column, column))
        return CatalogError(self.label, where, message)


RowsRead = Callable[[int], None]
"""Told how many rows have been read so far (a progress bar), every `PROGRESS_EVERY` rows and at the end."""

PROGRESS_EVERY = 1000


def read_table(
    path: Path, names: Mapping[str, str], required: Mapping[str, str], expected: str, _: Gettext, rows_read: RowsRead | None = None
) -> Table:
    """The sheet's rows by column (see `header_columns`); blank rows are left out. The header row
    is checked now; the other rows are read as `records` is iterated."""
    label = str(path)
    rows = read_rows(path, label, _)
    header = next(rows, None)
    if header is None:
        raise CatalogError(label, _("row 1"), _("the file is empty; a header row is needed ({headers})").format(headers=expected))
    columns = header_columns(header, names, required, expected, label, _)
    headers = {column: cell_text(header[index]) for column, index in columns.items()}
    return Table(label, headers, _records(rows, columns, rows_read), _)


def _records(rows: Iterator[Row], columns: Mapping[str, int], rows_read: RowsRead | None) -> Iterator[Record]:
    number = 1
    for number, row in enumerate(rows, start=2):
        if rows_read is not None and number % PROGRESS_EVERY == 0:
            rows_read(number)
        if any(cell_text(cell) for cell in row):
            yield Record(number, {column: row[index] if index < len(row) else None for column, index in columns.items()})
    if rows_read is not None:
        rows_read(number)


def read_rows(path: Path, label: str, _: Gettext) -> Iterator[Row]:
    """Every row of the first sheet of an XLSX file, or of a CSV file, read as they are asked for.
    A file that is missing, unreadable or a folder is the OSError opening it raises (at once), not
    a CatalogError: nothing is wrong with data that cannot be read."""
    path.open("rb").close()
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        return _xlsx_rows(path, label, _)
    if suffix == ".csv":
        return _csv_rows(path, label, _)
    raise CatalogError(label, "", _("expected an .xlsx or .csv file"))


def _xlsx_rows(path: Path, label: str, _: Gettext) -> Iterator[Row]:
    """openpyxl's read-only mode parses the sheet as it goes; the workbook is closed when the rows
    run out or the reader stops early (a generator closed, or collected)."""
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, OSError, KeyError) as exc:
        raise CatalogError(label, "", _("cannot read the workbook: {error}").format(error=exc)) from None

    def rows() -> Iterator[Row]:
        try:
            yield from workbook.worksheets[0].iter_rows(values_only=True)
        finally:
            workbook.close()

    return rows()


def _csv_rows(path: Path, label: str, _: Gettext) -> Iterator[Row]:
    """UTF-8 with or without BOM; `;` (Excel in Vietnamese locales) or `,` as the separator. Each
    line is decoded as it is read, so a byte that is not UTF-8 is named with its row."""
    file = path.open("rb")
    read = 0  # rows the reader has given so far

    def lines() -> Iterator[str]:
        for raw in file:
            try:
                yield raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                where = _("row {row}").format(row=read + 1)
                raise CatalogError(label, where, _("not UTF-8 text (save the CSV as UTF-8): {error}").format(error=exc)) from None

    text = lines()
    try:
        header_line = next(text, "").removeprefix("\ufeff")
    except CatalogError:
        file.close()
        raise
    delimiter = ";" if header_line.count(";") > header_line.count(",") else ","

    def rows() -> Iterator[Row]:
        nonlocal read
        with file:
            for row in csv.reader(itertools.chain([header_line] if header_line else [], text), delimiter=delimiter):
                read += 1
                yield row

    return rows()


def header_columns(
    header: Row, names: Mapping[str, str], required: Mapping[str, str], expected: str, label: str, _: Gettext
) -> dict[str, int]:
    """Which column holds what: `names` maps a folded header to a column, `required` each column
    that must be there to how an error names it (an N_ msgid); `expected` lists the headers."""
    columns: dict[str, int] = {}
    for index, cell in enumerate(header):
        name = cell_text(cell)
        if not name:
            continue
        column = names.get(_folded_header(name))
        where = _("row 1, column “{column}”").format(column=name)
        if column is None:
            raise CatalogError(label, where, _("unknown column; the header row names the columns: {headers}").format(headers=expected))
        if column in columns:
            raise CatalogError(label, where, _("a second column for the same thing as “{column}”").format(column=cell_text(header[columns[column]])))
        columns[column] = index
    for column, part in required.items():
        if column not in columns:
            raise CatalogError(label, _("row 1"), _("no column for the {part}; the header row names: {headers}").format(part=_(part), headers=expected))
    return columns


def names_of(column: str, headers: Iterable[str]) -> dict[str, str]:
    """The folded forms of a column's accepted headers, for `header_columns`."""
    return {_folded_header(header): column for header in headers}


def _folded_header(header: str) -> str:
    """Case- and diacritics-insensitive form of a header, without its punctuation: "Nội dung" →
    "noi dung", "so_thu_tu" → "so thu tu", "S.T.T" and "STT:" → "stt", "Tiêu chí (*)" → "tieu chi"."""
    return fold(re.sub(r"[^\w\s]", "", re.sub(r"[_-]+", " ", header)))


def cell_text(cell: Cell) -> str:
    """A cell as trimmed NFC text (Word and some keyboards produce decomposed Vietnamese)."""
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    return unicodedata.normalize("NFC", str(cell)).strip()


def whole_number(cell: Cell) -> int | None:
    if isinstance(cell, bool):
        return None
    if isinstance(cell, int):
        return cell
    if isinstance(cell, float):
        return int(cell) if cell.is_integer() else None
    text = cell_text(cell)
    return int(text) if re.fullmatch(r"[0-9]+", text) else None
