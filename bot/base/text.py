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
    "utf16_length",
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
    candidates = list(years) if written is None else [int(written) + (2000 if len(written) == 2 else 0)]
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


def utf16_length(text: str) -> int:
    """Length as the messengers count it: in UTF-16 code units (an emoji outside the BMP
    counts 2)."""
    return len(text.encode("utf-16-le")) // 2


def split_message(text: str, limit: int, measure: Callable[[str], int] = len) -> list[str]:
    """Cuts text into pieces of at most `limit` (as `measure` counts: `utf16_length` for a
    platform that counts UTF-16 code units), so a long reply is sent whole in several messages
    instead of failing. A cut falls at the best break in the second half of the window (a
    paragraph, a line, a sentence, a word), else at the last space in it; only a single word
    longer than the limit is ever cut inside, and then never inside a character as a reader
    sees it (a letter and its combining diacritics, an emoji sequence). Only the white space
    at a cut is dropped."""
    if limit <= 0:
        raise ValueError("limit must be positive")
    pieces: list[str] = []
    rest = text
    while measure(rest) > limit:
        fits = _longest_prefix(rest, limit, measure)
        window = rest[: fits + 1]
        cut = next(
            (at + len(sep.rstrip()) for sep in SEPARATORS if (at := window.rfind(sep)) >= fits // 2 and at > 0),
            window.rfind(" ") if window.rfind(" ") > 0 else _character_start(rest, fits),
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


_JOINER = "\u200d"


def _character_start(text: str, at: int) -> int:
    """The nearest cut at or before `at` that does not part a letter from its combining marks,
    the halves of an emoji sequence (joined, modified, or a flag's two letters); `at` itself
    when the whole prefix is one such character, so splitting still progresses."""
    cut = at
    while cut > 0 and _continues(text, cut):
        cut -= 1
    flag_letters = 0
    while cut - flag_letters > 0 and _is_flag_letter(text[cut - flag_letters - 1]):
        flag_letters += 1
    if flag_letters % 2 and cut < len(text) and _is_flag_letter(text[cut]):
        cut -= 1
    return cut if cut > 0 else at


def _continues(text: str, at: int) -> bool:
    """Whether the character at `at` belongs to the one before it."""
    if at >= len(text):
        return False
    here, before = text[at], text[at - 1]
    return (
        unicodedata.category(here).startswith("M")  # combining marks, variation selectors
        or here == _JOINER
        or before == _JOINER
        or "\U0001f3fb" <= here <= "\U0001f3ff"  # a skin tone
        or "\U000e0020" <= here <= "\U000e007f"  # the tags of a subdivision flag
    )


def _is_flag_letter(char: str) -> bool:
    return "\U0001f1e6" <= char <= "\U0001f1ff"


def shorten(text: str, width: int) -> str:
    """One line of at most `width` characters, with an ellipsis when cut."""
    flat = _SPACES.sub(" ", text).strip()
    return flat if len(flat) <= width else flat[: width - 1].rstrip() + "…"
