"""A workbook the core described (bot.documents.model.Workbook) as an XLSX file a district filters and
sorts: a bold header row, frozen, with filters over the used range; dates and times as real
Excel dates, so they sort and compute; numbers as numbers; long text wrapped. Every sheet
prints on A4 in landscape, as wide as the page, with its header on every page.

openpyxl lays out the frame (each sheet's widths, frozen header, filter and print settings, the
styles); the rows, half a million for a province, are written straight into each sheet's XML as
the core streams them a chunk at a time, a row's text joined once: building an openpyxl cell for
each of millions took most of the time a province's workbook took. A cell's XML is what
openpyxl's write-only mode writes for it (its style found in a sample row of the frame), so the
file reads as before, but for its texts: they go to a table of shared strings (up to
`SHARED_MOST`), as Excel writes them, where a unit's name or a criterion's text repeated on
thousands of rows is written once. The filter's range, known once the rows are written, is set
last."""

from __future__ import annotations

import io
import re
import textwrap
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache
from itertools import islice
from pathlib import Path
from typing import IO, Protocol, cast
from xml.sax.saxutils import escape

from openpyxl import Workbook as XlsxWorkbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.cell.cell import Cell as XlsxCell
from openpyxl.compat import safe_string
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet.dimensions import ColumnDimension, DimensionHolder, RowDimension
from openpyxl.worksheet.filters import AutoFilter
from openpyxl.worksheet.page import PrintPageSetup
from openpyxl.worksheet.properties import PageSetupProperties, WorksheetProperties
from openpyxl.worksheet.worksheet import Worksheet

from bot.catalog.sheets import TEXT_LIMIT, text_cell
from bot.documents.model import Cell, Sheet, Workbook

__all__ = ["DATETIME_FORMAT", "WorkbookFile", "print_setup"]

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


class WorkbookFile:
    """A workbook written as its rows come: `rows` adds a chunk to the sheet `begin` opened,
    `close` finishes the file. Every call does blocking work, for a worker thread."""

    def __init__(self, path: Path, workbook: Workbook) -> None:
        self.sheets = workbook.sheets
        frame, sheets = workbook_frame(workbook)
        self.file = zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=COMPRESSION)
        self.frame = zipfile.ZipFile(frame)
        self.parts = {f"xl/worksheets/sheet{number}.xml" for number in range(1, sheets + 1)}
        for part in self.frame.infolist():
            if part.filename not in self.parts and part.filename != WORKBOOK:
                self.file.writestr(part, with_shared_strings(part.filename, self.frame.read(part)))
        self.shared: dict[str, int] = {}
        self.styles = sample_styles(self.frame.read("xl/worksheets/sheet1.xml").decode()) if self.sheets else Styles("", "", "", "", "")
        self.rows_written: list[int] = []
        self.stream: IO[bytes] | None = None

    def begin(self, index: int) -> None:
        sheet = self.sheets[index]
        xml = self.frame.read(f"xl/worksheets/sheet{index + 1}.xml").decode()
        header_end = xml.index("</row>") + len("</row>")
        self.tail = xml[xml.index("</sheetData>") :]
        self.stream = self.file.open(f"xl/worksheets/sheet{index + 1}.xml", "w", force_zip64=True)
        self.stream.write(xml[:header_end].encode())
        self.row = SheetRows(column_widths(sheet), self.styles, self.shared)

    def sheet(self) -> IO[bytes]:
        assert self.stream is not None, "a sheet is begun before its rows"
        return self.stream

    def rows(self, rows: Sequence[Sequence[Cell]]) -> None:
        """Joined and written a few hundred rows at a time: a chunk's XML whole would be tens of
        megabytes held twice, as text and as bytes."""
        for start in range(0, len(rows), ROWS_WRITTEN_TOGETHER):
            self.sheet().write(self.row.xml(rows[start : start + ROWS_WRITTEN_TOGETHER]).encode())

    def end(self) -> None:
        last_row = self.row.number
        self.sheet().write(self.tail.replace(PLACEHOLDER_ROWS, str(last_row)).encode())
        self.sheet().close()
        self.rows_written.append(last_row)

    def close(self) -> None:
        """The workbook's part last: its filters' ranges, a sheet's after another's, name the
        last row of each sheet."""
        first, *after = self.frame.read(WORKBOOK).decode().split(f"${PLACEHOLDER_ROWS}</definedName>")
        ends = [f"${last_row}</definedName>{part}" for last_row, part in zip(self.rows_written, after, strict=True)]
        self.file.writestr(WORKBOOK, first + "".join(ends))
        with self.file.open(SHARED_STRINGS, "w", force_zip64=True) as table:
            table.write(f'<sst xmlns="{SPREADSHEET}" uniqueCount="{len(self.shared)}">'.encode())
            for start in range(0, len(self.shared), ROWS_WRITTEN_TOGETHER):
                table.write("".join(f"<si>{text_element(text)}</si>" for text in islice(self.shared, start, start + ROWS_WRITTEN_TOGETHER)).encode())
            table.write(b"</sst>")
        self.abandon()

    def abandon(self) -> None:
        if self.stream is not None:
            self.stream.close()
        self.frame.close()
        self.file.close()


