"""Which supervisor feature answers an input: commands from the command table, presses from the
button vocabulary, and typed text while a return for revision is in the making."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.base import commands
from bot.base.buttons import DESK, Kind, Pressed, unpack
from bot.base.commands import CommandSpec
from bot.base.conversation import ConversationState
from bot.base.inputs import ButtonInput, CommandInput, Input, TextInput
from bot.base.records import CampaignRecord, UnitRecord
from bot.supervision import (
    appraisal,
    chasing,
    deadlines,
    exports,
    people,
    status,
    unit_views,
)
from bot.supervision.desk import Desk

__all__ = ["BUTTONS", "COMMANDS", "ON_A_UNIT", "PRESSED_ON_A_UNIT", "handle", "refusal", "wants"]

UnitFeature = Callable[[Desk, UnitRecord, CampaignRecord], Awaitable[None]]

ON_A_UNIT: dict[CommandSpec, UnitFeature] = {
    commands.UNIT: unit_views.show_report,
    commands.APPROVE: appraisal.approve_unit,
    commands.RETURN: appraisal.return_unit,
    commands.HISTORY: unit_views.history_of,
}
"""Commands about one unit in one campaign: the argument names the unit (a name or a code, within
scope), and its last word may name the campaign ("/donvi Nghi Hải 2023")."""
PRESSED_ON_A_UNIT: dict[Kind, UnitFeature] = {
    Kind.UNIT: unit_views.show_report,
    Kind.APPROVE: appraisal.approve_unit,
    Kind.RETURN: appraisal.return_unit,
    Kind.HISTORY: unit_views.history_of,
}
"""Buttons about one unit, which carry its id and the campaign their message was about."""
COMMANDS: dict[CommandSpec, Callable[[Desk, str], Awaitable[None]]] = {
    commands.STATUS: status.status,
    commands.MISSING: chasing.missing,
    commands.CRITERION: unit_views.criterion,
    commands.INVITE: people.invite,
    commands.PEOPLE: people.people,
    commands.REVOKE: people.revoke,
    commands.REMIND: chasing.remind,
    commands.EXTEND: deadlines.extend,
    commands.EXPORT_REPORT: exports.export_report,
    commands.EXPORT_WORKBOOK: exports.export_workbook,
    commands.CHART: exports.export_chart,
    commands.DELIVERIES: chasing.deliveries,
}
BUTTONS: dict[Kind, Callable[[Desk, Pressed], Awaitable[None]]] = {
    Kind.MISSING_PAGE: chasing.missing_page,
    Kind.APPROVE_CONFIRM: appraisal.approve_confirmed,
    Kind.REVOKE: people.revoke_confirmed,
    Kind.DISMISS: appraisal.dismiss,
    Kind.PICK: appraisal.pick,
    Kind.PICK_DONE: appraisal.pick_done,
    Kind.PICK_CANCEL: appraisal.pick_cancel,
}
PICKER = frozenset({Kind.PICK, Kind.PICK_DONE, Kind.PICK_CANCEL})
"""Presses that only make sense on the newest picker of a return still in the making."""
CONFIRMATIONS = frozenset({Kind.APPROVE_CONFIRM, Kind.REVOKE, Kind.DISMISS})
"""Presses that only count on the newest message: a confirmation shown earlier is stale."""


def wants(received: Input, state: ConversationState, command: CommandSpec | None) -> bool:
    """Whether the input is for the supervisor's desk: one of its commands or buttons, or text
    while a return for revision is in the making."""
    if isinstance(received, ButtonInput):
        pressed = unpack(received.value)
        return pressed is not None and pressed.kind in DESK
    if isinstance(received, CommandInput):
        return command in COMMANDS or command in ON_A_UNIT
    return isinstance(received, TextInput) and state.supervising.return_draft is not None


async def handle(desk: Desk, received: Input, command: CommandSpec | None) -> None:
    draft = desk.slice.return_draft
    if isinstance(received, CommandInput) and command is not None:
        desk.set_slice(return_draft=None)  # a command leaves a return unfinished
        args = received.args.strip()
        if command in ON_A_UNIT:
            found = await desk.campaign_after(args)
            unit = desk.resolve(found[0], command, found[1]) if found else None
            if found and unit:
                await ON_A_UNIT[command](desk, unit, found[1])
        else:
            await COMMANDS[command](desk, args)
    elif isinstance(received, ButtonInput):
        pressed = unpack(received.value)
        on_newest = received.step == desk.state.step
        if pressed is None or (pressed.kind in PICKER and (not on_newest or draft is None)) or (pressed.kind in CONFIRMATIONS and not on_newest):
            desk.stale()
        elif pressed.kind in PRESSED_ON_A_UNIT:
            unit = desk.visible(pressed.number)
            campaign = await desk.campaign(pressed.campaign)
            if unit is None:
                desk.say(desk.not_found(pressed.arg))
            elif campaign is not None:
                await PRESSED_ON_A_UNIT[pressed.kind](desk, unit, campaign)
        else:
            await BUTTONS[pressed.kind](desk, pressed)
    elif isinstance(received, TextInput) and draft is not None:
        await (appraisal.comment if draft.commenting else appraisal.pick_typed)(desk, received.text)


def refusal(gettext: Callable[[str], str], command: str) -> str:
    return gettext("The command /{command} is for supervisors. Your account does not have this permission; ask your supervisor if you need it.").format(command=command)
