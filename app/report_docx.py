"""An official report the core described (bot.documents.model.OfficialReport) as a DOCX laid out as
Nghị định 30/2020/NĐ-CP, Phụ lục I prescribes, so an office can edit, register and sign it as it
is: A4 portrait, margins 20/20/30/15 mm, Times New Roman; the header (the bodies and the number
on the left, the national name, the motto and the place-and-date line on the right), "BÁO CÁO"
and its subject, the body, the recipients and the signer's block; page numbers from page 2.

The data holds every word; the writer adds only the national name, the motto and "Nơi nhận:",
fixed legal forms never translated (the number line comes whole, "Số:" included, as the core
leaves the number blank for registration). Rules under the issuing body, the motto and the
subject are drawn as paragraph borders, never typed as underscores.

python-docx lays out the frame here (the header, the title, the signer's block, the styles); the
body and the annex, which for a province run to hundreds of pages, go into it as XML
(app/docx_body.py), the annex a chunk at a time as the core reads it (app/report_file.py)."""

from __future__ import annotations

import io

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import NamespacePrefixedTag, qn
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.shared import Length, Mm, Pt
from docx.styles.style import ParagraphStyle
from docx.table import Table as DocxTable
from docx.table import _Cell, _Row
from docx.text.paragraph import Paragraph as DocxParagraph

from app.docx_body import CELL_SIZE, PARAGRAPH_GAP, TEXT_WIDTH_MM, StyleIds, clean, printed_width_mm
from bot.documents.model import OfficialReport

__all__ = ["report_frame"]

FONT = "Times New Roman"
NATIONAL_NAME = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"

PAGE_WIDTH, PAGE_HEIGHT = Mm(210), Mm(297)
TOP, BOTTOM, LEFT, RIGHT = Mm(20), Mm(20), Mm(30), Mm(15)
HEADER_DISTANCE = Mm(10)  # the page number sits in the top margin, above the text

# The header's two columns: the left one holds "CÔNG AN PHƯỜNG NGHI HẢI" (66 mm in 13 pt bold) on
# one line, the right one the national name (88 mm in 12 pt bold); their cells have no margins.
HEADER_COLUMNS_MM = (72.0, TEXT_WIDTH_MM - 72.0)
SIGNATURE_COLUMNS_MM = (80.0, TEXT_WIDTH_MM - 80.0)

# The motto is fixed text in a fixed font, so its printed width is known: 53.1 mm in Times New
# Roman Bold 13 pt (measured with Liberation Serif, which has the same metrics). It stands centred
# in the whole column, which is far wider, so no renderer wraps it (an indented paragraph just
# wider than the text did wrap in LibreOffice); the rule under it is a rule paragraph of its own,
# as long as the text, as NĐ 30 draws it.
MOTTO_WIDTH_MM = 53.1

BODY_SIZE = Pt(14)
FIRST_LINE = Mm(12.7)
LINE_SPACING = 1.15  # NĐ 30: from single to 1.5 lines
SIGNATURE_SPACE = Pt(84)  # about 3 cm left blank for the signature and the seal

# Rules under a body's name and under the subject are a third to a half of the line above them
# (NĐ 30); their length is estimated from the text (app.docx_body.printed_width_mm).
RULE_SHARE = 0.4

# The schema's order of the properties set here by hand (ECMA-376 Part 1, CT_PPr, CT_TblPr, CT_TrPr).
PARAGRAPH_ORDER = (
    "w:pStyle", "w:keepNext", "w:keepLines", "w:pageBreakBefore", "w:framePr", "w:widowControl", "w:numPr",
    "w:suppressLineNumbers", "w:pBdr", "w:shd", "w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap",
    "w:overflowPunct", "w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi", "w:adjustRightInd",
    "w:snapToGrid", "w:spacing", "w:ind", "w:contextualSpacing", "w:mirrorIndents", "w:suppressOverlap", "w:jc",
    "w:textDirection", "w:textAlignment", "w:textboxTightWrap", "w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr",
    "w:sectPr", "w:pPrChange",
)  # fmt: skip
TABLE_ORDER = (
    "w:tblStyle", "w:tblpPr", "w:tblOverlap", "w:bidiVisual", "w:tblStyleRowBandSize", "w:tblStyleColBandSize",
    "w:tblW", "w:jc", "w:tblCellSpacing", "w:tblInd", "w:tblBorders", "w:shd", "w:tblLayout", "w:tblCellMar",
    "w:tblLook", "w:tblCaption", "w:tblDescription", "w:tblPrChange",
)  # fmt: skip
ROW_ORDER = (
    "w:cnfStyle", "w:divId", "w:gridBefore", "w:gridAfter", "w:wBefore", "w:wAfter", "w:cantSplit", "w:trHeight",
    "w:tblHeader", "w:tblCellSpacing", "w:jc", "w:hidden", "w:ins", "w:del", "w:trPrChange",
)  # fmt: skip

