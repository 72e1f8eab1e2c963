"""The core's replies as OA consultation messages: text up to 2000 characters, and up to four
`oa.query.hide` buttons, whose payload Zalo sends back as the person's text when pressed.

Choices come first on the buttons, then as many actions as still fit; the actions left over
are named as words to type. More than four choices become the numbered list a messenger
without buttons shows (bot/base/plain_text.py): a typed number or the words of a choice work on
every channel, so nothing is lost when a button is not there.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.base.events import ButtonRole, Reply
from bot.base.inputs import ButtonInput
from bot.base.plain_text import as_plain_text, or_type
from bot.base.text import split_message
from handlers.button_data import button_data, parse_button_data

__all__ = ["MAX_BUTTONS", "MESSAGE_LIMIT", "PRESS_MARK", "OaMessage", "oa_messages", "pressed"]

MESSAGE_LIMIT = 2000
MAX_BUTTONS = 4
"""Zalo's sources say four or five buttons a message: four is safe on every client."""
PRESS_MARK = "#"
"""Starts a button's payload, so a press is told from typed text."""


@dataclass(frozen=True)
class OaMessage:
    text: str
    buttons: tuple[tuple[str, str], ...] = ()
    """(title, payload) of each button."""

    def body(self) -> dict[str, Any]:
        """The `message` of a /message/cs call."""
        if not self.buttons:
            return {"text": self.text}
        buttons = [{"title": title, "type": "oa.query.hide", "payload": payload} for title, payload in self.buttons]
        return {"text": self.text, "attachment": {"type": "template", "payload": {"buttons": buttons}}}


def oa_messages(reply: Reply, locale: str) -> list[OaMessage]:
    """The messages one reply becomes; the buttons ride on the last."""
    every = [button for row in reply.buttons for button in row]
    choices = [button for button in every if button.role is ButtonRole.CHOICE]
    if len(choices) > MAX_BUTTONS:
        text, shown = as_plain_text(reply, locale), []
    else:
        actions = [button for button in every if button.role is ButtonRole.ACTION]
        shown = choices + actions[: MAX_BUTTONS - len(choices)]
        left = actions[MAX_BUTTONS - len(choices) :]
        text = reply.text + ("\n\n" + or_type(left, locale) if left else "")
    buttons = tuple((button.label, PRESS_MARK + button_data(reply.step, button.value)) for button in shown)
    texts = split_message(text, MESSAGE_LIMIT)
    return [OaMessage(piece, buttons if i == len(texts) - 1 else ()) for i, piece in enumerate(texts)]


def pressed(text: str) -> ButtonInput | None:
    """The press a text is, when it is a button's payload."""
    return parse_button_data(text[len(PRESS_MARK) :]) if text.startswith(PRESS_MARK) else None
