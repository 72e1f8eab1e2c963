"""How the core's replies become OA messages: up to four buttons (choices first, then actions),
the rest as words to type, more than four choices as a numbered list; a press comes back as its
payload and is read as the press it was."""

from __future__ import annotations

from bot.base.events import Button, ButtonRole, Reply
from bot.base.inputs import ButtonInput
from handlers.zalo_oa.render import MAX_BUTTONS, MESSAGE_LIMIT, oa_messages, pressed

ACTION = ButtonRole.ACTION
STATUSES = (Button("Đạt", "s:d"), Button("Chưa đạt", "s:c"), Button("Chưa đến thời điểm", "s:t"))
ACTIONS = (Button("◀ Quay lại", "b", ACTION), Button("Bỏ qua ▶", "k", ACTION), Button("Xem lại", "r", ACTION))


def test_a_criterion_shows_its_statuses_and_one_action_as_buttons_and_names_the_other_actions() -> None:
    [message] = oa_messages(Reply("Tiêu chí 3", (STATUSES, ACTIONS), step=7), "vi")
    titles = [title for title, _payload in message.buttons]
    assert titles == ["Đạt", "Chưa đạt", "Chưa đến thời điểm", "◀ Quay lại"]
    assert message.text.startswith("Tiêu chí 3\n\n") and "“bỏ qua”" in message.text and "“xem lại”" in message.text
    body = message.body()
    buttons = body["attachment"]["payload"]["buttons"]
    assert {button["type"] for button in buttons} == {"oa.query.hide"} and len(buttons) == MAX_BUTTONS
    assert pressed(buttons[1]["payload"]) == ButtonInput(step=7, value="s:c")


def test_more_than_four_choices_are_a_numbered_list_without_buttons() -> None:
    choices = tuple(Button(f"Phương án {n}", f"c:{n}") for n in range(1, 7))
    [message] = oa_messages(Reply("Chọn một", (choices,), step=2), "vi")
    assert message.buttons == () and "6. Phương án 6" in message.text and "attachment" not in message.body()


def test_a_long_text_is_cut_and_the_buttons_ride_on_the_last_piece() -> None:
    messages = oa_messages(Reply("Một dòng khá dài của báo cáo.\n" * 200, (STATUSES,), step=1), "vi")
    assert len(messages) > 1 and all(len(message.text) <= MESSAGE_LIMIT for message in messages)
    assert [bool(message.buttons) for message in messages] == [False] * (len(messages) - 1) + [True]


def test_typed_text_that_only_looks_like_a_press_is_text() -> None:
    assert pressed("#abc") is None and pressed("12:s:d") is None and pressed("#12:") is None
