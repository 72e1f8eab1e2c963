"""Typed answers: what a number or a few words stand for, on every channel; commands typed as
words where there is no command menu; codes as people type them; the plain-text form of a reply
for a messenger without buttons."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.base.codes import is_code, normalize_code
from bot.base.commands import REPORTER_COMMANDS
from bot.base.conversation import ConversationState
from bot.base.events import Button, ButtonRole, Reply
from bot.base.inputs import ButtonInput, CommandInput, TextInput, parse_typed
from bot.base.menu import Menu, menu_of, resolve
from bot.base.plain_text import as_plain_text
from bot.base.text import fold
from bot.supervision import SUPERVISOR_COMMANDS

ACTION = ButtonRole.ACTION
STATUS = Reply(
    "Chọn mức tự đánh giá:",
    (
        (Button("Đạt", "s:dat"), Button("Chưa đạt", "s:chua_dat")),
        (Button("Chưa đến thời điểm xét", "s:chua_den"),),
        (Button("◀ Quay lại", "back", ACTION), Button("Xem lại", "review", ACTION)),
    ),
    step=7,
)


@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ("1", "s:dat"), (" 3 ", "s:chua_den"), ("Đạt", "s:dat"), ("dat", "s:dat"), ("CHUA DAT", "s:chua_dat"),
        ("chua den thoi diem", "s:chua_den"), ("Chưa Đến Thời Điểm Xét", "s:chua_den"),
        ("quay lai", "back"), ("◀ Quay lại", "back"), ("xem lại", "review"),
    ],
)  # fmt: skip
def test_a_typed_number_or_words_press_the_button(typed: str, value: str) -> None:
    assert resolve(menu_of([STATUS]), typed) == ButtonInput(7, value)


@pytest.mark.parametrize("typed", ["0", "4", "9", "chua", "xyz", "", "  ", "1, 2"])
def test_what_names_no_button_stays_text(typed: str) -> None:
    """A number past the choices (actions are not numbered), or words that fit two choices."""
    assert resolve(menu_of([STATUS]), typed) is None


def test_where_numbers_mean_something_else_only_words_press() -> None:
    """A review page: numbers name questions to edit, and the pager's buttons are actions."""
    review = Reply("Xem lại — trang 1/5", ((Button("Trang sau ▶", "page:1", ACTION), Button("Nộp báo cáo", "submit", ACTION)),), 3)
    picker = Reply("Trả lại…", ((Button("Tiêu chí 3", "rq:TC.3", ButtonRole.PICK), Button("Tiếp tục ▶", "rgo", ACTION)),), 4)
    assert resolve(menu_of([review]), "5") is None
    assert resolve(menu_of([review]), "trang sau") == ButtonInput(3, "page:1")
    assert resolve(menu_of([picker]), "1") is None
    assert resolve(menu_of([picker]), "tiep tuc") == ButtonInput(4, "rgo")
    assert [entry.value for entry in menu_of([picker]).entries] == ["rgo"]  # type: ignore[union-attr]


@given(st.lists(st.text(min_size=1, max_size=30).filter(lambda t: t.strip()), min_size=1, max_size=12, unique=True))
def test_every_numbered_choice_is_reached_by_its_number_and_the_menu_survives_the_state(labels: list[str]) -> None:
    reply = Reply("?", tuple((Button(label, f"o:{n}"),) for n, label in enumerate(labels)), step=2)
    menu = menu_of([reply])
    assert menu is not None
    for number in range(1, len(labels) + 1):
        assert resolve(menu, str(number)) == ButtonInput(2, f"o:{number - 1}")
    state = ConversationState(menu=menu)
    assert ConversationState.from_dict(state.to_dict()).menu == menu == Menu.from_dict(menu.to_dict())


@pytest.mark.parametrize(
    ("typed", "parsed"),
    [
        ("xem lại", CommandInput("xemlai")), ("Xem Lai", CommandInput("xemlai")), ("báo cáo", CommandInput("baocao")),
        ("baocao", CommandInput("baocao")), ("nop", CommandInput("nop")), ("sửa 5", CommandInput("sua", "5")),
        ("/sua 5", CommandInput("sua", "5")), ("start f4jb p2x3", CommandInput("start", "f4jb p2x3")),
        ("lien ket ABCD2345", CommandInput("lienket", "ABCD2345")), ("tình hình", CommandInput("tinhhinh")),
        ("Báo cáo tình hình an ninh", TextInput("Báo cáo tình hình an ninh")), ("sua nam", TextInput("sua nam")),
        ("đạt", TextInput("đạt")), ("đơn vị nghi hải", TextInput("đơn vị nghi hải")),
    ],
)  # fmt: skip
def test_commands_typed_as_words(typed: str, parsed: object) -> None:
    assert parse_typed(typed, bare_words=True) == parsed


def test_without_bare_words_only_the_slash_makes_a_command() -> None:
    assert parse_typed("xem lại") == TextInput("xem lại")
    assert parse_typed("/xemlai@fake_bot") == CommandInput("xemlai")


def test_every_command_is_typed_as_its_vietnamese_words() -> None:
    for spec in (*REPORTER_COMMANDS, *SUPERVISOR_COMMANDS):
        assert fold(spec.words).replace(" ", "") == spec.name, spec
        assert parse_typed(spec.words, bare_words=True) == CommandInput(spec.name)


@pytest.mark.parametrize(("typed", "code"), [("F4JBP2X3", "F4JBP2X3"), (" f4jb p2x3 ", "F4JBP2X3"), ("f4jb-p2x3", "F4JBP2X3")])
def test_codes_are_read_as_people_type_them(typed: str, code: str) -> None:
    assert normalize_code(typed) == code and is_code(typed)


@pytest.mark.parametrize("typed", ["F4JBP2X", "F4JBP2X30", "F4JBP2X1", "bao cao!", "O0OOOOOO"])
def test_what_is_not_a_code(typed: str) -> None:
    assert not is_code(typed)


def test_a_reply_as_plain_text_numbers_the_choices_and_names_the_words_to_type() -> None:
    assert as_plain_text(STATUS, "vi") == (
        "Chọn mức tự đánh giá:\n\n1. Đạt\n2. Chưa đạt\n3. Chưa đến thời điểm xét\n(gõ số thứ tự của phương án chọn)\n\n"
        "Hoặc gõ: “quay lại” · “xem lại”"
    )
    notice = Reply("↩ Báo cáo đã bị trả lại.", ((Button("Sửa ngay", "open", ACTION, "baocao"),),), 0)
    assert as_plain_text(notice, "vi").endswith("Hoặc gõ: “báo cáo”")
    assert as_plain_text(Reply("Không có nút."), "en") == "Không có nút."
