"""The invite sheet as a workbook to forward: one row per invite, a frozen header with filters,
the expiry a real date and each invite's QR code beside it, printed as the supervisors' workbook
is."""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

import openpyxl
from openpyxl.drawing.image import Image
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from app.invite_content import qr_of, sheet_title, ways_in
from app.workbook_xlsx import DATETIME_FORMAT, print_setup
from bot.base.records import IssuedInvite
from bot.catalog.sheets import Gettext, text_cells

__all__ = ["write_invite_workbook"]

QR_COLUMN = "K"
WIDTHS = {"A": 5, "B": 32, "C": 18, "D": 24, "E": 14, "F": 22, "G": 12, "H": 20, "I": 44, "J": 18, QR_COLUMN: 20}


def write_invite_workbook(path: Path, scope: str, invites: Sequence[IssuedInvite], _: Gettext) -> None:
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