PROPERTY_LENGTH = 255  # characters the file's title or author may have (python-docx refuses more)


def report_frame(report: OfficialReport, marks: tuple[str, str], annexed: bool) -> tuple[io.BytesIO, StyleIds]:
    """Everything python-docx lays out, in the order NĐ 30 sets the parts, with a paragraph
    marking where the body and, when it has one, the annex go (app/report_file.py writes them)."""
    document = Document()
    document.core_properties.title = property_text(report.subject)
    document.core_properties.author = property_text(report.issuing_body)
    set_defaults(document)
    body, heading, cell = add_styles(document)
    set_page(document)
    write_header(document, report)
    write_title(document, report)
    document.add_paragraph().add_run(marks[0])
    write_signature(document, report)
    if annexed:
        document.add_paragraph().add_run(marks[1])
    frame = io.BytesIO()
    document.save(frame)
    return frame, StyleIds(body.style_id, heading.style_id, cell.style_id)


def set_defaults(document: DocxDocument) -> None:
    """Times New Roman for every script (East Asian included, or Word substitutes its own font
    for text it classes so), Vietnamese for proofing, 14 pt."""
    defaults = document.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    for properties in (defaults, document.styles["Normal"].element.get_or_add_rPr()):
        fonts = properties.find(qn("w:rFonts"))
        if fonts is None:
            fonts = OxmlElement("w:rFonts")
            properties.insert(0, fonts)
        for attribute in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
            fonts.attrib.pop(qn(attribute), None)  # a theme font would win over the named one
        for attribute in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
            fonts.set(qn(attribute), FONT)
        language = properties.find(qn("w:lang"))
        if language is None:
            language = OxmlElement("w:lang")
            properties.append(language)
        language.set(qn("w:val"), "vi-VN")
    normal = document.styles["Normal"]
    normal.font.size = BODY_SIZE
    normal.paragraph_format.space_before = Pt(0)
    normal.paragraph_format.space_after = Pt(0)


def add_styles(document: DocxDocument) -> tuple[ParagraphStyle, ParagraphStyle, ParagraphStyle]:
    """The body's form (justified, first line indented 1.27 cm, 6 pt before, 1.15 lines, 14 pt),
    a heading's (the same, bold, kept with what follows) and a table cell's (13 pt, 2 pt around),
    each set once as a style: a summary of 10,000 units has tens of thousands of paragraphs, and
    formatting each one directly made writing it several times slower."""
    styles = document.styles
    body = styles.add_style("Body", WD_STYLE_TYPE.PARAGRAPH)
    body.base_style = styles["Normal"]
    form = body.paragraph_format
    form.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    form.first_line_indent = FIRST_LINE
    form.space_before = PARAGRAPH_GAP
    form.line_spacing = LINE_SPACING
    heading = styles.add_style("Body Heading", WD_STYLE_TYPE.PARAGRAPH)
    heading.base_style = body
    heading.font.bold = True
    heading.paragraph_format.keep_with_next = True
    cell = styles.add_style("Cell", WD_STYLE_TYPE.PARAGRAPH)
    cell.base_style = styles["Normal"]
    cell.font.size = CELL_SIZE
    cell.paragraph_format.space_before = cell.paragraph_format.space_after = Pt(2)
    return body, heading, cell


