"""The command line's language: the settings' own, even while those settings are invalid (the
message saying so must still be readable), and argparse's own words in it too."""

from __future__ import annotations

import argparse
import contextlib
import os
from collections.abc import Iterator
from functools import cache
from typing import Any

from pydantic import ValidationError

from app.settings import Settings
from bot.base.i18n import N_, normalize_locale, translations

__all__ = ["ARGPARSE_WORDS", "Parser", "_", "argparse_speaking", "cli_locale", "ngettext"]


@cache
def cli_locale() -> str:
    """BAOCAO_LOCALE, read once per command (main() clears it for the next)."""
    try:
        return Settings().locale
    except ValidationError:
        return normalize_locale(os.environ.get("BAOCAO_LOCALE"))


def _(message: str) -> str:
    return translations(cli_locale()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(cli_locale()).ngettext(singular, plural, n)


ARGPARSE_WORDS = (
    N_("usage: "), N_("positional arguments"), N_("options"), N_("show this help message and exit"),
    N_("%(prog)s: error: %(message)s\n"), N_("argument %(argument_name)s: %(message)s"),
    N_("the following arguments are required: %s"), N_("unrecognized arguments: %s"), N_("expected one argument"),
    N_("ambiguous option: %(option)s could match %(matches)s"), N_("ignored explicit argument %r"),
)  # fmt: skip
"""argparse's own words that a user of the command line can meet, so that they are in the
catalogue: argparse looks each up through its module's `_` when it prints."""


@contextlib.contextmanager
def argparse_speaking() -> Iterator[None]:
    """argparse in the user's language while the command line is built and read: its module's
    `_` and `ngettext` are ours meanwhile, and its own again afterwards."""
    saved = argparse._, argparse.ngettext  # type: ignore[attr-defined]
    argparse._, argparse.ngettext = _, ngettext  # type: ignore[attr-defined]
    try:
        yield
    finally:
        argparse._, argparse.ngettext = saved  # type: ignore[attr-defined]


class Parser(argparse.ArgumentParser):
    """argparse's parser, naming a wrong choice and the right ones in “…” as the texts of the
    bot do (argparse itself writes Python's 'db', 'seed')."""

    def _check_value(self, action: argparse.Action, value: Any) -> None:
        if action.choices is not None and value not in action.choices:
            choices = ", ".join(f"“{choice}”" for choice in action.choices)
            raise argparse.ArgumentError(action, _("invalid choice “{value}”; choose one of {choices}").format(value=value, choices=choices))
