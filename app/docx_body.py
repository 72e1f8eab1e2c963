"""The body of an official report (its headings, paragraphs and tables) as WordprocessingML text,
written straight from the blocks: a province's summary has some 170,000 paragraphs and a table
of 10,000 rows, and building each as python-docx objects took most of the time it took. The
XML is what python-docx wrote for the same blocks, element for element (the styles by their
ids, a table's grid and cell widths, its header row repeated, a row never cut across pages),
so the layout stays as app/report_docx.py describes it."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape

from docx.shared import Mm, Pt

from bot.documents.model import Block, Heading, Paragraph, Table

__all__ = [
    "CELL_SIZE", "KEEP_NEXT", "PAGE_BREAK", "PARAGRAPH_GAP", "TEXT_WIDTH_MM", "StyleIds", "blocks_xml", "clean", "column_widths",
    "printed_width_mm",
]  # fmt: skip

TEXT_WIDTH_MM = 210 - 30 - 15
CELL_SIZE = Pt(13)
CELL_MARGIN_MM = 1.9  # Word's default left and right margin inside a bordered table's cell
PARAGRAPH_GAP = Pt(6)  # NĐ 30: at least 6 pt between paragraphs
EM_UPPER, EM_SPACE, EM_OTHER = 0.68, 0.25, 0.47
"""Em per character of Times New Roman Bold, to estimate a text's printed width."""

ILLEGAL_IN_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")  # a pasted control character
BREAKS = re.compile(r"([\t\r\n])")
BORDER = '<w:{side} w:val="single" w:sz="4" w:space="0" w:color="000000"/>'
TABLE_PROPERTIES = (
    '<w:tblPr><w:tblW w:type="auto" w:w="0"/><w:jc w:val="center"/><w:tblBorders>'
    + "".join(BORDER.format(side=side) for side in ("top", "left", "bottom", "right", "insideH", "insideV"))
    + '</w:tblBorders><w:tblLayout w:type="fixed"/><w:tblLook w:firstColumn="1" w:firstRow="1" w:lastColumn="0" '
    'w:lastRow="0" w:noHBand="0" w:noVBand="1" w:val="04A0"/></w:tblPr>'
)
AFTER_TABLE = f'<w:p><w:pPr>{{keep}}<w:spacing w:after="{PARAGRAPH_GAP.twips}"/></w:pPr></w:p>'
"""Word joins two tables that touch: a paragraph stands between."""
KEEP_NEXT, PAGE_BREAK = "<w:keepNext/>", "<w:pageBreakBefore/>"


@dataclass(frozen=True)
class StyleIds:
    body: str
    heading: str
    cell: str


def clean(text: str) -> str:
    """A control character pasted into an answer would make the file unreadable: it is dropped."""
    return ILLEGAL_IN_XML.sub("", text)


def run_xml(text: str, properties: str = "") -> str:
    """A run as python-docx writes one: a tab and a line break as elements of their own, spaces
    at either end kept, no text element for no text."""
    text = clean(text)
    parts = BREAKS.split(text) if ("\t" in text or "\n" in text or "\r" in text) else [text]
    inner = []
    for part in parts:
        if part == "\t":
            inner.append("<w:tab/>")
        elif part in ("\r", "\n"):
            inner.append("<w:br/>")
        elif part:
            space = ' xml:space="preserve"' if part[0].isspace() or part[-1].isspace() else ""
            inner.append(f"<w:t{space}>{escape(part)}</w:t>")
    rpr = f"<w:rPr>{properties}</w:rPr>" if properties else ""
    return f"<w:r>{rpr}{''.join(inner)}</w:r>"


def paragraph_xml(style: str, text: str, italic: bool = False, keep: str = "") -> str:
    return f'<w:p><w:pPr><w:pStyle w:val="{style}"/>{keep}</w:pPr>{run_xml(text, "<w:i/>" if italic else "")}</w:p>'


def blocks_xml(blocks: Sequence[Block], styles: StyleIds, first: str = "", last: str = "") -> Iterator[str]:
    """The blocks in order; `first` and `last` are what the first and the last paragraph add to
    their properties (a page break before the annex, the body kept with the signature)."""
    for number, block in enumerate(blocks):
        keep = (first if number == 0 else "") + (last if number == len(blocks) - 1 else "")
        if isinstance(block, Heading):
            yield paragraph_xml(styles.heading, block.text, keep=keep)
        elif isinstance(block, Paragraph):
            yield paragraph_xml(styles.body, block.text, italic=block.note, keep=keep)
        elif isinstance(block, Table):
            yield from table_xml(block, styles.cell)
            yield AFTER_TABLE.format(keep=keep)


def table_xml(block: Table, style: str) -> Iterator[str]:
    """Bordered, the header row bold and repeated on every page, a row kept whole on one page, a
    number ("STT") in the middle of its column; a row's text is joined once, whatever its cells."""
    widths = [Mm(width).twips for width in column_widths(block)]
    yield "<w:tbl>" + TABLE_PROPERTIES + "<w:tblGrid>" + "".join(f'<w:gridCol w:w="{width}"/>' for width in widths) + "</w:tblGrid>"
    yield '<w:tr><w:trPr><w:tblHeader/></w:trPr>' + "".join(
        f'<w:tc><w:tcPr><w:tcW w:type="dxa" w:w="{width}"/><w:vAlign w:val="center"/></w:tcPr><w:p><w:pPr><w:pStyle w:val="{style}"/>'
        f'<w:jc w:val="center"/></w:pPr>{run_xml(text, "<w:b/>")}</w:p></w:tc>'
        for width, text in zip(widths, block.columns, strict=True)
    ) + "</w:tr>"  # fmt: skip
    cells = [
        (f'<w:tc><w:tcPr><w:tcW w:type="dxa" w:w="{width}"/></w:tcPr><w:p><w:pPr><w:pStyle w:val="{style}"/>', "</w:pPr>", '<w:jc w:val="center"/></w:pPr>')
        for width in widths
    ]  # fmt: skip
    for row in block.rows:
        yield '<w:tr><w:trPr><w:cantSplit/></w:trPr>' + "".join(
            f"{opening}{centred if text.isdigit() else plain}{run_xml(text)}</w:p></w:tc>"
            for (opening, plain, centred), text in zip(cells, row, strict=True)
        ) + "</w:tr>"  # fmt: skip
    yield "</w:tbl>"


def column_widths(block: Table) -> tuple[float, ...]:
    """The text width shared out as the block's relative widths say (equal without them), but no
    column narrower than the longest word of its header: a narrow "STT" would break as "ST/T"."""
    columns = len(block.columns)
    shares = block.widths if len(block.widths) == columns else (1.0,) * columns
    least = [printed_width_mm(max(name.split() or [""], key=len), CELL_SIZE.pt) + 2 * CELL_MARGIN_MM for name in block.columns]
    widths = [TEXT_WIDTH_MM * share / sum(shares) for share in shares]
    narrow = {i for i, width in enumerate(widths) if width < least[i]}
    if not narrow or len(narrow) == columns:
        return tuple(widths)
    left = TEXT_WIDTH_MM - sum(least[i] for i in narrow)
    rest = sum(share for i, share in enumerate(shares) if i not in narrow)
    return tuple(least[i] if i in narrow else left * share / rest for i, share in enumerate(shares))


def printed_width_mm(text: str, size_pt: float) -> float:
    """An estimate of the text's width in Times New Roman Bold, good to a tenth or so."""
    ems = sum(EM_SPACE if c == " " else EM_UPPER if c.isupper() else EM_OTHER for c in text)
    return ems * size_pt * 25.4 / 72

