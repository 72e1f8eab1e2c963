"""/homnay: today's date as the bot counts it, under the campaign it takes when none is named;
a button asks again."""

from __future__ import annotations

from bot.base.buttons import Pressed, button_kind, pack
from bot.base.commands import CommandSpec
from bot.base.events import Button, ButtonRole
from bot.base.i18n import N_
from bot.supervision.desk import Desk
from bot.supervision.registry import button, command

__all__ = ["TODAY", "again", "today"]

TODAY = CommandSpec("homnay", ("today",), N_("Today's date and the campaign in view"), "hôm nay")
AGAIN = button_kind("td")


@command(TODAY, menu=160)
async def today(desk: Desk, args: str) -> None:
    if await desk.campaign(args) is not None:
        again_button = Button(desk._("Ask again"), pack(AGAIN), ButtonRole.ACTION)
        desk.say(desk._("Today is {day}.").format(day=desk.p.fmt.date(desk.today())), ((again_button,),))


@button(AGAIN)
async def again(desk: Desk, pressed: Pressed) -> None:
    await today(desk, "")
