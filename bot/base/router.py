"""Where a feature says what it answers, beside its code, as aiogram's routers do: the module
that answers a command declares it and adds its handler to its feature's router, and likewise a
kind of button; the feature's turn asks the router which handler an input is for. A command
added to a router joins the command table (bot/base/commands.py), so it is known by name
wherever it is typed."""

from __future__ import annotations

from typing import Generic, TypeVar

from bot.base.buttons import ButtonKind, Pressed
from bot.base.commands import CommandSpec, register

__all__ = ["Router"]

C = TypeVar("C")
B = TypeVar("B")


class Router(Generic[C, B]):
    """Handlers of commands (`C`) and of presses (`B`), one per command and per kind of button."""

    def __init__(self) -> None:
        self._commands: dict[CommandSpec, C] = {}
        self._buttons: dict[ButtonKind, B] = {}
        self._menu: dict[CommandSpec, int] = {}

    def add_command(self, spec: CommandSpec, handler: C, menu: int | None) -> None:
        """`menu`: the command's place among the feature's in the messengers' menus and in the
        help (None: listed elsewhere, as a command the officer has too)."""
        if spec in self._commands:
            raise ValueError(f"/{spec.name} has a handler already")
        register(spec)
        self._commands[spec] = handler
        if menu is not None:
            self._menu[spec] = menu

    def add_button(self, kind: ButtonKind, handler: B) -> None:
        if kind in self._buttons:
            raise ValueError(f"button kind {kind.code!r} has a handler already")
        self._buttons[kind] = handler

    def command(self, spec: CommandSpec | None) -> C | None:
        return self._commands.get(spec) if spec is not None else None

    def button(self, pressed: Pressed | None) -> B | None:
        return self._buttons.get(pressed.kind) if pressed is not None else None

    def menu(self) -> tuple[CommandSpec, ...]:
        """The commands to list, in their places."""
        return tuple(sorted(self._menu, key=self._menu.__getitem__))
