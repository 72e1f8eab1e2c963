"""Text helpers every channel needs: matching what people type, and fitting platform limits."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from datetime import date

__all__ = [
    "SEPARATORS",
    "DateFormatError",
    "ImpossibleDateError",
    "fold",
    "parse_date",
    "parse_whole_number",
    "shorten",
    "split_message",
]

_SPACES = re.compile(r"\s+")
_DATE = re.compile(r"^\s*(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*(?:[/.\-]\s*(\d{4}|\d{2})\s*)?$")
_WHOLE_NUMBER = re.compile(r"^\s*([+-]?\d{1,3}(?:[.,\s]\d{3})+|[+-]?\d+)\s*$")


def fold(text: str) -> str:
    """Lower case without diacritics, so "Hoà", "Hòa" and "hoa" compare equal."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    stripped = "".join(c for c in decomposed if unicodedata.category(c) != "Mn")
    return _SPACES.sub(" ", stripped).strip().lower()


class DateFormatError(ValueError):
    """Not written as a date at all."""


class ImpossibleDateError(ValueError):
    """Written as a date, but no such day exists (31/02/2023)."""


def parse_date(text: str, years: Sequence[int] = ()) -> date:
    """Reads a date as Vietnamese users write it: 25/11/2023 (also with '-' or '.'), 25/11/23 for
    2023, or 25/11 alone, which takes the first of `years` where that day exists (a
    DateFormatError without any)."""
    match = _DATE.match(text)
    if not match:
        raise DateFormatError(text)
    day, month = int(match.group(1)), int(match.group(2))
    written = match.group(3)
    if written is None:
        candidates = list(years)
    else:
        candidates = [int(written) + (2000 if len(written) == 2 else 0)]
    if not candidates:
        raise DateFormatError(text)
    for year in candidates:
        try:
            return date(year, month, day)
        except ValueError:
            continue
    raise ImpossibleDateError(text)


def parse_whole_number(text: str) -> int | None:
    """A whole number, allowing thousands separators (1.200, 1,200, 1 200); None otherwise."""
    match = _WHOLE_NUMBER.match(text)
    if not match:
        return None
    return int(re.sub(r"[.,\s]", "", match.group(1)))


SEPARATORS = ("\n\n", "\n", ". ", "? ", "! ", "; ", " ")
"""Where a long text is best cut, best first: a paragraph, a line, a sentence, a word."""


def split_message(text: str, limit: int, measure: Callable[[str], int] = len) -> list[str]:
    """Cuts text into pieces of at most `limit` (as `measure` counts), so a long reply is sent
    whole in several messages instead of failing. A cut falls at the best break in the second
    half of the window (a paragraph, a line, a sentence, a word), else at the last space in it;
    only a single word longer than the limit is ever cut inside. Only the white space at a cut
    is dropped."""
    if limit <= 0:
        raise ValueError("limit must be positive")
    pieces: list[str] = []
    rest = text
    while measure(rest) > limit:
        fits = _longest_prefix(rest, limit, measure)
        window = rest[: fits + 1]
        cut = next(
            (at + len(sep.rstrip()) for sep in SEPARATORS if (at := window.rfind(sep)) >= fits // 2 and at > 0),
            window.rfind(" ") if window.rfind(" ") > 0 else fits,
        )
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    pieces.append(rest)
    return [piece for piece in pieces if piece] or [""]


def _longest_prefix(text: str, limit: int, measure: Callable[[str], int]) -> int:
    """How many characters of `text` fit in `limit` (at least one, so splitting progresses)."""
    low, high = 1, len(text)
    while low < high:
        middle = (low + high + 1) // 2
        if measure(text[:middle]) <= limit:
            low = middle
        else:
            high = middle - 1
    return low


def shorten(text: str, width: int) -> str:
    """One line of at most `width` characters, with an ellipsis when cut."""
    flat = _SPACES.sub(" ", text).strip()
    return flat if len(flat) <= width else flat[: width - 1].rstrip() + "…"
