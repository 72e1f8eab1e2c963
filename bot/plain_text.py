"""The core's replies for a messenger without buttons (and the console showing one): choices
become a numbered list, actions the words to type. The numbering is the menu's
(bot/menu.py), so the number a person sees is the number the bot understands."""

from __future__ import annotations

from bot.events import Reply
from bot.i18n import translations
from bot.menu import menu_of, typed_words


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
    actions = [entry for entry in menu.entries if not entry.numbered]
    if actions:
        lines.append("")
        lines.append(_("Or type: {actions}").format(actions=" · ".join(f"«{typed_words(a.label).lower()}»" for a in actions)))
    return "\n".join(lines)
