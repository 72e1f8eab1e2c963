"""Importing a province's official criterion texts from a spreadsheet (XLSX or CSV).

The shipped catalogs ask most criteria with a neutral prompt because the official wording is not
public; a province that holds the texts loads them from the sheet it already keeps. The sheet is
typed by people, so headers are matched loosely (case, diacritics, the names Vietnamese sheets
use: STT, Số thứ tự, Tiêu chí, Nội dung tiêu chí…, or English ones) while contents are checked
strictly, and every error names the file, the row and the column, in the reader's language.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import re
import unicodedata
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path

import openpyxl
from openpyxl.utils.exceptions import InvalidFileException

from bot.catalog import CatalogError, CriteriaSet, Criterion
from bot.forms import LocalText
from bot.i18n import DEFAULT_LOCALE, N_, translations
from bot.text import fold

__all__ = ["Cell", "Row", "read_criteria_sheet"]

# Normalized header (lower case, no diacritics) → column.
_HEADER_NAMES = {
    **dict.fromkeys(("group", "nhom", "nhom tieu chi", "linh vuc"), "group"),
    **dict.fromkeys(("number", "no", "so", "stt", "tt", "so tt", "so thu tu", "thu tu", "so tieu chi", "tieu chi so"), "number"),
    **dict.fromkeys(("text", "noi dung", "tieu chi", "noi dung tieu chi", "ten tieu chi", "yeu cau"), "text"),
    **dict.fromkeys(("guidance", "huong dan", "huong dan danh gia", "ghi chu"), "guidance"),
}
_REQUIRED_COLUMNS = ("number", "text")
_PARTS = {"number": N_("number"), "text": N_("text")}
_EXPECTED_HEADERS = "Nhóm, STT (Số thứ tự), Nội dung tiêu chí, Hướng dẫn"
Gettext = Callable[[str], str]

Cell = object
Row = Sequence[Cell]


def read_criteria_sheet(path: Path, criteria_set: CriteriaSet, _: Gettext = translations(DEFAULT_LOCALE).gettext) -> CriteriaSet:
    """Read official texts for `criteria_set` from the first sheet of an XLSX file or from a CSV.

    The header row names the columns; number and text are required, group and guidance optional.
    A blank group continues the group above (merged cells read that way). Returns the set with
    these texts, groups and guidance and its version increased by one. Errors are CatalogErrors
    written with `_`.
    """
    label = str(path)
    rows = _read_rows(path, label, _)
    if not rows:
        raise CatalogError(label, _("row 1"), _("the file is empty; a header row is needed ({headers})").format(headers=_EXPECTED_HEADERS))
    columns = _columns(rows[0], label, _)
    headers = {column: str(rows[0][index]).strip() for column, index in columns.items()}

    criteria: dict[int, Criterion] = {}
    rows_of: dict[int, int] = {}
    group: str = ""
    for row_number, row in enumerate(rows[1:], start=2):
        if all(_text(cell) == "" for cell in row):
            continue

        def cell(column: str) -> Cell:
            index = columns.get(column)
            return row[index] if index is not None and index < len(row) else None

        def fail(column: str, message: str) -> CatalogError:
            return CatalogError(label, _("row {row}, column “{column}”").format(row=row_number, column=headers[column]), message)

        number = _whole_number(cell("number"))
        if number is None:
            raw = _text(cell("number"))
            raise fail("number", _("expected a criterion number, got “{value}”").format(value=raw) if raw else _("the criterion number is missing"))
        if not 1 <= number <= criteria_set.total:
            raise fail("number", _("{number} is outside 1..{total} ({set})").format(number=number, total=criteria_set.total, set=criteria_set.id))
        if number in rows_of:
            raise fail("number", _("criterion {number} is already on row {row}").format(number=number, row=rows_of[number]))
        text = _text(cell("text"))
        if not text:
            raise fail("text", _("the text of criterion {number} is empty").format(number=number))
        group = _text(cell("group")) or group
        guidance = _text(cell("guidance"))
        rows_of[number] = row_number
        criteria[number] = Criterion(
            number=number,
            group=LocalText(vi=group) if group else None,
            text=LocalText(vi=text),
            guidance=LocalText(vi=guidance) if guidance else None,
        )

    if len(criteria) != criteria_set.total:
        missing = ", ".join(str(n) for n in range(1, criteria_set.total + 1) if n not in criteria)
        raise CatalogError(
            label,
            _("column “{column}”").format(column=headers["number"]),
            _("{count} criteria, but {set} has {total}; missing: {missing}").format(
                count=len(criteria), set=criteria_set.id, total=criteria_set.total, missing=missing
            ),
        )
    return dataclasses.replace(
        criteria_set,
        version=criteria_set.version + 1,
        criteria=tuple(criteria[n] for n in range(1, criteria_set.total + 1)),
    )


def _read_rows(path: Path, label: str, _: Gettext) -> list[Row]:
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


def _columns(header: Row, label: str, _: Gettext) -> dict[str, int]:
    columns: dict[str, int] = {}
    for index, cell in enumerate(header):
        name = _text(cell)
        if not name:
            continue
        column = _HEADER_NAMES.get(_fold(name))
        where = _("row 1, column “{column}”").format(column=name)
        if column is None:
            raise CatalogError(label, where, _("unknown column; the header row names the columns: {headers}").format(headers=_EXPECTED_HEADERS))
        if column in columns:
            raise CatalogError(label, where, _("a second column for the same thing as “{column}”").format(column=_text(header[columns[column]])))
        columns[column] = index
    for column in _REQUIRED_COLUMNS:
        if column not in columns:
            raise CatalogError(label, _("row 1"), _("no column for the criterion's {part}; the header row names: {headers}").format(
                part=_(_PARTS[column]), headers=_EXPECTED_HEADERS
            ))
    return columns


def _fold(header: str) -> str:
    """Case- and diacritics-insensitive form of a header: "Nội dung" → "noi dung", "so_thu_tu" → "so thu tu"."""
    return fold(re.sub(r"[_-]+", " ", header))


def _text(cell: Cell) -> str:
    """A cell as trimmed NFC text (Word and some keyboards produce decomposed Vietnamese)."""
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    return unicodedata.normalize("NFC", str(cell)).strip()


def _whole_number(cell: Cell) -> int | None:
    if isinstance(cell, bool):
        return None
    if isinstance(cell, int):
        return cell
    if isinstance(cell, float):
        return int(cell) if cell.is_integer() else None
    text = _text(cell)
    return int(text) if re.fullmatch(r"[0-9]+", text) else None
