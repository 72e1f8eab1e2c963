"""Linking a chat to a person: the welcome, an invite spent (a new person, or a new role), a
link code spent (the chat joins the person's other chats, and their report goes on here), and
/lienket, which makes such a code."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot.base import commands
from bot.base.buttons import Kind, pack
from bot.base.conversation import ConversationState, Mode
from bot.base.effects import RecordWrongCode
from bot.base.events import Button, ButtonRole
from bot.linking.guessing import guessing_hold
from bot.base.records import InviteProblem, Role

if TYPE_CHECKING:
    from bot.service import _ServiceTurn

__all__ = ["LINK_CODE_LIFETIME", "WRONG_CODES_ALLOWED", "WRONG_CODES_WINDOW", "Linking"]

log = logging.getLogger(__name__)

LINK_CODE_LIFETIME = timedelta(days=1)
WRONG_CODES_ALLOWED = 5
WRONG_CODES_WINDOW = timedelta(minutes=15)
"""Five wrong codes in a quarter of an hour, then none is tried until the oldest is that old:
a person mistyping is not hindered, a guesser gets 20 tries an hour against ~10¹¹ codes from one
chat (from many, bot/linking/guessing.py holds them back)."""


class Linking:
    def __init__(self, turn: _ServiceTurn) -> None:
        self.turn = turn

    def welcome(self) -> None:
        turn = self.turn
        _ = turn.prompts._
        if turn.chat.person_id is None:
            turn.say(_("Welcome to baocao, the reporting assistant. This is an automated system.\nTo begin, send /start followed by the invite code your supervisor gave you, for example /start AB12CD34."))
        else:
            turn.say(_("Welcome back. Type /baocao to continue your report, or /trogiup for help."))

    async def redeem(self, code: str) -> None:
        """Spends an invite (a new person, or a new role) or a link code (this chat joins the
        person's other chats, and their conversation goes on here)."""
        turn = self.turn
        _ = turn.prompts._
        chat = turn.chat
        recent = [at for at in turn.state.wrong_codes if turn.now - datetime.fromisoformat(at) < WRONG_CODES_WINDOW]
        if len(recent) >= WRONG_CODES_ALLOWED:
            log.warning("refused to try code %r for %s:%s: %d wrong codes in %s", code, chat.channel, chat.chat_id, len(recent), WRONG_CODES_WINDOW)
            wait = datetime.fromisoformat(min(recent)) + WRONG_CODES_WINDOW
            turn.say(_("Too many wrong codes from this chat. Check the code with your supervisor and try again after {time}.").format(time=turn.prompts.when(wait)))
            return
        hold = await guessing_hold(turn.uow.wrong_codes, chat.channel, turn.now)
        if hold is not None:
            log.warning("refused to try code %r for %s:%s: too many wrong codes from all chats (%s) until %s", code, chat.channel, chat.chat_id, hold.channel or "all channels", hold.until)
            until = turn.prompts.when(hold.until)
            turn.say(_("Too many wrong codes have been sent to the bot lately, so no code is checked for now. Your code has not been used: send it again after {time}.").format(time=until))
            turn.out.effects.append(hold.alert(turn.service.desk.channel_label(chat.channel), until))
            return
        redemption = await turn.uow.invites.redeem(code, turn.envelope.display_name or f"{chat.channel} {chat.chat_id}", chat.person_id, turn.now)
        if redemption.person_id is None:
            turn.state = replace(turn.state, wrong_codes=(*recent, turn.now.isoformat()))
            turn.out.effects.append(RecordWrongCode(chat.channel, chat.chat_id))
            problems = {
                InviteProblem.UNKNOWN: _("The code {code} is not valid. Check it, or ask your supervisor for a new one."),
                InviteProblem.USED: _("The code {code} has already been used. Each code works once; ask your supervisor for a new one."),
                InviteProblem.EXPIRED: _("The code {code} has expired. Ask your supervisor for a new one."),
                InviteProblem.REVOKED: _("The code {code} has been withdrawn. Ask your supervisor for a new one."),
            }
            turn.say(problems[redemption.problem or InviteProblem.UNKNOWN].format(code=code))
            log.warning("refused code %r for %s:%s: %s", code, chat.channel, chat.chat_id, redemption.problem)
            return
        person_id = redemption.person_id
        turn.state = replace(turn.state, wrong_codes=())
        if redemption.joined_existing:
            conversation = await turn.uow.people.conversation(person_id)
            if conversation:
                turn.state = ConversationState.from_dict(dict(conversation))
        turn.chat = replace(chat, person_id=person_id)
        await turn.uow.people.set_locale(person_id, turn.state.locale)
        turn.out.menu_roles = frozenset(g.role for g in await turn.uow.people.grants(person_id))
        grant = redemption.grant
        log.info("linked %s:%s to person %s (%s)", chat.channel, chat.chat_id, person_id, grant or "joined")
        _ = turn.prompts._
        if grant is None:
            turn.say(_("Linked: this chat now belongs to your account, like your other chats. Type /baocao to continue where you left off."))
            return
        turn.state = turn.state.evolve(mode=Mode.IDLE)
        if grant.role is Role.REPORTER:
            start = Button(_("Start the report"), pack(Kind.OPEN), ButtonRole.ACTION, commands.REPORT.name)
            turn.say(_("Linked: you report for {unit}. Type /baocao to start the report.").format(unit=grant.unit_name), ((start,),))
        else:
            turn.say(_("Linked: you follow the reports of {unit} and the units under it. Type /tinhhinh to see who has reported, or /trogiup for every command.").format(unit=grant.unit_name))

    async def offer_link(self, person_id: int) -> None:
        """/lienket: a one-time code that links a chat in another messenger to this person."""
        turn = self.turn
        _ = turn.prompts._
        expires = turn.now + LINK_CODE_LIFETIME
        code = await turn.uow.invites.link_code(person_id, expires, turn.now)
        lines = [_("To use the bot from another messenger too, send it this message there: lienket {code}").format(code=code)]
        lines += [_("or opens on {channel}: {link}").format(channel=link.channel, link=link.url) for link in turn.service.invite_links(code)]
        lines.append(_("Valid once, until {time}.").format(time=turn.prompts.when(expires)))
        turn.say("\n".join(lines))
