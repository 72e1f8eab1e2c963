"""The core's replies for a messenger without buttons (and the console showing one): choices
become a numbered list, actions the words to type. The numbering is the menu's
(bot/base/menu.py), so the number a person sees is the number the bot understands."""

from __future__ import annotations

from collections.abc import Sequence

from bot.base.commands import spec_of
from bot.base.events import Button, ButtonRole, Reply
from bot.base.i18n import translations
from bot.base.menu import menu_of, typed_words

__all__ = ["as_plain_text", "or_type", "typed"]


def as_plain_text(reply: Reply, locale: str) -> str:
    menu = menu_of([reply])
    if menu is None:
        return reply.text
    _ = translations(locale).gettext
    lines = [reply.text]
    choices = menu.numbered
    if choices:
        lines.append("")
        lines += [f"{number}. {entry.label}" for number, entry in enumerate(choices, start=1)]
        lines.append(_("(type the number of your choice)"))
    actions = [button for row in reply.buttons for button in row if button.role is ButtonRole.ACTION]
    if actions:
        lines += ["", or_type(actions, locale)]
    return "\n".join(lines)


def or_type(actions: Sequence[Button], locale: str) -> str:
    """The line that tells what to type for actions there is no button for."""
    _ = translations(locale).gettext
    return _("Or type: {actions}").format(actions=" · ".join(f"“{typed(action)}”" for action in actions))


def typed(action: Button) -> str:
    """What to type for an action: its command's words, or else its own words."""
    return spec_of(action.command).words if action.command else typed_words(action.label).lower()