def set_page(document: DocxDocument) -> None:
    """A4 portrait, NĐ 30's margins; the page number centred in the top margin from page 2 on."""
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = PAGE_WIDTH, PAGE_HEIGHT
    section.top_margin, section.bottom_margin = TOP, BOTTOM
    section.left_margin, section.right_margin = LEFT, RIGHT
    section.header_distance = HEADER_DISTANCE
    section.different_first_page_header_footer = True
    section.first_page_header.is_linked_to_previous = False  # an empty header of its own: no number on page 1
    number = section.header.paragraphs[0]
    number.alignment = WD_ALIGN_PARAGRAPH.CENTER
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "2"  # shown until the field is updated; Word and LibreOffice update it on opening
    run.append(text)
    field.append(run)
    number._p.append(field)


def write_header(document: DocxDocument, report: OfficialReport) -> None:
    """Left: the parent body, the issuing body over a short rule, the number; right: the national
    name, the motto over its rule, the place and date. The number and the date share the second
    row, so they stand on one line as NĐ 30 places them."""
    table = borderless_table(document, 2, HEADER_COLUMNS_MM)
    bodies, state = table.cell(0, 0), table.cell(0, 1)
    left_width, right_width = HEADER_COLUMNS_MM
    if report.parent_body:
        text_line(bodies.paragraphs[0], report.parent_body.upper(), Pt(13))
        text_line(bodies.add_paragraph(), report.issuing_body.upper(), Pt(13), bold=True)
    else:
        text_line(bodies.paragraphs[0], report.issuing_body.upper(), Pt(13), bold=True)
    rule(bodies.add_paragraph(), left_width, rule_length(report.issuing_body.upper(), 13, left_width))
    text_line(state.paragraphs[0], NATIONAL_NAME, Pt(12), bold=True)
    text_line(state.add_paragraph(), MOTTO, Pt(13), bold=True)
    rule(state.add_paragraph(), right_width, MOTTO_WIDTH_MM)
    number = text_line(table.cell(1, 0).paragraphs[0], report.number, Pt(13))
    dated = text_line(table.cell(1, 1).paragraphs[0], report.place_and_date, Pt(14), italic=True)
    for paragraph in (number, dated):
        paragraph.paragraph_format.space_before = Pt(6)


def write_title(document: DocxDocument, report: OfficialReport) -> None:
    """The kind of document and its subject, centred and bold, a short rule under the subject."""
    title = text_line(document.add_paragraph(), report.title.upper(), Pt(14), bold=True)
    title.paragraph_format.space_before = Pt(18)
    subject = text_line(document.add_paragraph(), report.subject, Pt(14), bold=True)
    subject.paragraph_format.keep_with_next = True
    under = rule(document.add_paragraph(), TEXT_WIDTH_MM, rule_length(report.subject, 14, TEXT_WIDTH_MM))
    under.paragraph_format.space_after = Pt(12)


def write_signature(document: DocxDocument, report: OfficialReport) -> None:
    """Left: "Nơi nhận:" and the recipients, one line each as given; right: the authority (TM.,
    KT., Q.) where there is one, the signer's title, room for the signature and seal, the
    signer's name. The block's row is never cut."""
    table = borderless_table(document, 1, SIGNATURE_COLUMNS_MM)
    place(table.rows[0]._tr.get_or_add_trPr(), OxmlElement("w:cantSplit"), ROW_ORDER)
    recipients, signer = table.cell(0, 0), table.cell(0, 1)
    label = text_line(recipients.paragraphs[0], "Nơi nhận:", Pt(12), bold=True, italic=True)
    label.alignment = WD_ALIGN_PARAGRAPH.LEFT
    for line in report.recipients:
        text_line(recipients.add_paragraph(), line, Pt(11)).alignment = WD_ALIGN_PARAGRAPH.LEFT
    first = signer.paragraphs[0]
    if report.signer_authority:
        text_line(first, report.signer_authority.upper(), Pt(14), bold=True)
        first = signer.add_paragraph()
    role = text_line(first, report.signer_role.upper(), Pt(14), bold=True)
    role.paragraph_format.space_after = SIGNATURE_SPACE
    text_line(signer.add_paragraph(), report.signer_name, Pt(14), bold=True)
    for paragraph in (label, signer.paragraphs[0]):
        paragraph.paragraph_format.space_before = Pt(12)
    for paragraph in signer.paragraphs[:-1]:
        paragraph.paragraph_format.keep_with_next = True


