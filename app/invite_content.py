"""What an invite sheet says, whatever its file: the title, the ways in to the bot, the validity
and the QR code that every writer (invite_workbook.py, invite_pdf.py) puts on it."""

from __future__ import annotations

import segno

from bot.base.i18n import DEFAULT_LOCALE, Formatter
from bot.base.records import BotEntrance, IssuedInvite
from bot.catalog.sheets import Gettext

__all__ = ["qr_of", "sheet_title", "valid_until", "ways_in"]


def qr_of(invite: IssuedInvite) -> segno.QRCode:
    return segno.make(invite.qr_content, error="m")


def sheet_title(scope: str, _: Gettext) -> str:
    return _("Invites to the reporting bot — {scope}").format(scope=scope)


def ways_in(invite: IssuedInvite, _: Gettext) -> list[str]:
    """A line per channel: its link that carries the code, or, where it has none (Zalo), how to
    reach the bot and what to send it."""
    return [f"{link.channel}: {link.url}" for link in invite.links] + [
        entrance_line(entrance, invite.start, _) for entrance in invite.entrances
    ]


def valid_until(invite: IssuedInvite) -> str:
    """The expiry as every date the reader sees is written ("23:59 15/08/2024", the same in each
    of the bot's languages)."""
    return Formatter(DEFAULT_LOCALE).datetime(invite.expires)


def entrance_line(entrance: BotEntrance, start: str, _: Gettext) -> str:
    channel, name, link = entrance.channel, entrance.name, entrance.link
    if name and link:
        return _("{channel}: look for “{name}” or open {link}, then send: {start}").format(channel=channel, name=name, link=link, start=start)
    if name:
        return _("{channel}: look for “{name}”, then send: {start}").format(channel=channel, name=name, start=start)
    if link:
        return _("{channel}: open {link}, then send: {start}").format(channel=channel, link=link, start=start)
    return _("{channel}: send the bot: {start}").format(channel=channel, start=start)
