"""Which supervisor feature answers an input: a command or a press, as the desk's router has them
(registry.py), or typed text while a return for revision is in the making; and the supervisor's
turn itself, for a person whose roles let them see an area."""

from __future__ import annotations

import logging
from collections.abc import Callable

from bot.base.conversation import ConversationState
from bot.base.effects import TurnResult
from bot.base.inputs import ButtonInput, CommandInput, Input, TextInput
from bot.feature.turn import Turn
from bot.organisation.access import access_of
from bot.supervision import appraisal
from bot.supervision.desk import Desk
from bot.supervision.registry import DESK, Fresh

__all__ = ["supervise", "wants"]

log = logging.getLogger(__name__)


def wants(received: Input, state: ConversationState) -> bool:
    """Whether the input is for the supervisor's desk: one of its commands or buttons, or text
    while a return for revision is in the making."""
    if isinstance(received, ButtonInput):
        return DESK.button(received.pressed) is not None
    if isinstance(received, CommandInput):
        return DESK.command(received.spec) is not None
    return isinstance(received, TextInput) and state.supervising.return_draft is not None


async def supervise(turn: Turn) -> TurnResult:
    """The desk's answer to an input it wants, within the person's scope; a refusal to anyone
    without a role above officer."""
    person_id = turn.person_id
    assert person_id is not None
    organisation = await turn.organisation()
    access = access_of(person_id, await turn.reads.people.grants(person_id), organisation.tree)
    if not access.supervises:
        spec = turn.received.spec if isinstance(turn.received, CommandInput) else None
        name = spec.name if spec else "?"
        log.warning("refused /%s from person %s (%s:%s): not a supervisor", name, person_id, turn.chat.channel, turn.chat.chat_id)
        result = turn.result()
        result.reply(refusal(turn.prompts._, name))
        return result
    desk = Desk(turn.reads, access, organisation, turn.state, turn.now, turn.prompts, turn.settings, turn.chat)
    await handle(desk, turn.received)
    return desk.out


async def handle(desk: Desk, received: Input) -> None:
    draft = desk.slice.return_draft
    if isinstance(received, CommandInput):
        answer = DESK.command(received.spec)
        assert answer is not None
        desk.set_slice(return_draft=None)  # a command leaves a return unfinished
        await answer(desk, received.args.strip())
    elif isinstance(received, ButtonInput):
        route = DESK.button(received.pressed)
        assert route is not None and received.pressed is not None
        on_newest = received.step == desk.state.step
        if (route.fresh is Fresh.NEWEST and not on_newest) or (route.fresh is Fresh.PICKING and (not on_newest or draft is None)):
            desk.stale()
        else:
            await route.handler(desk, received.pressed)
    elif isinstance(received, TextInput) and draft is not None:
        await (appraisal.comment if draft.commenting else appraisal.pick_typed)(desk, received.text)


def refusal(gettext: Callable[[str], str], command: str) -> str:
    return gettext("The command /{command} is for supervisors. Your account does not have this permission; ask your supervisor if you need it.").format(command=command)