# ----- paragraphs --------------------------------------------------------------------------------


def text_line(paragraph: DocxParagraph, text: str, size: Length, bold: bool = False, italic: bool = False) -> DocxParagraph:
    """A centred line of the header, the title or the signer's block, single-spaced."""
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.paragraph_format.line_spacing = 1.0
    run = paragraph.add_run(clean(text))
    run.font.size, run.font.bold, run.font.italic = size, bold, italic
    return paragraph


def rule(paragraph: DocxParagraph, width_mm: float, length_mm: float) -> DocxParagraph:
    """An empty paragraph a few points high whose bottom border, narrowed by indents, is a centred
    rule clear of the descenders above it."""
    form = paragraph.paragraph_format
    form.left_indent = form.right_indent = Mm((width_mm - length_mm) / 2)
    form.line_spacing = Pt(5)
    bottom_border(paragraph)
    return paragraph


def rule_length(text: str, size_pt: float, width_mm: float) -> float:
    """A share of the line's printed width, the line being at most the column wide."""
    return RULE_SHARE * min(printed_width_mm(text, size_pt), width_mm)


def bottom_border(paragraph: DocxParagraph) -> None:
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for name, value in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "000000")):
        bottom.set(qn(name), value)
    borders.append(bottom)
    place(paragraph._p.get_or_add_pPr(), borders, PARAGRAPH_ORDER)


def place(parent: BaseOxmlElement, child: BaseOxmlElement, order: tuple[str, ...]) -> None:
    """Puts a property python-docx has no setter for where the schema's sequence (`order`) wants
    it: Word refuses a file whose properties are out of order."""
    tag = NamespacePrefixedTag.from_clark_name(child.tag)
    parent.insert_element_before(child, *order[order.index(tag) + 1 :])


def property_text(text: str) -> str:
    """A document property: one line, shortened to what the format holds (the page shows it whole)."""
    text = " ".join(clean(text).split())
    return text if len(text) <= PROPERTY_LENGTH else text[: PROPERTY_LENGTH - 1] + "…"


# ----- tables ------------------------------------------------------------------------------------


def borderless_table(document: DocxDocument, rows: int, widths_mm: tuple[float, ...]) -> DocxTable:
    """A layout table: no borders and no cell margins, so its columns are exactly the widths."""
    table = document.add_table(rows=rows, cols=len(widths_mm))
    set_borders(table, "nil")
    margins = OxmlElement("w:tblCellMar")
    for side in ("w:left", "w:right"):
        margin = OxmlElement(side)
        margin.set(qn("w:w"), "0")
        margin.set(qn("w:type"), "dxa")
        margins.append(margin)
    place(table._tbl.tblPr, margins, TABLE_ORDER)
    set_columns(table, widths_mm)
    return table


def set_borders(table: DocxTable, value: str) -> None:
    borders = OxmlElement("w:tblBorders")
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        border = OxmlElement(f"w:{side}")
        border.set(qn("w:val"), value)
        if value != "nil":
            border.set(qn("w:sz"), "4")
            border.set(qn("w:space"), "0")
            border.set(qn("w:color"), "000000")
        borders.append(border)
    place(table._tbl.tblPr, borders, TABLE_ORDER)


def cells_of(row: _Row) -> list[_Cell]:
    """The row's cells, read from the row alone: python-docx's `row.cells` lays out the whole
    table's grid for each row."""
    return [_Cell(tc, row.table) for tc in row._tr.tc_lst]


def set_columns(table: DocxTable, widths_mm: tuple[float, ...]) -> None:
    """Fixed widths on the grid and on every cell (Word reads the cells, LibreOffice the grid)."""
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    for column, width in zip(table._tbl.tblGrid.gridCol_lst, widths_mm, strict=True):
        column.w = Mm(width)
    for row in table.rows:
        for cell, width in zip(cells_of(row), widths_mm, strict=True):
            cell.width = Mm(width)
