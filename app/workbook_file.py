"""A workbook written as its rows come (app/workbook_xlsx.py lays out the frame: each sheet's
widths, frozen header, filter and print settings, the styles): the rows, half a million for a
province, are written straight into each sheet's XML as the core streams them a chunk at a time,
a row's text joined once: building an openpyxl cell for each of millions took most of the time a
province's workbook took. A cell's XML is what openpyxl's write-only mode writes for it (its
style found in a sample row of the frame), so the file reads as before, but for its texts: they
go to a table of shared strings (up to `SHARED_MOST`), as Excel writes them, where a unit's name
or a criterion's text repeated on thousands of rows is written once; a column whose texts do not
repeat (what each unit wrote) is written in its cells, so the table never holds a province's words. The filters' ranges, known
once the rows are written, are set last."""

from __future__ import annotations

import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from itertools import islice
from pathlib import Path
from typing import IO
from xml.sax.saxutils import escape

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.compat import safe_string
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel

from app.workbook_xlsx import LINE_HEIGHT, MOST_HEIGHT, PLACEHOLDER_ROWS, column_widths, workbook_frame, wrapped_count
from bot.catalog.sheets import TEXT_LIMIT
from bot.documents.model import Cell, Workbook

__all__ = ["WorkbookFile"]


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
        self.sharing: list[bool] | None = None
        self.number = 1

    def repeating(self, rows: Sequence[Sequence[Cell]]) -> list[bool]:
        """Which columns' values repeat, judged on the sheet's first rows: those whose distinct
        values are fewer than half their rows."""
        columns = [[value for value in column if value is not None] for column in zip(*rows, strict=False)]
        columns += [[] for _ in range(len(self.widths) - len(columns))]
        return [len(set(values)) * 2 < len(values) for values in columns]

    def xml(self, rows: Sequence[Sequence[Cell]]) -> str:
        """The rows' XML, each row as tall as its longest wrapped text. A value is its own key: equal
        numbers of two types (7 and 7.0) are written alike, as openpyxl writes them."""
        if self.sharing is None:
            self.sharing = self.repeating(rows)
        number, written = self.number, []
        columns = list(zip(self.openings, self.known, self.widths, self.sharing, strict=True))
        for values in rows:
            number += 1
            row, cells, lines = str(number), [], 1
            for (opening, known, width, shared), value in zip(columns, values):  # noqa: B905  # a row is as wide as its sheet
                if value is None:
                    continue
                found = known.get(value)
                if found is None:
                    if len(known) > KNOWN_VALUES:
                        known.clear()
                    found = known[value] = self.cell(value, width, shared)
                cells.append(opening + row + found[0])
                if found[1] > lines:
                    lines = found[1]
            written.append(f'<row r="{row}"{HEIGHTS[lines]}>{"".join(cells)}</row>')
        self.number = number
        return "".join(written)

    def cell(self, value: Cell, width: float, shared: bool) -> tuple[str, int]:
        """A cell's XML after its reference's column, and the lines it takes wrapped, as
        body_cell and append_row make them: text wrapped when longer than its column, a time as
        wall-clock time; a text in the shared table if `shared` and the table has room."""
        if isinstance(value, str):
            lines = min(wrapped_count(value, int(width)), MOST_LINES)
            style = self.styles.wrapped if len(value) > width or "\n" in value else self.styles.text
            text = ILLEGAL_CHARACTERS_RE.sub("", value)
            if len(text) > TEXT_LIMIT:
                text = text[: TEXT_LIMIT - 1] + "…"
            if not text:
                return f'" s="{style}" t="inlineStr"/>', lines
            if shared and len(self.shared) < SHARED_MOST:
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
