"""A workbook the core described (bot.documents.model.Workbook) as an XLSX file a district filters and
sorts: a bold header row, frozen, with filters over the used range; dates and times as real
Excel dates, so they sort and compute; numbers as numbers; long text wrapped. Every sheet
prints on A4 in landscape, as wide as the page, with its header on every page.

openpyxl lays out here the frame a workbook is written into as its rows come
(app/workbook_file.py): each sheet's widths, frozen header, filter and print settings, the
styles, and how tall a row of wrapped text is."""

from __future__ import annotations

import io
import re
import textwrap
from collections.abc import Sequence
from datetime import UTC, date, datetime
from functools import cache
from typing import Protocol, cast

from openpyxl import Workbook as XlsxWorkbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell as XlsxCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet.dimensions import ColumnDimension, DimensionHolder, RowDimension
from openpyxl.worksheet.filters import AutoFilter
from openpyxl.worksheet.page import PrintPageSetup
from openpyxl.worksheet.properties import PageSetupProperties, WorksheetProperties
from openpyxl.worksheet.worksheet import Worksheet

from bot.catalog.sheets import text_cell
from bot.documents.model import Cell, Sheet, Workbook

__all__ = [
    "DATETIME_FORMAT", "LINE_HEIGHT", "MOST_HEIGHT", "PLACEHOLDER_ROWS", "column_widths", "print_setup", "workbook_frame", "wrapped_count",
    "wrapped_lines",
]  # fmt: skip

DATE_FORMAT = "dd/mm/yyyy"
DATETIME_FORMAT = "dd/mm/yyyy hh:mm"
NAME_LENGTH = 31  # Excel's limit for a sheet's name
FORBIDDEN_IN_NAME = re.compile(r"[\\/?*\[\]:]")
RESERVED_NAMES = {"history"}  # Excel keeps it for its own change-tracking sheet
MOST_WIDTH = 60  # characters: a wider column is wrapped instead
LEAST_WIDTH = 8
LINE_HEIGHT = 15  # points: a line of Excel's default font, Calibri 11
MOST_HEIGHT = 409  # points: Excel's tallest row

HEADER = Font(bold=True)
HEADER_ALIGNMENT = Alignment(vertical="top", wrap_text=True)
TOP = Alignment(vertical="top")
WRAPPED = Alignment(vertical="top", wrap_text=True)


PLACEHOLDER_ROWS = "1048576"
"""The last row the frame's filters name, Excel's last: replaced by the sheet's own once written."""


def workbook_frame(workbook: Workbook) -> tuple[io.BytesIO, int]:
    """Each sheet with its header, laid out, under a name Excel accepts; the first with a sample
    row of every style a cell takes."""
    xlsx = XlsxWorkbook(write_only=True)
    xlsx.properties.title = workbook.title
    xlsx.properties.creator = "baocao"
    taken: set[str] = set(RESERVED_NAMES)
    for number, sheet in enumerate(workbook.sheets):
        name = sheet_name(sheet.name, taken)
        taken.add(name.casefold())
        worksheet = xlsx.create_sheet(name)
        write_header(worksheet, sheet)
        if number == 0:
            worksheet.append(
                [body_cell(worksheet, "a", 9), body_cell(worksheet, "a" * 10, 9), body_cell(worksheet, date(2000, 1, 1), 9),
                 body_cell(worksheet, datetime(2000, 1, 1, tzinfo=UTC), 9), body_cell(worksheet, 1, 9)]
            )  # fmt: skip
    frame = io.BytesIO()
    xlsx.save(frame)
    return frame, len(workbook.sheets)


def wrapped_count(text: str, width: int) -> int:
    """How many lines `wrapped_lines` makes of the text, counted without textwrap where it
    would break a line only between words at spaces (no hyphen, no other space, no word wider
    than the column): textwrap was most of the time a province's workbook took."""
    lines = text.splitlines()
    if len(lines) > 1:
        return sum(line_count(line, width) for line in lines)
    if len(text) <= width and "\t" not in text:
        return 1  # a tab is expanded to eight spaces
    return line_count(lines[0], width) if lines else 1


def line_count(line: str, width: int) -> int:
    """textwrap's greedy filling, where every word and run of spaces fits a line and the line
    starts with a word: a line is the longest run of text within the width followed by spaces or
    the end, the spaces after it dropped."""
    beyond, lines = wrapping(width)
    if beyond.search(line):
        return len(textwrap.wrap(line, width)) or 1
    return len(lines.findall(line)) or 1


@cache
def wrapping(width: int) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """For a width: what takes textwrap's own rules (a hyphen, a space other than " ", a line
    starting with one, a word or run of spaces wider than the width), and a line as it fills."""
    return re.compile(rf"-|[^\S ]|^ |[^ ]{{{width + 1}}}| {{{width + 1}}}"), re.compile(rf".{{1,{width}}}(?: +|$)")


def sheet_name(wanted: str, taken: set[str]) -> str:
    """Excel refuses a name with \\ / ? * [ ] :, one starting or ending with an apostrophe, one
    over 31 characters and two names equal but for case: a form's title may be any of these."""
    base = FORBIDDEN_IN_NAME.sub("-", wanted).strip(" '") or "Sheet"
    name, number = cut(base, NAME_LENGTH), 1
    while name.casefold() in taken:
        number += 1
        suffix = f" ({number})"
        name = cut(base, NAME_LENGTH - len(suffix)) + suffix
    return name


