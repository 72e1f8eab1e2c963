"""The values buttons carry: one vocabulary for the engine, the service and the supervisor's
features, packed small enough for every platform and read back strictly, so a value that is
not ours (an old client, a forged press) is recognised as such instead of breaking a turn."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from bot.base.codes import CAMPAIGN_CODE_PATTERN

__all__ = ["MAX_VALUE_BYTES", "Kind", "Pressed", "pack", "unpack"]

MAX_VALUE_BYTES = 64 - len("4294967295:")
"""The smallest button payload of any messenger is 64 bytes; the step travels before the value."""


class Kind(StrEnum):
    # the officer's report
    OPEN = "open"  # open a report (its id, or the one to file)
    REPORT = "r"  # one of several open reports (id)
    STATUS = "s"  # a criterion's status
    ELIGIBLE = "e"  # meets the conditions: 1 or 0
    OPTION = "o"  # a choice question's option code
    DONE = "done"
    KEEP = "keep"
    APPEND = "add"  # write more to a saved text answer (its question id)
    CLEAR = "clear"
    BACK = "back"
    SKIP = "skip"
    REVIEW = "review"
    PAGE = "page"  # a review page
    RESUME = "resume"
    SUBMIT = "submit"
    CONFIRM = "confirm"
    CANCEL = "cancel"
    CARRY = "carry"  # keep the previous campaign's answer
    CHANGE = "change"  # answer anew instead
    # the supervisor's desk
    MISSING_PAGE = "mp"
    UNIT = "un"
    APPROVE = "ap"  # asks to confirm an approval
    APPROVE_CONFIRM = "apy"  # the approval confirmed (the report's id)
    RETURN = "rt"
    HISTORY = "hs"
    REVOKE = "rv"  # a revocation confirmed (the grant's id)
    DISMISS = "dx"  # a confirmation declined
    PICK = "rq"  # toggle a question in a return
    PICK_DONE = "rgo"
    PICK_CANCEL = "rx"


NUMBERED = frozenset({
    Kind.REPORT, Kind.PAGE, Kind.MISSING_PAGE, Kind.UNIT, Kind.APPROVE, Kind.APPROVE_CONFIRM, Kind.RETURN, Kind.HISTORY, Kind.REVOKE,
})  # fmt: skip
"""Kinds whose argument is a whole number (an id, a page)."""
IN_A_CAMPAIGN = frozenset({Kind.MISSING_PAGE, Kind.UNIT, Kind.APPROVE, Kind.RETURN, Kind.HISTORY})
"""Numbered kinds that may also name the campaign they are about ("un:12@so-ket-2023"), so a
button acts on the campaign its message showed, not on today's default."""
CAMPAIGN_CODE = re.compile(CAMPAIGN_CODE_PATTERN)
NAMED = frozenset({Kind.STATUS, Kind.OPTION, Kind.PICK, Kind.APPEND})
"""Kinds whose argument is a code or an id from a form."""
DESK = frozenset({
    Kind.MISSING_PAGE, Kind.UNIT, Kind.APPROVE, Kind.APPROVE_CONFIRM, Kind.RETURN, Kind.HISTORY, Kind.REVOKE, Kind.DISMISS,
    Kind.PICK, Kind.PICK_DONE, Kind.PICK_CANCEL,
})  # fmt: skip
"""Kinds the supervisor's desk answers."""


@dataclass(frozen=True)
class Pressed:
    kind: Kind
    arg: str = ""
    campaign: str = ""  # the campaign's code, for IN_A_CAMPAIGN kinds that name one

    @property
    def number(self) -> int:
        return int(self.arg)


def pack(kind: Kind, arg: str | int | None = None, campaign: str = "") -> str:
    if campaign and kind not in IN_A_CAMPAIGN:
        raise ValueError(f"a {kind} button names no campaign")
    value = kind.value if arg is None else f"{kind.value}:{arg}" + (f"@{campaign}" if campaign else "")
    if len(value.encode()) > MAX_VALUE_BYTES:
        raise ValueError(f"button value over {MAX_VALUE_BYTES} bytes: {value!r}")
    return value


def unpack(value: str) -> Pressed | None:
    """The press a value stands for; None for anything not packed by `pack`."""
    name, separator, arg = value.partition(":")
    try:
        kind = Kind(name)
    except ValueError:
        return None
    if kind is Kind.OPEN:
        return Pressed(kind, arg) if not separator or arg.isdigit() else None
    if kind is Kind.ELIGIBLE:
        return Pressed(kind, arg) if arg in ("0", "1") else None
    if kind in IN_A_CAMPAIGN:
        number, at, campaign = arg.partition("@")
        valid = number.isdigit() and (not at or CAMPAIGN_CODE.fullmatch(campaign) is not None)
        return Pressed(kind, number, campaign) if valid else None
    if kind in NUMBERED:
        return Pressed(kind, arg) if arg.isdigit() else None
    if kind in NAMED:
        return Pressed(kind, arg) if arg else None
    return Pressed(kind) if not separator else None
