"""Documents as data: what an official report, a workbook and a chart say, decided in the core;
how they are laid out (Nghị định 30/2020/NĐ-CP for a report, a spreadsheet's widths and frozen
header, a chart's bars) belongs to the writers the composition root provides through
bot.documents.port.Documents."""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TypeAlias, TypeVar

__all__ = [
    "Block",
    "Cell",
    "ChartBar",
    "Chunked",
    "Heading",
    "OfficialReport",
    "Paragraph",
    "ProgressChart",
    "Sheet",
    "Table",
    "Workbook",
    "chunks",
    "file_name",
    "place_and_date",
]


# ----- an official report ------------------------------------------------------------------------


@dataclass(frozen=True)
class Heading:
    """A section heading ("I. TÌNH HÌNH CÓ LIÊN QUAN", level 1) or an item's ("1. Khái quát…", level 2)."""

    text: str
    level: int = 1


@dataclass(frozen=True)
class Paragraph:
    """Body text, justified with a first-line indent; `note` marks what the bot says rather than
    the unit (an unanswered item), set in italics."""

    text: str
    note: bool = False


@dataclass(frozen=True)
class Table:
    """A bordered table: a header row, then rows; `widths` are relative column widths."""

    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    widths: tuple[float, ...] = ()


Block = Heading | Paragraph | Table

T = TypeVar("T")
Chunked: TypeAlias = Sequence[T] | AsyncIterable[Sequence[T]]
"""What a document holds: at hand, or, for a document of many units, read and worked out a
chunk at a time while it is written, so it is never held whole."""


async def chunks(items: Chunked[T]) -> AsyncIterator[Sequence[T]]:
    """The items a chunk at a time, whether they were at hand (one chunk) or streamed."""
    if isinstance(items, AsyncIterable):
        async for chunk in items:
            yield chunk
    else:
        yield items


@dataclass(frozen=True)
class OfficialReport:
    """A report as an official files it: the header (parent body above the issuing body, the
    number line; the national name and motto), the place-and-date line, "BÁO CÁO" and its
    subject, the body, the recipients and the signer's block."""

    parent_body: str  # "CÔNG AN THỊ XÃ CỬA LÒ", regular
    issuing_body: str  # "CÔNG AN PHƯỜNG NGHI HẢI", bold
    number: str  # "Số:      /BC-…": the number is given when the report is registered, so left blank
    place_and_date: str  # "Nghệ An, ngày 20 tháng 11 năm 2023"
    subject: str
    blocks: tuple[Block, ...]
    recipients: tuple[str, ...]  # "- …;" lines, the last "- Lưu: VT, …."
    signer_role: str  # "TRƯỞNG CÔNG AN PHƯỜNG"
    signer_name: str = ""
    signer_authority: str = ""  # "TM. ỦY BAN NHÂN DÂN", "KT. TRƯỞNG CÔNG AN PHƯỜNG", above the title
    title: str = "BÁO CÁO"
    annex: Chunked[Block] = ()
    """What follows the signature on pages of its own (a summary's annex of the units' words)."""


def file_name(title: str, suffix: str) -> str:
    """The name a file is saved under on the reader's phone: its title, with no "/" that would
    read as a folder."""
    return title.replace("/", "-") + suffix


def place_and_date(place: str, day: date) -> str:
    """"Nghệ An, ngày 05 tháng 3 năm 2024": days below 10 and months 1 and 2 zero-padded (NĐ 30)."""
    month = f"{day.month:02d}" if day.month <= 2 else str(day.month)
    return f"{place}, ngày {day.day:02d} tháng {month} năm {day.year}"


# ----- a workbook --------------------------------------------------------------------------------

Cell = str | int | float | date | datetime | None


@dataclass(frozen=True)
class Sheet:
    """One sheet: a header row (frozen, with filters), then rows; `widths` in characters."""

    name: str
    columns: tuple[str, ...]
    rows: Chunked[tuple[Cell, ...]]
    widths: tuple[int, ...] = ()  # every column's, for rows streamed


@dataclass(frozen=True)
class Workbook:
    title: str
    sheets: tuple[Sheet, ...]


# ----- a chart -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChartBar:
    """One unit's bar: the whole percent of its reports submitted and of its questions answered,
    rounded by the core as every other progress figure is (bot.reporting.standing.percent)."""

    label: str
    submitted: int
    answered: int


@dataclass(frozen=True)
class ProgressChart:
    title: str
    subtitle: str  # the deadline and how far off it is
    bars: tuple[ChartBar, ...]
    legend: tuple[str, str] = field(default=("", ""))  # what the two shares are called
    axis: str = ""  # "%" axis label
