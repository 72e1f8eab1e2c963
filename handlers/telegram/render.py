"""Core replies onto Telegram: inline keyboards with compact callback data, texts split to fit."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.base.events import Reply
from bot.base.text import split_message, utf16_length
from handlers.button_data import button_data

__all__ = ["BUTTONS_PER_ROW", "MESSAGE_LIMIT", "keyboard", "pieces", "pressed_label", "utf16_length"]

MESSAGE_LIMIT = 4096
BUTTONS_PER_ROW = 8


def keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    if not reply.buttons:
        return None
    rows = []
    for row in reply.buttons:
        for start in range(0, len(row), BUTTONS_PER_ROW):
            rows.append(
                [
                    InlineKeyboardButton(button.label, callback_data=button_data(reply.step, button.value))
                    for button in row[start : start + BUTTONS_PER_ROW]
                ]
            )
    return InlineKeyboardMarkup(rows)


def pieces(reply: Reply) -> list[tuple[str, InlineKeyboardMarkup | None]]:
    """The messages one reply becomes; the keyboard rides on the last piece."""
    texts = split_message(reply.text, MESSAGE_LIMIT, utf16_length)
    markup = keyboard(reply)
    return [(text, markup if i == len(texts) - 1 else None) for i, text in enumerate(texts)]


def pressed_label(markup: InlineKeyboardMarkup | None, data: str) -> str | None:
    if markup is None:
        return None
    for row in markup.inline_keyboard:
        for button in row:
            if button.callback_data == data:
                return button.text
    return None
