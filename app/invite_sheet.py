"""The invite sheet a district prints or forwards, with the code, what to send the bot, a link for
every configured channel and a QR code to scan from paper for each invite (invite_content.py).
The file's suffix chooses the writer: a workbook, one row per invite (invite_workbook.py), or a
printable PDF, one block per invite (invite_pdf.py)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from bot.base.records import IssuedInvite
from bot.catalog.model import CatalogError
from bot.catalog.sheets import Gettext

__all__ = ["SheetWriter", "sheet_writer"]

# (the file, the scope the invites are for, the invites, the reader's gettext)
SheetWriter = Callable[[Path, str, Sequence[IssuedInvite], Gettext], None]


def sheet_writer(path: Path, _: Gettext) -> SheetWriter:
    """The writer for the file's suffix, its library loaded only when its kind of file is asked
    for; any other suffix is a CatalogError, so a command can ask before it issues a code."""
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        from app.invite_workbook import write_invite_workbook

        return write_invite_workbook
    if suffix == ".pdf":
        from app.invite_pdf import write_invite_pdf

        return write_invite_pdf
    raise CatalogError(str(path), "", _("the invite sheet is written as an .xlsx or a .pdf file"))
