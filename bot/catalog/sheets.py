"""Reading a spreadsheet people typed (XLSX, or CSV from Excel): its rows, its cells as clean
text or whole numbers, and its header row matched loosely (case, diacritics, separators), with
every error naming the file, the row and the column in the reader's language. The importers
(criterion texts, units) say which headers they accept.

And the one rule for writing a cell people will open: text stays text. A name starting with
= + - @ would be run by Excel as a formula (=HYPERLINK(…) a live link); an XLSX cell is written
as a string, a CSV cell with a leading apostrophe, which reading takes off again."""

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
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.cell.cell import Cell as XlsxCell
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet.worksheet import Worksheet

from bot.base.text import fold
from bot.catalog.field_limits import field_problem
from bot.catalog.model import CatalogError

__all__ = [
    "PROGRESS_EVERY", "ROW_NUMBER_HEADERS", "TEXT_LIMIT", "Cell", "Gettext", "Record", "Row", "RowsRead", "Table", "cell_text",
    "csv_text", "header_columns", "names_of", "read_rows", "read_table", "text_cell", "text_cells", "whole_number",
]

Cell = object
Row = Sequence[Cell]
Gettext = Callable[[str], str]

ROW_NUMBER_HEADERS = ("STT", "TT", "Số TT", "Số thứ tự")
"""The row-number column almost every Vietnamese sheet has; an importer that needs no number
accepts it and reads nothing from it."""
FORMULA_STARTS = ("=", "+", "-", "@")
"""What makes Excel run a cell as a formula."""
TEXT_LIMIT = 32_767  # characters Excel holds in a cell; a longer one makes it "repair" the file
DOCTYPE = b"<!DOCTYPE"
PROLOG_BYTES = 4096  # an XML part's declaration and DTD, if any, come within these


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

    def field(self, record: Record, column: str, limit: int, lines: bool = False) -> str:
        """The cell's text, refused if longer than `limit` or holding a control character (a
        line break only where `lines` allows it): the limits of bot.catalog.field_limits."""
        text = record.text(column)
        problem = field_problem(text, limit, lines)
        if problem is not None:
            raise self.error(record, column, problem.text(self._))
        return text


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
    unreadable = CatalogError(label, "", _("the workbook holds XML that Excel never writes (a DTD, or broken XML); open it in Excel and save it again"))
    try:
        if _has_dtd(path):
            raise unreadable
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, OSError, KeyError) as exc:
        raise CatalogError(label, "", _("cannot read the workbook: {error}").format(error=exc)) from None
    except ValueError:  # openpyxl's word for XML it refuses (defusedxml's entities among them)
        raise unreadable from None

    def rows() -> Iterator[Row]:
        try:
            yield from workbook.worksheets[0].iter_rows(values_only=True)
        except ValueError:
            raise unreadable from None
        finally:
            workbook.close()

    return rows()


def _has_dtd(path: Path) -> bool:
    """Whether a part of the workbook declares a DTD (which may define entities that expand to
    gigabytes or read other files): refused before any XML parser sees it."""
    with zipfile.ZipFile(path) as archive:
        for member in archive.infolist():
            with archive.open(member) as part:
                if DOCTYPE in part.read(PROLOG_BYTES):
                    return True
    return False


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
                yield [_unquoted(cell) for cell in row]

    return rows()


def _unquoted(cell: str) -> str:
    """A CSV cell as it was before `csv_text` kept it from being a formula."""
    return cell[1:] if cell.startswith("'") and _formula_like(cell) else cell


def _formula_like(text: str) -> bool:
    """Whether Excel would run the text as a formula, or reading would take an apostrophe off it."""
    return text.lstrip("'").startswith(FORMULA_STARTS)


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


def csv_text(text: str) -> str:
    """A CSV cell Excel opens as the text it is: a leading apostrophe before = + - @ (and before
    a text that already starts with apostrophes and then one of them, which reading would cut)."""
    return "'" + text if _formula_like(text) else text


def text_cells(worksheet: Worksheet | WriteOnlyWorksheet, row: Sequence[object]) -> list[object]:
    """A row to append to an XLSX sheet, every text in it a `text_cell`."""
    return [text_cell(worksheet, value) if isinstance(value, str) else value for value in row]


def text_cell(worksheet: Worksheet | WriteOnlyWorksheet, text: str) -> XlsxCell:
    """Text stays text: a name or answer starting with "=" is not a formula for Excel to run, and
    control characters XML cannot carry (a pasted vertical tab) are dropped. For either mode of
    openpyxl (a write-only sheet's cells are cells of no sheet)."""
    text = ILLEGAL_CHARACTERS_RE.sub("", text)
    if len(text) > TEXT_LIMIT:
        text = text[: TEXT_LIMIT - 1] + "…"
    cell = XlsxCell(worksheet, row=1, column=1, value=text)  # append() puts it in its place
    cell.data_type = "s"
    return cell
