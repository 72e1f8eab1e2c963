"""What a person can send, independent of the platform it came from."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

from bot.base.answers import StoredFile
from bot.base.buttons import Pressed, unpack
from bot.base.codes import is_code
from bot.base.commands import EDIT, LINK, START, CommandSpec, canonical
from bot.base.text import fold, parse_whole_number

__all__ = [
    "TYPED_ARGUMENTS",
    "ButtonInput",
    "CommandInput",
    "ContactInput",
    "FileInput",
    "Input",
    "TextInput",
    "UnsupportedInput",
    "bare_command",
    "parse_typed",
    "spends_code",
]


@dataclass(frozen=True)
class TextInput:
    text: str


@dataclass(frozen=True)
class CommandInput:
    """A slash command; `name` is lower-case, without the slash or a @botname suffix."""

    name: str
    args: str = ""

    @cached_property
    def spec(self) -> CommandSpec | None:
        """The command the name stands for (None: none we know), looked up once, when first asked:
        by then every feature has declared its commands."""
        return canonical(self.name)


@dataclass(frozen=True)
class ButtonInput:
    """A pressed button (or a number typed for it). `step` tells which question it belonged to."""

    step: int
    value: str

    @cached_property
    def pressed(self) -> Pressed | None:
        """The press the value stands for (None: not one of ours), read once, when first asked: by
        then every feature has declared its kinds of button."""
        return unpack(self.value)


@dataclass(frozen=True)
class FileInput:
    """A photo or document; `file.path` is None when it was too large to keep. `caption` is
    what the person wrote with it, in the same message: the answer's words, where the question
    takes words with its files."""

    file: StoredFile
    caption: str = ""


@dataclass(frozen=True)
class UnsupportedInput:
    """A sticker, voice note, location… something no question can take."""

    kind: str


@dataclass(frozen=True)
class ContactInput:
    """A phone number the person shared through their messenger's own card (not typed), so a
    reminder can still reach them by text message when the chat cannot."""

    phone: str


Input = TextInput | CommandInput | ButtonInput | FileInput | UnsupportedInput | ContactInput


def spends_code(received: Input) -> bool:
    """Whether the input offers an invite or link code: when a chat becomes a person, the one
    moment a channel whose updates carry no names must look the person's name up."""
    if isinstance(received, CommandInput):
        return received.name in (START.name, LINK.name) and is_code(received.args)
    return isinstance(received, TextInput) and is_code(received.text)


def parse_typed(text: str, bare_words: bool = False) -> Input:
    """A typed line: a slash command (with an optional @botname suffix) or plain text; with
    `bare_words` (channels without a command menu), also a command typed as words, without the
    slash or diacritics ("xem lại", "baocao", "sua 5")."""
    if text.startswith("/") and len(text) > 1:
        head, _sep, args = text[1:].partition(" ")
        return CommandInput(name=head.split("@", 1)[0].lower(), args=args.strip())
    return (bare_command(text) if bare_words else None) or TextInput(text)


TYPED_ARGUMENTS: dict[CommandSpec, Callable[[str], bool]] = {
    EDIT: lambda args: parse_whole_number(args) is not None,
    START: is_code,
    LINK: is_code,
}
"""The commands that take an argument when typed as words, and what the argument must look like:
a message that merely begins with a command's words ("Báo cáo tình hình…") stays text."""


def bare_command(text: str) -> CommandInput | None:
    """The whole message as a command's words, or its words and a well-formed argument."""
    words, folded = text.split(), fold(text).split()
    if len(words) != len(folded):
        return None
    for split in range(len(folded), 0, -1):
        spec = canonical("".join(folded[:split]))
        if spec is None:
            continue
        args = " ".join(words[split:])
        if not args:
            return CommandInput(spec.name)
        accepts = TYPED_ARGUMENTS.get(spec)
        return CommandInput(spec.name, args) if accepts is not None and accepts(args) else None
    return None
