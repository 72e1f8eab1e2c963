"""The invite sheet as a printable PDF: A4 portrait, one framed block per invite (several to a
page, never split across two, so each can be cut out and handed over), the title at the top of
every page and "Page N/M" at the bottom.

Vietnamese needs a font with its glyphs and nothing may be downloaded at run time, so the text is
set in the DejaVu Sans that matplotlib's wheel carries; the QR codes are drawn as vector squares,
sharp at any printer's resolution."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from fpdf import FPDF

from app.invite_content import qr_of, sheet_title, valid_until, ways_in
from bot.base.records import IssuedInvite
from bot.catalog.sheets import Gettext

__all__ = ["write_invite_pdf"]

FONT = "DejaVu"
MARGIN = 12.0  # mm, on every side of the page
PAD = 4.0  # inside a block, around its text and its QR code
GAP = 4.0  # between two blocks
QR_SIZE = 36.0
FOOTER = 8.0  # kept free at the bottom for the page number
LEADING = 1.2  # line height, as a multiple of the font size


@dataclass(frozen=True)
class Line:
    text: str
    size: float  # points
    bold: bool = False
    spacing: float = 0.0  # between characters, in points
    before: float = 0.0  # space above, in mm


class InvitePdf(FPDF):
    def __init__(self, title: str, _: Gettext) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.sheet_title = title
        self._ = _
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(False)  # a block that does not fit starts the next page instead
        self.set_title(title)
        self.set_creator("baocao")

    def header(self) -> None:
        self.set_font(FONT, "B", 11)
        self.set_xy(MARGIN, MARGIN)
        self.multi_cell(self.epw, self.font_size * LEADING, nfc(self.sheet_title), align="L", new_x="LMARGIN", new_y="NEXT")
        self.set_draw_color(0)
        self.set_line_width(0.3)
        self.line(MARGIN, self.get_y() + 1, self.w - MARGIN, self.get_y() + 1)
        self.set_y(self.get_y() + 4)

    def footer(self) -> None:
        self.set_font(FONT, "", 8)
        self.set_y(-MARGIN)
        # {nb} is replaced by the number of pages once they are all written
        self.cell(self.epw, self.font_size * LEADING, self._("Page {n}/{total}").format(n=self.page_no(), total="{nb}"), align="C")


def write_invite_pdf(path: Path, scope: str, invites: Sequence[IssuedInvite], _: Gettext) -> None:
    """One block per invite: the unit and its code, the person and their phone where named, the
    role, the invite code large, what to send the bot, the links, the validity and the QR code."""
    import matplotlib  # only for the font files its wheel carries: no pyplot, nothing drawn

    fonts = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    pdf = InvitePdf(sheet_title(scope, _), _)
    pdf.add_font(FONT, "", fonts / "DejaVuSans.ttf")
    pdf.add_font(FONT, "B", fonts / "DejaVuSans-Bold.ttf")
    pdf.add_page()
    text_width = pdf.epw - 3 * PAD - QR_SIZE
    for invite in invites:
        top = pdf.get_y()
        lines = block_lines(invite, _)
        height = max(write_lines(pdf, lines, top, text_width, draw=False), QR_SIZE) + 2 * PAD
        if top + height > pdf.h - FOOTER - MARGIN:
            pdf.add_page()
            top = pdf.get_y()
        pdf.set_draw_color(110)
        pdf.set_line_width(0.2)
        pdf.set_dash_pattern(dash=2, gap=1.5)  # where to cut
        pdf.rect(MARGIN, top, pdf.epw, height)
        pdf.set_dash_pattern()
        write_lines(pdf, lines, top + PAD, text_width, draw=True)
        draw_qr(pdf, invite, pdf.w - MARGIN - PAD - QR_SIZE, top + (height - QR_SIZE) / 2)
        pdf.set_y(top + height + GAP)
    pdf.output(str(path))


def block_lines(invite: IssuedInvite, _: Gettext) -> list[Line]:
    person = []
    if invite.full_name:
        named = f"{_('Full name')}: {invite.full_name}"
        person = [Line(f"{named}  ·  {_('Phone')}: {invite.phone}" if invite.phone else named, 11, bold=True, before=1)]
    return [
        Line(invite.unit_name, 13, bold=True),
        Line(f"{_('Unit code')}: {invite.unit_code}  ·  {_('Role')}: {invite.role}", 9.5),
        *person,
        Line(_("Invite code"), 8, before=2),
        Line(invite.code, 24, bold=True, spacing=3),
        Line(f"{_('Send to the bot')}: {invite.start}", 10.5, before=1),
        *(Line(way, 9.5) for way in ways_in(invite, _)),
        Line(f"{_('Valid until')}: {valid_until(invite)}", 9.5, before=1),
    ]


def write_lines(pdf: FPDF, lines: Sequence[Line], top: float, width: float, *, draw: bool) -> float:
    """Their height, wrapped to `width`; written from `top` when `draw`."""
    y = top
    for line in lines:
        y += line.before
        pdf.set_font(FONT, "B" if line.bold else "", line.size)
        pdf.set_char_spacing(line.spacing)
        pdf.set_xy(MARGIN + PAD, y)
        height = pdf.multi_cell(
            width, pdf.font_size * LEADING, nfc(line.text), align="L", dry_run=not draw, output="HEIGHT", new_x="LEFT", new_y="NEXT"
        )
        assert isinstance(height, int | float), "output='HEIGHT' returns the height alone"
        y += height
    pdf.set_char_spacing(0)
    return y - top


def draw_qr(pdf: FPDF, invite: IssuedInvite, left: float, top: float) -> None:
    """Each row's runs of dark modules as filled rectangles; the block's padding is the quiet zone."""
    rows = [list(row) for row in qr_of(invite).matrix_iter(scale=1, border=0)]
    module = QR_SIZE / len(rows)
    pdf.set_fill_color(0)
    for r, row in enumerate(rows):
        c = 0
        while c < len(row):
            if not row[c]:
                c += 1
                continue
            start = c
            while c < len(row) and row[c]:
                c += 1
            # a hair taller than a module, so no seam shows between rows when a viewer smooths edges
            pdf.rect(left + start * module, top + r * module, (c - start) * module, module + 0.02, style="F")


def nfc(text: str) -> str:
    """A name typed with combining accents is written with the precomposed letters the font has."""
    return unicodedata.normalize("NFC", text)