WORKBOOK = "xl/workbook.xml"
SHARED_STRINGS = "xl/sharedStrings.xml"
SPREADSHEET = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
SHARED_MOST = 100_000
"""Texts the workbook's table of shared strings holds at most, so it stays bounded whatever the
province: a text met after it is full is written in its cell."""
ROWS_WRITTEN_TOGETHER = 500
COMPRESSION = 1
"""zlib's fastest: a province's sheets are hundreds of megabytes of XML, and compressing them
harder took seconds for a file a few percent smaller."""
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


def with_shared_strings(name: str, part: bytes) -> bytes:
    """The frame's part, naming the table of shared strings where the package lists its parts
    (openpyxl's write-only mode writes every text in its cell, and no table)."""
    if name == "[Content_Types].xml":
        override = f'<Override PartName="/{SHARED_STRINGS}" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
        return part.replace(b"</Types>", override.encode() + b"</Types>")
    if name == "xl/_rels/workbook.xml.rels":
        relation = (
            '<Relationship Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" '
            'Target="sharedStrings.xml" Id="rIdSharedStrings"/>'
        )
        return part.replace(b"</Relationships>", relation.encode() + b"</Relationships>")
    return part


def text_element(text: str) -> str:
    space = ' xml:space="preserve"' if text != text.strip() else ""
    return f"<t{space}>{escape(text, CARRIAGE_RETURN)}</t>"


@dataclass(frozen=True)
class Styles:
    """The ids of the cell styles the frame's styles part holds, as its sample row uses them."""

    text: str
    wrapped: str
    date: str
    datetime: str
    number: str


def sample_styles(sheet: str) -> Styles:
    sample = sheet[sheet.index("</row>") : sheet.index("</sheetData>")]
    return Styles(*re.findall(r'<c r="[A-E]2" s="(\d+)"', sample))


class SheetRows:
    """A sheet's rows as XML, numbered from 2 (under the header). A cell's XML but for its
    reference is kept per column for the values met lately: a unit's code, name and parent
    repeat on each of its criteria, a criterion's text on each unit's row."""

    def __init__(self, widths: list[float], styles: Styles, shared: dict[str, int]) -> None:
        self.widths, self.styles, self.shared = widths, styles, shared
        self.openings = [f'<c r="{get_column_letter(column)}' for column in range(1, len(widths) + 1)]
        self.known: list[dict[Cell, tuple[str, int]]] = [{} for _ in widths]
        self.number = 1

    def xml(self, rows: Sequence[Sequence[Cell]]) -> str:
        """The rows' XML, each row as tall as its longest wrapped text. A value is its own key: equal
        numbers of two types (7 and 7.0) are written alike, as openpyxl writes them."""
        number, written, columns = self.number, [], list(zip(self.openings, self.known, self.widths, strict=True))
        for values in rows:
            number += 1
            row, cells, lines = str(number), [], 1
            for (opening, known, width), value in zip(columns, values):  # noqa: B905  # a row is as wide as its sheet
                if value is None:
                    continue
                found = known.get(value)
                if found is None:
                    if len(known) > KNOWN_VALUES:
                        known.clear()
                    found = known[value] = self.cell(value, width)
                cells.append(opening + row + found[0])
                if found[1] > lines:
                    lines = found[1]
            written.append(f'<row r="{row}"{HEIGHTS[lines]}>{"".join(cells)}</row>')
        self.number = number
        return "".join(written)

    def cell(self, value: Cell, width: float) -> tuple[str, int]:
        """A cell's XML after its reference's column, and the lines it takes wrapped, as
        body_cell and append_row make them: text wrapped when longer than its column, a time as
        wall-clock time."""
        if isinstance(value, str):
            lines = min(wrapped_count(value, int(width)), MOST_LINES)
            style = self.styles.wrapped if len(value) > width or "\n" in value else self.styles.text
            text = ILLEGAL_CHARACTERS_RE.sub("", value)
            if len(text) > TEXT_LIMIT:
                text = text[: TEXT_LIMIT - 1] + "…"
            if not text:
                return f'" s="{style}" t="inlineStr"/>', lines
            if len(self.shared) < SHARED_MOST:
                return f'" s="{style}" t="s"><v>{self.shared.setdefault(text, len(self.shared))}</v></c>', lines
            return f'" s="{style}" t="inlineStr"><is>{text_element(text)}</is></c>', lines
        if isinstance(value, datetime):
            return f'" s="{self.styles.datetime}" t="n"><v>{safe_string(to_excel(value.replace(tzinfo=None)))}</v></c>', 1
        if isinstance(value, date):
            return f'" s="{self.styles.date}" t="n"><v>{safe_string(to_excel(value))}</v></c>', 1
        return f'" s="{self.styles.number}" t="n"><v>{safe_string(value)}</v></c>', 1


CARRIAGE_RETURN = {"\r": "&#13;"}
"""Kept as a reference, as openpyxl writes it: a reader turns a bare one into a line feed."""
MOST_LINES = MOST_HEIGHT // LINE_HEIGHT + 1
"""Lines past which a row is as tall as Excel lets it be."""
HEIGHTS = ["", ""] + [f' ht="{min(lines * LINE_HEIGHT, MOST_HEIGHT)}" customHeight="1"' for lines in range(2, MOST_LINES + 1)]
"""A row's height by the lines of its tallest text: none for one line."""
KNOWN_VALUES = 4096
"""Values a column remembers the XML of; past that it starts afresh."""
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
