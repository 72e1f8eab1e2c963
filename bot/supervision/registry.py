"""The desk's router: each module of bot/supervision/ declares its commands and kinds of button
beside the functions that answer them and adds those here with these decorators; routing.py asks
which one answers an input. A new supervisor command is one new module (and its texts).

A command about one unit (`on_unit`) is given the unit its argument names (within scope; the
last word may name the campaign: "/donvi Nghi Hải 2023"); a kind of button given with it, which
carries a unit's id and the campaign its message was about, is answered the same way.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import Enum
from typing import TypeVar

from bot.base.buttons import ButtonKind, Pressed
from bot.base.commands import CommandSpec
from bot.base.records import CampaignRecord, UnitRecord
from bot.base.router import Router
from bot.supervision.desk import Desk

__all__ = ["DESK", "ButtonRoute", "Fresh", "button", "command", "on_unit"]

CommandHandler = Callable[[Desk, str], Awaitable[None]]
ButtonHandler = Callable[[Desk, Pressed], Awaitable[None]]
UnitHandler = Callable[[Desk, UnitRecord, CampaignRecord], Awaitable[None]]
Answering = TypeVar("Answering", bound=CommandHandler)
Pressing = TypeVar("Pressing", bound=ButtonHandler)
OnUnit = TypeVar("OnUnit", bound=UnitHandler)


class Fresh(Enum):
    """Which presses of a kind still count."""

    ANY = "any"  # a button of any earlier message (a page, a unit)
    NEWEST = "newest"  # only on the newest message: a confirmation shown before another is stale
    PICKING = "picking"  # only on the newest picker of a return still in the making


@dataclass(frozen=True)
class ButtonRoute:
    handler: ButtonHandler
    fresh: Fresh


DESK: Router[CommandHandler, ButtonRoute] = Router()


def command(spec: CommandSpec, menu: int | None) -> Callable[[Answering], Answering]:
    """Answers the command with the function, given the words after it. `menu`: its place in the
    supervisors' menu and help (bot.base.router.Router.add_command)."""

    def adding(handler: Answering) -> Answering:
        DESK.add_command(spec, handler, menu)
        return handler

    return adding


def button(kind: ButtonKind, fresh: Fresh = Fresh.ANY) -> Callable[[Pressing], Pressing]:
    """Answers presses of the kind with the function, given the press."""

    def adding(handler: Pressing) -> Pressing:
        DESK.add_button(kind, ButtonRoute(handler, fresh))
        return handler

    return adding


def on_unit(spec: CommandSpec, kind: ButtonKind | None, menu: int | None) -> Callable[[OnUnit], OnUnit]:
    """Answers the command, and presses of the kind, with the function, given the unit and the
    campaign."""

    def adding(handler: OnUnit) -> OnUnit:
        async def named(desk: Desk, args: str) -> None:
            found = await desk.campaign_after(args)
            unit = desk.resolve(found[0], spec, found[1]) if found else None
            if found and unit:
                await handler(desk, unit, found[1])

        async def pressed_on(desk: Desk, pressed: Pressed) -> None:
            unit = desk.visible(pressed.number)
            campaign = await desk.campaign(pressed.campaign)
            if unit is None:
                desk.say(desk.not_found(pressed.arg))
            elif campaign is not None:
                await handler(desk, unit, campaign)

        DESK.add_command(spec, named, menu)
        if kind is not None:
            DESK.add_button(kind, ButtonRoute(pressed_on, Fresh.ANY))
        return handler

    return adding
