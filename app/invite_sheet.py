"""The invite sheet a district prints or forwards: one row per invite, with the code, what to
send the bot, a link for every configured channel and a QR code to scan from paper."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import segno
from openpyxl.drawing.image import Image
from openpyxl.styles import Alignment, Font

from bot.catalog import CatalogError
from bot.records import InviteLink
from bot.sheets import Gettext

__all__ = ["IssuedInvite", "write_invite_sheet"]

QR_COLUMN = "K"
WIDTHS = {"A": 5, "B": 32, "C": 18, "D": 24, "E": 14, "F": 22, "G": 12, "H": 20, "I": 44, "J": 18, QR_COLUMN: 20}


@dataclass(frozen=True)
class IssuedInvite:
    unit_code: str
    unit_name: str
    full_name: str
    phone: str
    role: str  # as the reader calls it
    code: str
    links: tuple[InviteLink, ...]
    expires: str  # written as the reader writes dates


def write_invite_sheet(path: Path, invites: Sequence[IssuedInvite], _: Gettext) -> None:
    """An XLSX workbook; the QR code holds the first link, or what to send where no channel has
    a link that carries a code."""
    if path.suffix.lower() != ".xlsx":
        raise CatalogError(str(path), "", _("the invite sheet is written as an .xlsx file"))
    workbook = openpyxl.Workbook()
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
        links = "\n".join(f"{link.channel}: {link.url}" for link in invite.links)
        sheet.append([
            row - 1, invite.unit_name, invite.unit_code, invite.full_name, invite.phone, invite.role, invite.code,
            f"/start {invite.code}", links, invite.expires,
        ])  # fmt: skip
        qr = segno.make(invite.links[0].url if invite.links else f"/start {invite.code}", error="m")
        png = io.BytesIO()
        qr.save(png, kind="png", scale=3, border=2)
        image = Image(png)
        image.anchor = f"{QR_COLUMN}{row}"
        sheet.add_image(image)
        sheet.row_dimensions[row].height = image.height * 0.75 + 4  # points, from pixels
        for cell in sheet[row]:
            cell.alignment = Alignment(vertical="top", wrap_text=True)
    for column, width in WIDTHS.items():
        sheet.column_dimensions[column].width = width
    workbook.save(path)
