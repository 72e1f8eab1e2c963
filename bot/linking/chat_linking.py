"""Linking a chat to a person: the welcome, an invite spent (a new person, or a new role), a
link code spent (the chat joins the person's other chats, and their report goes on here), and
/lienket, which makes such a code. What it reads decides the replies; spending a code is an
effect the service applies (the code's row stays locked from the check to the spending)."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime, timedelta

from bot.base import commands
from bot.base.buttons import Kind, pack
from bot.base.conversation import ConversationState, Mode
from bot.base.effects import IssueLinkCode, RecordWrongCode, RedeemCode, TurnResult
from bot.base.events import Button, ButtonRole
from bot.base.records import InviteProblem, Role
from bot.feature.turn import Turn
from bot.linking.guessing import guessing_hold
from bot.reporting.prompts import Prompts

__all__ = ["LINK_CODE_LIFETIME", "WRONG_CODES_ALLOWED", "WRONG_CODES_WINDOW", "offer_link", "redeem", "welcome"]

log = logging.getLogger(__name__)

LINK_CODE_LIFETIME = timedelta(days=1)
WRONG_CODES_ALLOWED = 5
WRONG_CODES_WINDOW = timedelta(minutes=15)
"""Five wrong codes in a quarter of an hour, then none is tried until the oldest is that old:
a person mistyping is not hindered, a guesser gets 20 tries an hour against ~10¹¹ codes from one
chat (from many, bot/linking/guessing.py holds them back)."""


def welcome(turn: Turn) -> TurnResult:
    _ = turn.prompts._
    result = turn.result()
    if turn.person_id is None:
        result.reply(_("Welcome to baocao, the reporting assistant. This is an automated system.\nTo begin, send /start followed by the invite code your supervisor gave you, for example /start AB12CD34."))
    else:
        result.reply(_("Welcome back. Type /baocao to continue your report, or /trogiup for help."))
    return result


async def redeem(turn: Turn, code: str) -> TurnResult:
    """Spends an invite (a new person, or a new role) or a link code (this chat joins the
    person's other chats, and their conversation goes on here)."""
    _ = turn.prompts._
    chat, result = turn.chat, turn.result()
    recent = [at for at in turn.state.wrong_codes if turn.now - datetime.fromisoformat(at) < WRONG_CODES_WINDOW]
    if len(recent) >= WRONG_CODES_ALLOWED:
        log.warning("refused to try code %r for %s:%s: %d wrong codes in %s", code, chat.channel, chat.chat_id, len(recent), WRONG_CODES_WINDOW)
        wait = datetime.fromisoformat(min(recent)) + WRONG_CODES_WINDOW
        result.reply(_("Too many wrong codes from this chat. Check the code with your supervisor and try again after {time}.").format(time=turn.prompts.when(wait)))
        return result
    hold = await guessing_hold(turn.reads.wrong_codes, chat.channel, turn.now)
    if hold is not None:
        log.warning("refused to try code %r for %s:%s: too many wrong codes from all chats (%s) until %s", code, chat.channel, chat.chat_id, hold.channel or "all channels", hold.until)
        until = turn.prompts.when(hold.until)
        result.reply(_("Too many wrong codes have been sent to the bot lately, so no code is checked for now. Your code has not been used: send it again after {time}.").format(time=until))
        result.effects.append(hold.alert(turn.settings.channel_label(chat.channel), until))
        return result
    check = await turn.reads.invites.check(code, turn.now)
    if check.problem is not None:
        result.state = replace(result.state, wrong_codes=(*recent, turn.now.isoformat()))
        result.effects.append(RecordWrongCode(chat.channel, chat.chat_id))
        problems = {
            InviteProblem.UNKNOWN: _("The code {code} is not valid. Check it, or ask your supervisor for a new one."),
            InviteProblem.USED: _("The code {code} has already been used. Each code works once; ask your supervisor for a new one."),
            InviteProblem.EXPIRED: _("The code {code} has expired. Ask your supervisor for a new one."),
            InviteProblem.REVOKED: _("The code {code} has been withdrawn. Ask your supervisor for a new one."),
        }
        result.reply(problems[check.problem].format(code=code))
        log.warning("refused code %r for %s:%s: %s", code, chat.channel, chat.chat_id, check.problem)
        return result
    state = replace(turn.state, wrong_codes=())
    if check.person_id is not None and check.person_id != chat.person_id:  # joins a person linked elsewhere
        conversation = await turn.reads.people.conversation(check.person_id)
        if conversation:
            state = ConversationState.from_dict(dict(conversation))
    result.effects.append(RedeemCode(code, turn.display_name or f"{chat.channel} {chat.chat_id}", chat.person_id, state.locale))
    _ = Prompts(state.locale, turn.zone, turn.surface)._
    if check.role is None:
        result.state = state
        result.reply(_("Linked: this chat now belongs to your account, like your other chats. Type /baocao to continue where you left off."))
        return result
    result.state = state.evolve(mode=Mode.IDLE)
    if check.role is Role.REPORTER:
        start = Button(_("Start the report"), pack(Kind.OPEN), ButtonRole.ACTION, commands.REPORT.name)
        result.reply(_("Linked: you report for {unit}. Type /baocao to start the report.").format(unit=check.unit_name), ((start,),))
    else:
        result.reply(_("Linked: you follow the reports of {unit} and the units under it. Type /tinhhinh to see who has reported, or /trogiup for every command.").format(unit=check.unit_name))
    return result


def offer_link(turn: Turn) -> TurnResult:
    """/lienket: a one-time code that links a chat in another messenger to this person."""
    assert turn.person_id is not None
    _ = turn.prompts._
    result = turn.result()
    expires = turn.now + LINK_CODE_LIFETIME
    code = turn.settings.new_code()
    result.effects.append(IssueLinkCode(code, turn.person_id, expires))
    lines = [_("To use the bot from another messenger too, send it this message there: lienket {code}").format(code=code)]
    lines += [_("or opens on {channel}: {link}").format(channel=link.channel, link=link.url) for link in turn.settings.invite_links(code)]
    lines.append(_("Valid once, until {time}.").format(time=turn.prompts.when(expires)))
    result.reply("\n".join(lines))
    return result
