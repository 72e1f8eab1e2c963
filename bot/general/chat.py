"""The answers that are no report's, desk's or link's: help, the chat's language, a phone number
the person shared, an unknown command, a chat not linked yet."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace

from bot.base.commands import CommandSpec
from bot.base.effects import RememberPhone, SetLocale, TurnResult
from bot.base.i18n import next_locale, normalize_locale
from bot.base.phones import international
from bot.feature.turn import Turn
from bot.reporting.prompts import Prompts, help_text

__all__ = ["help_for", "not_linked", "remember_phone", "switch_language", "unknown_command"]

log = logging.getLogger(__name__)


def help_for(turn: Turn, supervisor_commands: Sequence[CommandSpec]) -> TurnResult:
    """/trogiup: every command the person may give (a supervisor's too, given them)."""
    result = turn.result()
    result.reply(help_text(turn.prompts, supervisor_commands))
    return result


def switch_language(turn: Turn, wanted: str) -> TurnResult:
    """/ngonngu [vi|en]: the language named, or the next one; the person keeps it in every chat."""
    locale = normalize_locale(wanted) if wanted else next_locale(turn.state.locale)
    result = TurnResult(state=replace(turn.state, locale=locale))
    if turn.person_id is not None:
        result.effects.append(SetLocale(turn.person_id, locale))
    result.reply(Prompts(locale, turn.zone, turn.surface)._("This chat now uses English. Type /ngonngu to switch language."))
    return result


def remember_phone(turn: Turn, shared: str) -> TurnResult:
    """A number the person shared from their messenger: kept with the chat, so that a reminder
    no chat can carry can go to that phone."""
    _ = turn.prompts._
    result = turn.result()
    phone = international(shared)
    if phone is None:
        log.info("%s:%s shared %r, which is no Vietnamese mobile number", turn.chat.channel, turn.chat.chat_id, shared)
        result.reply(_("“{phone}” is not a Vietnamese mobile number, so it was not saved.").format(phone=shared))
        return result
    result.effects.append(RememberPhone(phone))
    result.reply(_("Thank you: your phone number is saved. When the bot cannot write to you here, a reminder before a deadline will come as a text message to {phone}.").format(phone=shared))
    return result


def unknown_command(turn: Turn, name: str) -> TurnResult:
    result = turn.result()
    result.reply(turn.prompts._("Unknown command /{name}. Type /trogiup to see what the bot understands.").format(name=name))
    return result


def not_linked(turn: Turn) -> TurnResult:
    result = turn.result()
    result.reply(turn.prompts._("This chat is not linked to a unit yet. Ask your supervisor for an invite code, then send /start followed by the code, for example /start AB12CD34."))
    return result