def cut(text: str, length: int) -> str:
    """The first `length` characters, without the space, comma or apostrophe the cut leaves last."""
    return text[:length].rstrip(" ,;'") or text[:length]


class Layout(Protocol):
    """What sets a sheet's layout. A write-only sheet has it as a whole one does (openpyxl makes
    both in Worksheet._setup), but types-openpyxl declares it on Worksheet only."""

    row_dimensions: DimensionHolder[int, RowDimension]
    column_dimensions: DimensionHolder[str, ColumnDimension]
    auto_filter: AutoFilter
    page_setup: PrintPageSetup
    sheet_properties: WorksheetProperties


def layout(worksheet: Worksheet | WriteOnlyWorksheet) -> Layout:
    return cast(Layout, worksheet)


def write_header(worksheet: WriteOnlyWorksheet, sheet: Sheet) -> None:
    """The layout, set before any row as write-only mode wants it, and the header row."""
    widths = column_widths(sheet)
    for column, width in enumerate(widths, start=1):
        layout(worksheet).column_dimensions[get_column_letter(column)].width = width
    last = get_column_letter(len(sheet.columns))
    print_setup(worksheet)
    worksheet.freeze_panes = "A2"
    layout(worksheet).auto_filter.ref = f"A1:{last}{PLACEHOLDER_ROWS}"
    append_row(worksheet, 1, [header_cell(worksheet, title) for title in sheet.columns], sheet.columns, widths)


def append_row(
    worksheet: WriteOnlyWorksheet, number: int, cells: list[XlsxCell | None], values: Sequence[Cell], widths: list[float]
) -> None:
    """A row as tall as its longest wrapped text: LibreOffice, and Excel until the row is edited,
    keep the default one-line height, which prints wrapped lines over the next rows. The height
    is held only while the row is written, so a long sheet keeps nothing per row."""
    lines = max((len(wrapped_lines(value, width)) for value, width in zip(values, widths, strict=True) if isinstance(value, str)), default=1)
    heights = layout(worksheet).row_dimensions
    if lines > 1:
        heights[number].height = min(lines * LINE_HEIGHT, MOST_HEIGHT)
    worksheet.append(cells)
    heights.pop(number, None)


def wrapped_lines(text: str, width: float) -> list[str]:
    """The lines a text takes wrapped at word boundaries in a column `width` characters wide."""
    return [part for line in text.splitlines() or [""] for part in textwrap.wrap(line, int(width)) or [""]]


def print_setup(worksheet: Worksheet | WriteOnlyWorksheet) -> None:
    """A4, landscape, every column on the page's width and as many pages down as the rows take,
    the header row printed again at the top of each page: a sheet a district prints reads as a
    table, not as a stack of pages of stray columns."""
    page = layout(worksheet).page_setup
    page.paperSize = Worksheet.PAPERSIZE_A4
    page.orientation = Worksheet.ORIENTATION_LANDSCAPE
    page.fitToWidth = 1
    page.fitToHeight = 0  # no limit: as many pages as the rows need
    layout(worksheet).sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)  # its default has no fitToPage
    worksheet.print_title_rows = "1:1"


def column_widths(sheet: Sheet) -> list[float]:
    """The core's widths where it gave them; for the other columns, the longest line in the
    column (header included, and the rows where they are at hand), within LEAST_WIDTH..MOST_WIDTH. The filter's arrow takes about two
    characters of the header cell, hence the margin."""
    widths: list[float] = list(sheet.widths[: len(sheet.columns)])
    rows = sheet.rows if isinstance(sheet.rows, Sequence) else ()  # streamed rows come with their widths
    for column in range(len(widths), len(sheet.columns)):
        longest = max([shown_length(sheet.columns[column]), *(shown_length(row[column]) for row in rows)])
        widths.append(min(max(longest + 3, LEAST_WIDTH), MOST_WIDTH))
    return widths


def shown_length(value: Cell) -> int:
    """How many characters a cell shows on its widest line."""
    if isinstance(value, datetime):
        return len(DATETIME_FORMAT)
    if isinstance(value, date):
        return len(DATE_FORMAT)
    if value is None:
        return 0
    return max(len(line) for line in str(value).splitlines() or [""])


def header_cell(worksheet: WriteOnlyWorksheet, title: str) -> XlsxCell:
    cell = text_cell(worksheet, title)
    cell.font = HEADER
    cell.alignment = HEADER_ALIGNMENT
    return cell


def body_cell(worksheet: WriteOnlyWorksheet, value: Cell, width: float) -> XlsxCell | None:
    """Excel has no time zones: a time is written as the wall-clock time the core gave it (in
    Asia/Ho_Chi_Minh), which is what a reader in Vietnam expects to see."""
    if value is None:
        return None
    if isinstance(value, str):
        cell = text_cell(worksheet, value)
        cell.alignment = WRAPPED if len(value) > width or "\n" in value else TOP
        return cell
    if isinstance(value, datetime):
        cell = WriteOnlyCell(worksheet, value.replace(tzinfo=None))
        cell.number_format = DATETIME_FORMAT
    else:
        cell = WriteOnlyCell(worksheet, value)  # type: ignore[arg-type]  # types-openpyxl leaves out the date, which openpyxl writes as one
        if isinstance(value, date):
            cell.number_format = DATE_FORMAT
    cell.alignment = TOP
    return cell
