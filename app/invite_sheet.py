"""The invite sheet a district prints or forwards, with the code, what to send the bot, a link for
every configured channel and a QR code to scan from paper for each invite. The file's suffix
chooses the writer: a workbook (one row per invite, here: a frozen header with filters, the
expiry a real date, printed as the supervisors' workbook is) or a printable PDF (one block per
invite, invite_pdf.py)."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from pathlib import Path

import openpyxl
import segno
from openpyxl.drawing.image import Image
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from app.workbook_xlsx import DATETIME_FORMAT, print_setup
from bot.catalog import CatalogError
from bot.i18n import DEFAULT_LOCALE, Formatter
from bot.records import BotEntrance, IssuedInvite
from bot.sheets import Gettext, text_cells

__all__ = ["SheetWriter", "qr_of", "sheet_title", "sheet_writer", "valid_until", "ways_in"]

QR_COLUMN = "K"
WIDTHS = {"A": 5, "B": 32, "C": 18, "D": 24, "E": 14, "F": 22, "G": 12, "H": 20, "I": 44, "J": 18, QR_COLUMN: 20}


def qr_of(invite: IssuedInvite) -> segno.QRCode:
    return segno.make(invite.qr_content, error="m")


# (the file, the scope the invites are for, the invites, the reader's gettext)
SheetWriter = Callable[[Path, str, Sequence[IssuedInvite], Gettext], None]


def sheet_writer(path: Path, _: Gettext) -> SheetWriter:
    """The writer for the file's suffix; any other suffix is a CatalogError, so a command can ask
    before it issues a code."""
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        return write_workbook
    if suffix == ".pdf":
        from app.invite_pdf import (
            write_invite_pdf,  # its library and fonts only when a PDF is asked for
        )

        return write_invite_pdf
    raise CatalogError(str(path), "", _("the invite sheet is written as an .xlsx or a .pdf file"))


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


def write_workbook(path: Path, scope: str, invites: Sequence[IssuedInvite], _: Gettext) -> None:
    """An XLSX workbook, one row per invite; the expiry the wall-clock time of the reader's zone,
    as Excel has no time zones, to the second (23:59:59.999999 would show as the next day)."""
    workbook = openpyxl.Workbook()
    workbook.properties.title = sheet_title(scope, _)
    sheet = workbook.active
    assert sheet is not None
    sheet.title = _("Invites")
    sheet.append([
        _("No."), _("Unit"), _("Unit code"), _("Full name"), _("Phone"), _("Role"), _("Invite code"),
        _("Send to the bot"), _("Links"), _("Valid until"), _("QR code"),
    ])  # fmt: skip
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row, invite in enumerate(invites, start=2):
        links = "\n".join(ways_in(invite, _))
        sheet.append(text_cells(sheet, [  # a name starting with "=" is a name, not a formula
            row - 1, invite.unit_name, invite.unit_code, invite.full_name, invite.phone, invite.role, invite.code,
            invite.start, links, invite.expires.replace(tzinfo=None, microsecond=0),
        ]))  # fmt: skip
        sheet.cell(row, 10).number_format = DATETIME_FORMAT
        png = io.BytesIO()
        qr_of(invite).save(png, kind="png", scale=3, border=2)
        image = Image(png)
        image.anchor = f"{QR_COLUMN}{row}"
        sheet.add_image(image)
        sheet.row_dimensions[row].height = image.height * 0.75 + 4  # points, from pixels
        for cell in sheet[row]:
            cell.alignment = Alignment(vertical="top", wrap_text=True)
    for column, width in WIDTHS.items():
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(WIDTHS) - 1)}{len(invites) + 1}"  # the QR codes are not filtered
    print_setup(sheet)
    workbook.save(path)
