"""Reading a spreadsheet people typed (XLSX, or CSV from Excel): its rows, its cells as clean
text or whole numbers, and its header row matched loosely (case, diacritics, separators), with
every error naming the file, the row and the column in the reader's language. The importers
(criterion texts, units) say which headers they accept."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path

import openpyxl
from openpyxl.utils.exceptions import InvalidFileException

from bot.catalog import CatalogError
from bot.text import fold

__all__ = ["Cell", "Gettext", "Row", "cell_text", "header_columns", "names_of", "read_rows", "whole_number"]

Cell = object
Row = Sequence[Cell]
Gettext = Callable[[str], str]


def read_rows(path: Path, label: str, _: Gettext) -> list[Row]:
    """Every row of the first sheet of an XLSX file, or of a CSV file."""
    if not path.is_file():
        raise CatalogError(label, "", _("there is no such file"))
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        return _xlsx_rows(path, label, _)
    if suffix == ".csv":
        return _csv_rows(path, label, _)
    raise CatalogError(label, "", _("expected an .xlsx or .csv file"))


def _xlsx_rows(path: Path, label: str, _: Gettext) -> list[Row]:
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, OSError, KeyError) as exc:
        raise CatalogError(label, "", _("cannot read the workbook: {error}").format(error=exc)) from None
    try:
        return list(workbook.worksheets[0].iter_rows(values_only=True))
    finally:
        workbook.close()


def _csv_rows(path: Path, label: str, _: Gettext) -> list[Row]:
    """UTF-8 with or without BOM; `;` (Excel in Vietnamese locales) or `,` as the separator."""
    try:
        content = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CatalogError(label, "", _("not UTF-8 text (save the CSV as UTF-8): {error}").format(error=exc)) from None
    header_line = content.split("\n", 1)[0]
    delimiter = ";" if header_line.count(";") > header_line.count(",") else ","
    return list(csv.reader(io.StringIO(content, newline=""), delimiter=delimiter))


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
    """Case- and diacritics-insensitive form of a header: "Nội dung" → "noi dung", "so_thu_tu" → "so thu tu"."""
    return fold(re.sub(r"[_-]+", " ", header))


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
