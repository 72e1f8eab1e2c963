"""The command line's language: the settings' own, even while those settings are invalid (the
message saying so must still be readable)."""

from __future__ import annotations

import os
from functools import cache

from pydantic import ValidationError

from app.settings import Settings
from bot.i18n import DEFAULT_LOCALE, translations

__all__ = ["_", "ngettext"]


@cache
def _cli_locale() -> str:
    try:
        return Settings().locale
    except ValidationError:
        return os.environ.get("BAOCAO_LOCALE", DEFAULT_LOCALE)


def _(message: str) -> str:
    return translations(_cli_locale()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(_cli_locale()).ngettext(singular, plural, n)
