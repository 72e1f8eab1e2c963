"""What the core asks a channel to show. Channels render these their own way."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = ["Attachment", "Button", "ButtonRole", "Reply", "Surface"]


class ButtonRole(StrEnum):
    """What a button is to someone who cannot press it and must type instead (see bot/base/menu.py)."""

    CHOICE = "choice"  # an answer among a few: numbered, typed by its number or its words
    ACTION = "action"  # a move (back, review, done): typed by its words
    PICK = "pick"  # one of many toggles (the return picker): typed as the text says, never listed


@dataclass(frozen=True)
class Button:
    """`command` names the command that does the same, for a messenger without buttons where
    the message is read outside the conversation (a reminder, a notice)."""

    label: str
    value: str
    role: ButtonRole = ButtonRole.CHOICE
    command: str | None = None


@dataclass(frozen=True)
class Surface:
    """What the person's messenger can show and take, so the core words its prompts to fit
    ("press “Done”" where there are buttons, "type “done”" where there are none)."""

    buttons: bool = True
    documents: bool = True


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
