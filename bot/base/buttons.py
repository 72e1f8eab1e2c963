"""The values buttons carry: a vocabulary of kinds, each declared once by the feature whose
buttons they are (the officer's report's below, the desk's beside their handlers in
bot/supervision/), packed small enough for every platform and read back strictly, so a value
that is not ours (an old client, a forged press) is recognised as such instead of breaking a
turn."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from bot.base.codes import CAMPAIGN_CODE_PATTERN

__all__ = ["MAX_VALUE_BYTES", "ButtonKind", "Kind", "Pressed", "Shape", "button_kind", "pack", "unpack"]

MAX_VALUE_BYTES = 64 - len("4294967295:")
"""The smallest button payload of any messenger is 64 bytes; the step travels before the value."""
CAMPAIGN_CODE = re.compile(CAMPAIGN_CODE_PATTERN)


class Shape(Enum):
    """What a kind's argument looks like: a press whose argument has another shape is not ours."""

    NONE = "none"
    NUMBER = "number"  # a whole number: an id, a page
    NUMBER_IN_CAMPAIGN = "number@campaign"  # a whole number, and perhaps the campaign its message was about
    NAME = "name"  # a code or an id from a form
    OPTIONAL_NUMBER = "number?"  # a whole number, or nothing
    FLAG = "flag"  # 1 or 0


@dataclass(frozen=True)
class ButtonKind:
    code: str
    shape: Shape = Shape.NONE


_KINDS: dict[str, ButtonKind] = {}


def button_kind(code: str, shape: Shape = Shape.NONE) -> ButtonKind:
    """Declares a kind of button; a code names one kind only, whichever feature declares it."""
    if code in _KINDS or ":" in code:
        raise ValueError(f"button kind {code!r} is declared twice or holds a colon")
    kind = _KINDS[code] = ButtonKind(code, shape)
    return kind


class Kind:
    """The officer's report's kinds."""

    OPEN = button_kind("open", Shape.OPTIONAL_NUMBER)  # open a report (its id, or the one to file)
    REPORT = button_kind("r", Shape.NUMBER)  # one of several open reports (id)
    STATUS = button_kind("s", Shape.NAME)  # a criterion's status
    ELIGIBLE = button_kind("e", Shape.FLAG)  # meets the conditions: 1 or 0
    OPTION = button_kind("o", Shape.NAME)  # a choice question's option code
    DONE = button_kind("done")
    KEEP = button_kind("keep")
    APPEND = button_kind("add", Shape.NAME)  # write more to a saved text answer (its question id)
    CLEAR = button_kind("clear")
    BACK = button_kind("back")
    SKIP = button_kind("skip")
    REVIEW = button_kind("review")
    PAGE = button_kind("page", Shape.NUMBER)  # a review page
    RESUME = button_kind("resume")
    SUBMIT = button_kind("submit")
    CONFIRM = button_kind("confirm")
    CANCEL = button_kind("cancel")
    CARRY = button_kind("carry")  # keep the previous campaign's answer
    CHANGE = button_kind("change")  # answer anew instead


@dataclass(frozen=True)
class Pressed:
    kind: ButtonKind
    arg: str = ""
    campaign: str = ""  # the campaign's code, for NUMBER_IN_CAMPAIGN kinds that name one

    @property
    def number(self) -> int:
        return int(self.arg)


def pack(kind: ButtonKind, arg: str | int | None = None, campaign: str = "") -> str:
    if campaign and kind.shape is not Shape.NUMBER_IN_CAMPAIGN:
        raise ValueError(f"a {kind.code} button names no campaign")
    value = kind.code if arg is None else f"{kind.code}:{arg}" + (f"@{campaign}" if campaign else "")
    if len(value.encode()) > MAX_VALUE_BYTES:
        raise ValueError(f"button value over {MAX_VALUE_BYTES} bytes: {value!r}")
    return value


def unpack(value: str) -> Pressed | None:
    """The press a value stands for; None for anything not packed by `pack`."""
    code, separator, arg = value.partition(":")
    kind = _KINDS.get(code)
    if kind is None:
        return None
    match kind.shape:
        case Shape.OPTIONAL_NUMBER:
            return Pressed(kind, arg) if not separator or arg.isdigit() else None
        case Shape.FLAG:
            return Pressed(kind, arg) if arg in ("0", "1") else None
        case Shape.NUMBER_IN_CAMPAIGN:
            number, at, campaign = arg.partition("@")
            valid = number.isdigit() and (not at or CAMPAIGN_CODE.fullmatch(campaign) is not None)
            return Pressed(kind, number, campaign) if valid else None
        case Shape.NUMBER:
            return Pressed(kind, arg) if arg.isdigit() else None
        case Shape.NAME:
            return Pressed(kind, arg) if arg else None
    return Pressed(kind) if not separator else None
