"""Interface text through Babel gettext, read straight from the .po catalogs in `locales/`.

Compiling the .po files in memory at first use means a fresh checkout needs no build step and a
translation can never be stale against a forgotten .mo file.
"""

from __future__ import annotations

import datetime as dt
import io
from decimal import localcontext
from functools import cache
from pathlib import Path

from babel import Locale
from babel.dates import format_date, format_time
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, get_group_symbol, get_minus_sign_symbol
from babel.support import NullTranslations, Translations

__all__ = [
    "DEFAULT_LOCALE",
    "DOMAIN",
    "LOCALES_DIR",
    "N_",
    "SUPPORTED_LOCALES",
    "Formatter",
    "next_locale",
    "normalize_locale",
    "translations",
]

LOCALES_DIR = Path(__file__).resolve().parents[2] / "locales"
SUPPORTED_LOCALES = ("vi", "en")
DEFAULT_LOCALE = SUPPORTED_LOCALES[0]
DOMAIN = "messages"


def N_(message: str) -> str:
    """Marks a string for extraction where it is translated later, at the point of use."""
    return message


@cache
def translations(locale: str) -> NullTranslations:
    """The catalog of `locale`; English msgids are the fallback for anything missing."""
    po_path = LOCALES_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not po_path.exists():
        return NullTranslations()
    with po_path.open("rb") as po_file:
        catalog = read_po(po_file, locale=locale)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return Translations(fp=buffer, domain=DOMAIN)


def normalize_locale(locale: str | None) -> str:
    if locale and locale.split("-")[0].split("_")[0].lower() in SUPPORTED_LOCALES:
        return locale.split("-")[0].split("_")[0].lower()
    return DEFAULT_LOCALE


def next_locale(locale: str) -> str:
    """The language /ngonngu without an argument switches to: the next supported one, round."""
    index = SUPPORTED_LOCALES.index(normalize_locale(locale))
    return SUPPORTED_LOCALES[(index + 1) % len(SUPPORTED_LOCALES)]


class Formatter:
    """Dates, times and numbers as a user of `locale` writes them (25/11/2023, 1.234)."""

    def __init__(self, locale: str) -> None:
        self.locale = Locale.parse(locale)
        pattern = self.locale.decimal_formats[None]
        # A whole number needs no decimal context: grouped by threes as the locale writes it, it
        # costs a string method instead of Babel's formatting (a summary formats 10,000).
        self._group = get_group_symbol(locale=self.locale) if pattern.grouping == (3, 3) else None
        self._minus = get_minus_sign_symbol(locale=self.locale)

    def date(self, value: dt.date | dt.datetime) -> str:
        return format_date(value, "dd/MM/yyyy", locale=self.locale)

    def weekday_date(self, value: dt.date | dt.datetime) -> str:
        """"thứ Bảy, 25/11/2023", "Chủ nhật, 26/11/2023": as Vietnamese writes the weekday mid-sentence."""
        weekday = format_date(value, "EEEE", locale=self.locale)
        if weekday.startswith("Thứ "):
            weekday = "thứ " + weekday[4:]
        elif weekday == "Chủ Nhật":
            weekday = "Chủ nhật"
        return f"{weekday}, {self.date(value)}"

    def time(self, value: dt.datetime) -> str:
        return format_time(value, "HH:mm", locale=self.locale)

    def datetime(self, value: dt.datetime) -> str:
        return f"{self.time(value)} {self.date(value)}"

    def number(self, value: int | float) -> str:
        """Babel rounds within the decimal context, whose 28 digits a number typed by someone
        leaning on a key exceeds (26 digits and the 3 decimals it keeps); its own digits and a
        margin are always enough."""
        if isinstance(value, int) and self._group is not None:
            return (self._minus if value < 0 else "") + f"{abs(value):,}".replace(",", self._group)
        with localcontext() as context:
            context.prec = max(context.prec, len(str(int(value))) + 8)
            return format_decimal(value, locale=self.locale)
