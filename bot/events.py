"""What the core asks a channel to show. Channels render these their own way."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Button:
    label: str
    value: str


@dataclass(frozen=True)
class Reply:
    """A message to the person in this conversation.

    `buttons` are rows of choices; `step` is the conversation step they belong to, so a press on
    an old message can be recognised and refused.
    """

    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()
    step: int | None = None


@dataclass(frozen=True)
class Notice:
    """A message to another person (a supervisor, a reporter), sent after the commit."""

    person_id: int
    text: str
    buttons: tuple[tuple[Button, ...], ...] = field(default=())
