"""What a person can send, independent of the platform it came from."""

from __future__ import annotations

from dataclasses import dataclass

from bot.answers import StoredFile


@dataclass(frozen=True)
class TextInput:
    text: str


@dataclass(frozen=True)
class CommandInput:
    """A slash command; `name` is lower-case, without the slash or a @botname suffix."""

    name: str
    args: str = ""


@dataclass(frozen=True)
class ButtonInput:
    """A pressed button (or a number typed for it). `step` tells which question it belonged to."""

    step: int
    value: str


@dataclass(frozen=True)
class FileInput:
    """A photo or document; `file.path` is None when it was too large to keep."""

    file: StoredFile


@dataclass(frozen=True)
class UnsupportedInput:
    """A sticker, voice note, location… something no question can take."""

    kind: str


Input = TextInput | CommandInput | ButtonInput | FileInput | UnsupportedInput


def parse_typed(text: str) -> Input:
    """A typed line: a slash command (with an optional @botname suffix) or plain text."""
    if text.startswith("/") and len(text) > 1:
        head, _sep, args = text[1:].partition(" ")
        return CommandInput(name=head.split("@", 1)[0].lower(), args=args.strip())
    return TextInput(text)
