"""What the core asks a channel to show. Channels render these their own way."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Button:
    label: str
    value: str


@dataclass(frozen=True)
class Attachment:
    """A file the bot produced (a report, a spreadsheet), kept on disk until it is sent."""

    path: str
    name: str
    media_type: str


@dataclass(frozen=True)
class Reply:
    """One message as the core built it, for the person in this conversation or, through the
    outbox, for someone else.

    `buttons` are rows of choices; `step` is the conversation step they belong to, so a press on
    an old message can be recognised and refused (0: valid whatever the step).
    """

    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()
    step: int | None = None
    attachment: Attachment | None = None


OPEN_REPORT = "open"
"""The value of a button that opens the officer's report, whatever step it was sent at;
"open:<report id>" opens that report."""


def open_report_value(report_id: int | None) -> str:
    return f"{OPEN_REPORT}:{report_id}" if report_id is not None else OPEN_REPORT


def opened_report(value: str) -> int | None:
    """The report an open button names: its id, 0 for "the officer's report", None otherwise."""
    kind, _sep, report_id = value.partition(":")
    if kind != OPEN_REPORT:
        return None
    return int(report_id) if report_id.isdigit() else 0
