"""The catalogs against the code: every interface string is in both .po files, and Vietnamese is complete.

Run `make locales` after adding or changing a string, then translate it in
locales/vi/LC_MESSAGES/messages.po; these tests say which message is missing or wrong.
"""

from __future__ import annotations

import io
import string
from collections import Counter
from functools import cache
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from bot.base.commands import REPORTER_COMMANDS, CommandSpec
from bot.base.i18n import LOCALES_DIR, translations
from bot.supervision import SUPERVISOR_COMMANDS

ROOT = Path(__file__).resolve().parent.parent
SOURCE_DIRS = ("app", "bot", "handlers", "storage")
# The same keywords as `make locales`: -k _ -k N_ -k ngettext:1,2 on top of Babel's defaults.
KEYWORDS = {**DEFAULT_KEYWORDS, "_": None, "N_": None, "ngettext": (1, 2)}
METHOD_MAP = [("**.py", "python")]
CATALOG_LOCALES = ("vi", "en")

# Msgids whose Vietnamese may be written exactly like the English (a pure placeholder, a code).
# None at the moment: every interface string has words to translate.
SAME_IN_VIETNAMESE: frozenset[str] = frozenset()

TELEGRAM_COMMAND_DESCRIPTION = (3, 256)


MessageId = str | tuple[str, ...]


@cache
def code_messages() -> dict[MessageId, list[str]]:
    """Every msgid marked in the code, with where it is used."""
    found: dict[MessageId, list[str]] = {}
    for directory in SOURCE_DIRS:
        for filename, lineno, message, _comments, _context in extract_from_dir(
            ROOT / directory, METHOD_MAP, keywords=KEYWORDS
        ):
            key = message if isinstance(message, str) else tuple(message)
            found.setdefault(key, []).append(f"{directory}/{filename}:{lineno}")
    return found


@cache
def catalog(locale: str) -> Catalog:
    with (LOCALES_DIR / locale / "LC_MESSAGES" / "messages.po").open("rb") as po_file:
        return read_po(po_file, locale=locale)


def entries(locale: str) -> list[Message]:
    return [message for message in catalog(locale) if message.id]


def key_of(message: Message) -> MessageId:
    return message.id if isinstance(message.id, str) else tuple(message.id)


def texts(message: Message) -> tuple[list[str], list[str]]:
    """(the English forms, the translated forms) of one entry."""
    ids = [message.id] if isinstance(message.id, str) else list(message.id)
    strings = [message.string] if isinstance(message.string, str) else list(message.string)
    return ids, strings


def placeholders(text: str) -> Counter[str]:
    """The python-brace fields of a text: "{n} of {total}" -> {"n": 1, "total": 1}."""
    return Counter(
        field for _literal, field, _spec, _conversion in string.Formatter().parse(text) if field is not None
    )


def test_the_code_has_messages_to_translate() -> None:
    assert len(code_messages()) > 100
    assert "Met" in code_messages()
    assert ("{n} file", "{n} files") in code_messages()


@pytest.mark.parametrize("locale", CATALOG_LOCALES)
def test_every_message_in_the_code_is_in_the_catalog(locale: str) -> None:
    in_catalog = {key_of(message) for message in entries(locale)}
    missing = {key: where for key, where in code_messages().items() if key not in in_catalog}
    assert not missing, f"not in {locale}/messages.po (run `make locales`): {missing}"


def test_every_vietnamese_entry_is_translated_and_not_fuzzy() -> None:
    problems = []
    for message in entries("vi"):
        _ids, strings = texts(message)
        if message.fuzzy:
            problems.append(f"fuzzy: {message.id!r}")
        if not strings or not all(s.strip() for s in strings):
            problems.append(f"untranslated: {message.id!r}")
    assert not problems, "\n".join(problems)


def test_vietnamese_plural_entries_have_the_one_form_vietnamese_needs() -> None:
    assert catalog("vi").num_plurals == 1
    for message in entries("vi"):
        if message.pluralizable:
            assert len(message.string) == 1, message.id


def test_vietnamese_keeps_every_placeholder_of_the_msgid() -> None:
    problems = []
    for message in entries("vi"):
        ids, strings = texts(message)
        expected = placeholders(ids[-1] if len(ids) > 1 else ids[0])
        for translated in strings:
            try:
                got = placeholders(translated)
            except ValueError as error:
                problems.append(f"{message.id!r}: {translated!r} is not a valid format string ({error})")
                continue
            if got != expected:
                problems.append(f"{message.id!r}: placeholders {dict(got)} != {dict(expected)}")
    assert not problems, "\n".join(problems)


def test_vietnamese_is_not_a_copy_of_the_english() -> None:
    copies = []
    for message in entries("vi"):
        ids, strings = texts(message)
        if strings and strings[0].strip() == ids[0].strip() and ids[0] not in SAME_IN_VIETNAMESE:
            copies.append(message.id)
    assert not copies, f"left in English: {copies}"


@pytest.mark.parametrize("locale", CATALOG_LOCALES)
def test_catalog_compiles_without_errors(locale: str) -> None:
    po = catalog(locale)
    errors = [(message.id, error) for message, errs in po.check() for error in errs]
    assert not errors
    buffer = io.BytesIO()
    write_mo(buffer, po, use_fuzzy=False)
    assert buffer.getvalue()


def test_the_bot_reads_the_vietnamese_catalog() -> None:
    vi = translations("vi")
    assert vi.gettext("Met") == "Đạt"
    assert vi.gettext("Not yet due for assessment") == "Chưa đến thời điểm xét"
    assert vi.ngettext("{n} file", "{n} files", 3) == "{n} tệp"
    assert translations("en").gettext("Met") == "Met"


@pytest.mark.parametrize("spec", (*REPORTER_COMMANDS, *SUPERVISOR_COMMANDS), ids=lambda spec: spec.name)
def test_menu_descriptions_are_translated_within_telegram_limits(spec: CommandSpec) -> None:
    shortest, longest = TELEGRAM_COMMAND_DESCRIPTION
    for locale in CATALOG_LOCALES:
        text = translations(locale).gettext(spec.description)
        assert shortest <= len(text) <= longest, (locale, spec.name, text)
    vietnamese = translations("vi").gettext(spec.description)
    assert vietnamese != spec.description, f"/{spec.name} has no Vietnamese description"
