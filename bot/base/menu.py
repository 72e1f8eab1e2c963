"""What a person may type instead of pressing a button: the number of a choice, or its words.

The buttons of the newest message that has any are kept in the conversation state as a menu,
so a typed "2", "chua dat" or "Chưa đạt" means the same as the press, on every channel; on a
messenger without buttons typing is the only way to choose. Choices are numbered in
the order they are shown; actions (back, review…) are matched by their words alone, so a
number typed where numbers mean something else (a question to edit) is left alone.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bot.base.events import ButtonRole, Reply
from bot.base.inputs import ButtonInput
from bot.base.text import fold, parse_whole_number

__all__ = ["PARTIAL_MATCH_LENGTH", "Menu", "MenuEntry", "menu_of", "resolve", "typed_words"]

_NOT_WORDS = re.compile(r"[^\w\s]", re.UNICODE)
PARTIAL_MATCH_LENGTH = 3


@dataclass(frozen=True)
class MenuEntry:
    label: str
    value: str
    numbered: bool


@dataclass(frozen=True)
class Menu:
    """The buttons of the message of conversation step `step`, as typed answers can name them."""

    step: int
    entries: tuple[MenuEntry, ...]

    @property
    def numbered(self) -> list[MenuEntry]:
        return [entry for entry in self.entries if entry.numbered]

    def to_dict(self) -> dict[str, Any]:
        return {"step": self.step, "entries": [[e.label, e.value, e.numbered] for e in self.entries]}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Menu:
        return cls(data["step"], tuple(MenuEntry(str(label), str(value), bool(numbered)) for label, value, numbered in data["entries"]))


def menu_of(replies: Sequence[Reply]) -> Menu | None:
    """The menu of the newest reply with buttons; None when no reply has any."""
    for reply in reversed(replies):
        if reply.buttons:
            entries = tuple(
                MenuEntry(button.label, button.value, button.role is ButtonRole.CHOICE)
                for row in reply.buttons
                for button in row
                if button.role is not ButtonRole.PICK
            )
            return Menu(reply.step or 0, entries)
    return None


def typed_words(label: str) -> str:
    """A label as one would type it: without arrows, ticks and other signs ("◀ Quay lại" →
    "Quay lại")."""
    return " ".join(_NOT_WORDS.sub(" ", label).split())


def resolve(menu: Menu | None, text: str) -> ButtonInput | None:
    """The press a typed answer stands for: a choice's number, a button's words (with or without
    diacritics), or a piece of exactly one choice's words ("bang van ban" for “Sơ kết bằng văn
    bản”); None when it names none."""
    if menu is None:
        return None
    numbered = menu.numbered
    number = parse_whole_number(text)
    if number is not None:
        return ButtonInput(menu.step, numbered[number - 1].value) if 1 <= number <= len(numbered) else None
    typed = fold(typed_words(text))
    if not typed:
        return None
    exact = [entry for entry in menu.entries if fold(typed_words(entry.label)) == typed]
    if exact:
        return ButtonInput(menu.step, exact[0].value)
    partial = [entry for entry in numbered if len(typed) >= PARTIAL_MATCH_LENGTH and typed in fold(typed_words(entry.label))]
    return ButtonInput(menu.step, partial[0].value) if len(partial) == 1 else None
