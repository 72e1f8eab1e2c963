"""Typed input parsing and message splitting."""

from __future__ import annotations

from datetime import date
from decimal import localcontext

import pytest
from babel.numbers import format_decimal
from hypothesis import given
from hypothesis import strategies as st

from bot.base.i18n import Formatter
from bot.base.text import (
    DateFormatError,
    ImpossibleDateError,
    fold,
    parse_date,
    parse_whole_number,
    split_message,
    utf16_length,
)


@pytest.mark.parametrize(
    ("typed", "folded"),
    [("Thái Hòa", "thai hoa"), ("Thái Hoà", "thai hoa"), ("THUỶ", "thuy"), ("Thủy", "thuy"), ("Đạt", "dat"), ("  Chưa   đạt ", "chua dat")],
)
def test_fold_ignores_case_diacritics_and_tone_mark_placement(typed: str, folded: str) -> None:
    assert fold(typed) == folded


@pytest.mark.parametrize("typed", ["25/11/2023", "25-11-2023", "25.11.2023", " 25 / 11 / 2023 "])
def test_dates_as_vietnamese_users_write_them(typed: str) -> None:
    assert parse_date(typed) == date(2023, 11, 25)


def test_impossible_and_malformed_dates_are_told_apart() -> None:
    with pytest.raises(ImpossibleDateError):
        parse_date("31/02/2023")
    with pytest.raises(ImpossibleDateError):
        parse_date("29/02/2023")
    assert parse_date("29/02/2024") == date(2024, 2, 29)
    with pytest.raises(DateFormatError):
        parse_date("2023-11-25x")
    with pytest.raises(DateFormatError):
        parse_date("hôm qua")


@pytest.mark.parametrize(("typed", "number"), [("12", 12), ("1.200", 1200), ("1,200", 1200), ("1 200", 1200), ("-3", -3)])
def test_whole_numbers_with_thousands_separators(typed: str, number: int) -> None:
    assert parse_whole_number(typed) == number


@pytest.mark.parametrize("typed", ["12.5", "mười hai", "", "12 cuộc", "1.20"])
def test_not_whole_numbers(typed: str) -> None:
    assert parse_whole_number(typed) is None


@given(st.text(alphabet=st.sampled_from("ab đ\n ạ"), max_size=3000), st.integers(min_value=1, max_value=500))
def test_split_message_never_exceeds_the_limit_and_loses_no_content(text: str, limit: int) -> None:
    pieces = split_message(text, limit)
    assert all(len(piece) <= limit for piece in pieces)
    assert "".join(pieces).replace(" ", "").replace("\n", "") == text.replace(" ", "").replace("\n", "")


def test_split_message_prefers_paragraph_breaks() -> None:
    text = "a" * 3000 + "\n\n" + "b" * 3000
    assert split_message(text, 4096) == ["a" * 3000, "b" * 3000]


@given(st.text(alphabet=st.sampled_from("ab \n📋Ổ"), max_size=2000), st.integers(min_value=2, max_value=300))
def test_split_message_measured_in_utf16_units_fits_telegram(text: str, limit: int) -> None:
    pieces = split_message(text, limit, utf16_length)
    assert all(utf16_length(piece) <= limit for piece in pieces)
    assert "".join(pieces).replace(" ", "").replace("\n", "") == text.replace(" ", "").replace("\n", "")


CHARACTERS = ("a", "b", "đ", "a\u0323", "o\u031b\u0301", "Ổ", "📋", "👍🏽", "👨\u200d👩\u200d👧", "🇻🇳", "❤\ufe0f", " ", "\n")
"""What a reader sees as one character each: letters, a letter with its diacritics written as
combining marks (as some keyboards send Vietnamese), emoji alone, modified, joined and as a flag."""


@given(st.lists(st.sampled_from(CHARACTERS), max_size=1500), st.integers(min_value=11, max_value=300))
def test_split_message_in_utf16_units_never_cuts_inside_a_character(characters: list[str], limit: int) -> None:
    text = "".join(characters)
    boundaries = {sum(len(c) for c in characters[:n]) for n in range(len(characters) + 1)}
    pieces = split_message(text, limit, utf16_length)
    assert all(utf16_length(piece) <= limit for piece in pieces)
    at = 0
    for piece in pieces:
        while text[at : at + 1].isspace() and not piece[:1].isspace():
            at += 1
        assert text.startswith(piece, at) and at in boundaries and at + len(piece) in boundaries, (piece, at)
        at += len(piece)
    assert text[at:].strip() == ""


def test_a_long_word_of_decomposed_vietnamese_is_cut_between_letters() -> None:
    word = "Nghi\u0303a" * 10  # "Nghĩa" with its tilde as a combining mark, no space to cut at
    pieces = split_message(word, 13, utf16_length)
    assert "".join(pieces) == word
    assert all(not piece.startswith("\u0303") for piece in pieces)


def test_weekdays_read_as_vietnamese_writes_them_mid_sentence() -> None:
    vietnamese = Formatter("vi")
    assert vietnamese.weekday_date(date(2023, 11, 25)) == "thứ Bảy, 25/11/2023"
    assert vietnamese.weekday_date(date(2023, 11, 26)) == "Chủ nhật, 26/11/2023"
    assert Formatter("en").weekday_date(date(2023, 11, 26)) == "Sunday, 26/11/2023"


@pytest.mark.parametrize("locale", ["vi", "en"])
@given(st.integers(min_value=-(10**30), max_value=10**30))
def test_a_whole_number_is_written_as_babel_writes_it(locale: str, number: int) -> None:
    """Whole numbers skip Babel's formatting (a summary writes 10,000 of them); they must read
    the same: 1.234.567 in Vietnamese, 1,234,567 in English."""
    formatter = Formatter(locale)
    with localcontext() as context:
        context.prec = 60
        assert formatter.number(number) == format_decimal(number, locale=formatter.locale)
