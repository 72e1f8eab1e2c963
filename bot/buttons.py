"""The values buttons carry: one vocabulary for the engine, the service and the supervisor's
features, packed small enough for every platform and read back strictly, so a value that is
not ours (an old client, a forged press) is recognised as such instead of breaking a turn."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

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
    # the supervisor's desk
    MISSING_PAGE = "mp"
    UNIT = "un"
    APPROVE = "ap"
    RETURN = "rt"
    HISTORY = "hs"
    REVOKE = "rv"
    PICK = "rq"  # toggle a question in a return
    PICK_DONE = "rgo"
    PICK_CANCEL = "rx"


NUMBERED = frozenset({Kind.REPORT, Kind.PAGE, Kind.MISSING_PAGE, Kind.UNIT, Kind.APPROVE, Kind.RETURN, Kind.HISTORY, Kind.REVOKE})
"""Kinds whose argument is a whole number (an id, a page)."""
NAMED = frozenset({Kind.STATUS, Kind.OPTION, Kind.PICK, Kind.APPEND})
"""Kinds whose argument is a code or an id from a form."""
DESK = frozenset({Kind.MISSING_PAGE, Kind.UNIT, Kind.APPROVE, Kind.RETURN, Kind.HISTORY, Kind.REVOKE, Kind.PICK, Kind.PICK_DONE, Kind.PICK_CANCEL})
"""Kinds the supervisor's desk answers."""


@dataclass(frozen=True)
class Pressed:
    kind: Kind
    arg: str = ""

    @property
    def number(self) -> int:
        return int(self.arg)


def pack(kind: Kind, arg: str | int | None = None) -> str:
    value = kind.value if arg is None else f"{kind.value}:{arg}"
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
    if kind in NUMBERED:
        return Pressed(kind, arg) if arg.isdigit() else None
    if kind in NAMED:
        return Pressed(kind, arg) if arg else None
    return Pressed(kind) if not separator else None
