"""An official report as the DOCX a police ward files, read back with python-docx: the layout
Nghị định 30/2020/NĐ-CP, Phụ lục I prescribes (A4, margins, Times New Roman, the two-column
header with its drawn rules, the title, the body's form, the criteria table, the recipients and
the signer's block, page numbers from page 2), and the words exactly as the core gave them."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import docx
import pytest
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Length, Mm, Pt
from docx.table import Table as DocxTable
from docx.text.paragraph import Paragraph as DocxParagraph

from app.documents import FileDocuments
from bot.documents.model import Heading, OfficialReport, Paragraph, Table, place_and_date

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
SITUATION = (
    "Phường Nghi Hải nằm ở phía Nam thị xã Cửa Lò, diện tích tự nhiên 3,2 km², có 9 khối dân cư với "
    "hơn 2.300 hộ, trên 9.000 nhân khẩu; phần lớn người dân sống bằng nghề đánh bắt, chế biến hải sản "
    "và dịch vụ du lịch, nên tình hình an ninh, trật tự chịu tác động rõ của mùa du lịch và mùa biển. "
)
RESULTS = (
    "Công an phường đã chủ động tham mưu cho Đảng ủy, Ủy ban nhân dân phường ban hành kế hoạch xây "
    "dựng đơn vị điển hình, kiểu mẫu; tổ chức 12 buổi tuyên truyền tại các khối dân cư, vận động nhân "
    "dân giao nộp 3 khẩu súng tự chế và 15 vũ khí thô sơ; giải quyết dứt điểm 27/27 tin báo, tố giác "
    "tội phạm, không để xảy ra vụ việc phức tạp, kéo dài. "
)
CRITERIA = (
    "Tổ chức bộ máy, biên chế đúng quy định",
    "Trụ sở làm việc khang trang, sạch đẹp",
    "Thực hiện nghiêm chế độ trực ban, trực chiến",
    "Quản lý cư trú đúng quy trình",
    "Giải quyết tin báo, tố giác tội phạm đúng hạn",
    "Xây dựng phong trào Toàn dân bảo vệ an ninh Tổ quốc",
)


def criteria_rows() -> tuple[tuple[str, ...], ...]:
    return tuple(
        (
            str(number),
            f"{CRITERIA[(number - 1) % len(CRITERIA)]} (tiêu chí {number})",
            "Chưa đến thời điểm xét — đủ điều kiện" if number == 4 else "Đạt",
            "" if number % 5 == 0 else RESULTS.strip(),
            f"{number % 3} tệp" if number % 3 else "—",
        )
        for number in range(1, 23)
    )


REPORT = OfficialReport(
    parent_body="CÔNG AN THỊ XÃ CỬA LÒ",
    issuing_body="CÔNG AN PHƯỜNG NGHI HẢI",
    number="Số:        /BC-CAP",
    place_and_date=place_and_date("Nghệ An", date(2024, 3, 5)),
    subject="Sơ kết công tác xây dựng đơn vị điển hình, kiểu mẫu năm 2023",
    blocks=(
        Paragraph("Công an phường Nghi Hải báo cáo sơ kết công tác xây dựng đơn vị điển hình, kiểu mẫu năm 2023 như sau:"),
        Heading("I. TÌNH HÌNH CÓ LIÊN QUAN"),
        Heading("1. Khái quát đặc điểm tình hình địa bàn", 2),
        Paragraph(SITUATION * 3),
        Paragraph(SITUATION * 2 + "\x0b"),  # a control character pasted into an answer
        Heading("II. CÔNG TÁC LÃNH ĐẠO, CHỈ ĐẠO"),
        Paragraph(RESULTS * 3),
        Heading("III. KẾT QUẢ THỰC HIỆN"),
        Heading("2. Kết quả thực hiện các tiêu chí", 2),
        Paragraph("Đơn vị tự đánh giá đạt 21/22 tiêu chí, 01 tiêu chí chưa đến thời điểm xét."),
        Table(
            ("STT", "Tiêu chí", "Tự đánh giá", "Việc đã làm và kết quả", "Minh chứng"),
            criteria_rows(),
            widths=(0.6, 2.4, 1.6, 4.4, 1.0),
        ),
        Heading("IV. TỒN TẠI, HẠN CHẾ VÀ NGUYÊN NHÂN"),
        Paragraph("(Chưa trả lời)", note=True),
        Heading("V. BÀI HỌC KINH NGHIỆM"),
        Paragraph(RESULTS * 2),
        Heading("VI. PHƯƠNG HƯỚNG, NHIỆM VỤ THỜI GIAN TỚI"),
        Paragraph(RESULTS * 3),
    ),
    recipients=("- Công an thị xã Cửa Lò (để báo cáo);", "- Đảng ủy, UBND phường (để báo cáo);", "- Lưu: VT, CAP."),
    signer_role="Trưởng Công an phường",
    signer_name="Nguyễn Văn An",
)


@pytest.fixture
async def document(tmp_path: Path) -> docx.document.Document:
    attachment = await FileDocuments(tmp_path).report(REPORT, "Công an phường Nghi Hải - so-ket-2023.docx")
    assert (attachment.name, attachment.media_type) == ("Công an phường Nghi Hải - so-ket-2023.docx", DOCX)
    assert Path(attachment.path).parent == tmp_path / "exports" and attachment.path.endswith(".docx")
    return docx.Document(attachment.path)


def near(length: Length | None, expected: Length) -> bool:
    """Lengths come back in twentieths of a point, so a millimetre's EMUs are rounded."""
    return length is not None and abs(length - expected) <= Mm(0.05)


def only_run(paragraph: DocxParagraph) -> docx.text.run.Run:
    (run,) = paragraph.runs
    return run


def paragraph_of(container: docx.document.Document | DocxTable, text: str) -> DocxParagraph:
    paragraphs = container.paragraphs if hasattr(container, "paragraphs") else [
        p for cell in container._cells for p in cell.paragraphs
    ]  # fmt: skip
    return next(p for p in paragraphs if p.text == text)


def has_bottom_border(paragraph: DocxParagraph) -> bool:
    borders = paragraph._p.pPr.find(qn("w:pBdr"))
    return borders is not None and borders.find(qn("w:bottom")).get(qn("w:val")) == "single"


def border_values(table: DocxTable) -> set[str]:
    return {border.get(qn("w:val")) for border in table._tbl.tblPr.find(qn("w:tblBorders"))}


async def test_the_page_is_a4_portrait_with_the_margins_of_nd_30(document: docx.document.Document) -> None:
    (section,) = document.sections
    assert near(section.page_width, Mm(210)) and near(section.page_height, Mm(297))
    assert near(section.top_margin, Mm(20)) and near(section.bottom_margin, Mm(20))
    assert near(section.left_margin, Mm(30)) and near(section.right_margin, Mm(15))


async def test_times_new_roman_is_named_for_every_script_word_knows(document: docx.document.Document) -> None:
    normal = document.styles["Normal"]
    fonts = normal.element.rPr.find(qn("w:rFonts"))
    assert {fonts.get(qn(f"w:{script}")) for script in ("ascii", "hAnsi", "eastAsia", "cs")} == {"Times New Roman"}
    assert fonts.get(qn("w:asciiTheme")) is None and normal.font.size == Pt(14)


async def test_the_header_holds_the_bodies_and_the_national_name_in_a_borderless_table(
    document: docx.document.Document,
) -> None:
    header = document.tables[0]
    assert border_values(header) == {"nil"}
    left, right = header.columns[0].cells[0], header.columns[1].cells[0]
    parent, issuing, rule = left.paragraphs
    assert (parent.text, only_run(parent).font.size, only_run(parent).font.bold) == ("CÔNG AN THỊ XÃ CỬA LÒ", Pt(13), False)
    assert (issuing.text, only_run(issuing).font.size, only_run(issuing).font.bold) == ("CÔNG AN PHƯỜNG NGHI HẢI", Pt(13), True)
    assert rule.text == "" and has_bottom_border(rule)  # drawn, not typed
    assert rule.paragraph_format.left_indent > Mm(15)  # a short rule, centred under the name
    national, motto, motto_rule = right.paragraphs
    assert (national.text, only_run(national).font.size, only_run(national).font.bold) == (
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", Pt(12), True
    )  # fmt: skip
    assert (motto.text, only_run(motto).font.size, only_run(motto).font.bold) == ("Độc lập - Tự do - Hạnh phúc", Pt(13), True)
    assert not has_bottom_border(motto) and motto.paragraph_format.left_indent is None  # the whole column: it never wraps
    assert motto_rule.text == "" and has_bottom_border(motto_rule)
    inset = motto_rule.paragraph_format.left_indent
    assert inset == motto_rule.paragraph_format.right_indent and Mm(52) < Mm(93) - 2 * inset < Mm(54)  # as long as the motto
    number = paragraph_of(header, "Số:        /BC-CAP")
    assert only_run(number).font.size == Pt(13)
    dated = paragraph_of(header, "Nghệ An, ngày 05 tháng 3 năm 2024")
    assert (only_run(dated).font.italic, only_run(dated).font.size) == (True, Pt(14))
    assert [p.text for p in header.cell(1, 1).paragraphs] == [dated.text]  # on the right, on the number's line
    assert "_" not in "".join(cell.text for cell in header._cells)


async def test_the_title_and_the_subject_are_bold_and_centred(document: docx.document.Document) -> None:
    texts = [p.text for p in document.paragraphs]
    title = paragraph_of(document, "BÁO CÁO")
    subject = document.paragraphs[texts.index("BÁO CÁO") + 1]
    assert subject.text == REPORT.subject
    for paragraph in (title, subject):
        assert paragraph.alignment == WD_ALIGN_PARAGRAPH.CENTER
        assert (only_run(paragraph).font.bold, only_run(paragraph).font.size) == (True, Pt(14))
    assert has_bottom_border(document.paragraphs[texts.index("BÁO CÁO") + 2])


async def test_the_body_is_justified_indented_and_spaced(document: docx.document.Document) -> None:
    body = paragraph_of(document, (SITUATION * 3))
    form = body.style.paragraph_format  # set once in the body's style, which every body paragraph has
    assert form.alignment == WD_ALIGN_PARAGRAPH.JUSTIFY and near(form.first_line_indent, Mm(12.7))
    assert form.space_before >= Pt(6) and 1.15 <= form.line_spacing <= 1.5
    assert body.style.base_style.font.size == Pt(14) and only_run(body).font.size is None  # 14 pt, inherited
    assert paragraph_of(document, SITUATION * 2)  # the control character dropped, the words kept
    heading = paragraph_of(document, "I. TÌNH HÌNH CÓ LIÊN QUAN")
    assert heading.style.font.bold and heading.style.paragraph_format.keep_with_next
    assert heading.style.base_style == body.style
    assert paragraph_of(document, "1. Khái quát đặc điểm tình hình địa bàn").style == heading.style
    note = paragraph_of(document, "(Chưa trả lời)")
    assert only_run(note).font.italic and note.style == body.style


async def test_the_criteria_table_is_bordered_and_its_header_repeats(document: docx.document.Document) -> None:
    table = document.tables[1]
    assert border_values(table) == {"single"}
    assert len(table.rows) == 1 + 22
    assert [cell.text for cell in table.rows[0].cells] == ["STT", "Tiêu chí", "Tự đánh giá", "Việc đã làm và kết quả", "Minh chứng"]
    assert table.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None
    assert all(row._tr.trPr.find(qn("w:cantSplit")) is not None for row in table.rows[1:])  # a row on one page
    assert all(only_run(cell.paragraphs[0]).font.bold for cell in table.rows[0].cells)
    fourth = table.rows[4].cells
    assert [cell.text for cell in fourth] == [
        "4", "Quản lý cư trú đúng quy trình (tiêu chí 4)", "Chưa đến thời điểm xét — đủ điều kiện", RESULTS.strip(), "1 tệp"
    ]  # fmt: skip
    assert fourth[3].paragraphs[0].style.font.size == Pt(13)
    assert fourth[0].paragraphs[0].alignment == WD_ALIGN_PARAGRAPH.CENTER
    widths = [cell.width for cell in table.rows[0].cells]
    assert near(sum(widths, Length(0)), Mm(165)) and max(widths) == widths[3]
    assert widths[0] > Mm(165) * 0.6 / 10  # widened so that "STT" stays on one line


async def test_recipients_and_the_signer_close_the_report(document: docx.document.Document) -> None:
    closing = document.tables[-1]
    assert border_values(closing) == {"nil"}
    assert closing.rows[0]._tr.trPr.find(qn("w:cantSplit")) is not None  # never cut across two pages
    recipients, signer = closing.rows[0].cells
    label, *lines = recipients.paragraphs
    assert label.text == "Nơi nhận:"
    assert (only_run(label).font.bold, only_run(label).font.italic, only_run(label).font.size) == (True, True, Pt(12))
    assert [line.text for line in lines] == list(REPORT.recipients)
    assert all(only_run(line).font.size == Pt(11) and line.alignment == WD_ALIGN_PARAGRAPH.LEFT for line in lines)
    assert all(line.paragraph_format.first_line_indent is None for line in lines)
    role, name = signer.paragraphs
    assert (role.text, name.text) == ("TRƯỞNG CÔNG AN PHƯỜNG", "Nguyễn Văn An")
    assert all(only_run(p).font.bold and p.alignment == WD_ALIGN_PARAGRAPH.CENTER for p in (role, name))
    assert role.paragraph_format.space_after >= Pt(60)  # room for the signature and the seal


async def test_pages_are_numbered_from_the_second_on(document: docx.document.Document) -> None:
    (section,) = document.sections
    assert section.different_first_page_header_footer
    assert not section.first_page_header.is_linked_to_previous
    assert "".join(p.text for p in section.first_page_header.paragraphs) == ""
    (field,) = section.header._element.iter(qn("w:fldSimple"))
    assert field.get(qn("w:instr")).strip() == "PAGE"
    assert section.header.paragraphs[0].alignment == WD_ALIGN_PARAGRAPH.CENTER


@pytest.mark.parametrize(
    ("day", "line"),
    [
        (date(2024, 3, 5), "Nghệ An, ngày 05 tháng 3 năm 2024"),
        (date(2023, 11, 20), "Nghệ An, ngày 20 tháng 11 năm 2023"),
        (date(2024, 1, 9), "Nghệ An, ngày 09 tháng 01 năm 2024"),
        (date(2024, 12, 15), "Nghệ An, ngày 15 tháng 12 năm 2024"),
    ],
)
def test_the_date_line_pads_days_below_10_and_the_first_two_months(day: date, line: str) -> None:
    assert place_and_date("Nghệ An", day) == line


async def test_a_subject_and_a_body_longer_than_the_file_s_properties_hold_are_written_whole_on_the_page(tmp_path: Path) -> None:
    """A title or a unit's name stored before the import limits (or a summary's subject built from
    a long title) exceeds the 255 characters a document property holds: the report is still
    written, its properties shortened and the page showing every word."""
    subject = "Sơ kết công tác xây dựng đơn vị điển hình, kiểu mẫu " * 8
    body = "CÔNG AN PHƯỜNG NGHI HẢI\x0b " * 12
    report = replace(REPORT, subject=subject.strip(), issuing_body=body)
    attachment = await FileDocuments(tmp_path).report(report, "dai.docx")
    written = docx.Document(attachment.path)
    title, author = written.core_properties.title, written.core_properties.author
    assert len(title) == len(author) == 255 and title.endswith("…") and author.endswith("…")
    assert subject.startswith(title[:-1]) and "\x0b" not in author
    assert any(p.text == subject.strip() for p in written.paragraphs)


async def test_the_annex_opens_its_own_page_without_a_paragraph_that_only_breaks(tmp_path: Path) -> None:
    """A paragraph holding a page break lands on a page of its own, and leaves it empty, when the
    signature fills the page before; the annex's first paragraph starts the page itself."""
    annex = (Heading("PHỤ LỤC: NỘI DUNG BÁO CÁO CỦA CÁC ĐƠN VỊ THEO TỪNG MỤC"), Paragraph("Công an phường Nghi Hải: 7."))
    attachment = await FileDocuments(tmp_path).report(replace(REPORT, annex=annex), "phu-luc.docx")
    written = docx.Document(attachment.path)
    opening = paragraph_of(written, annex[0].text)
    assert opening.paragraph_format.page_break_before
    assert not [p for p in written.paragraphs if p._p.xpath(".//w:br[@w:type='page']")]
    assert written.paragraphs[-1].text == "Công an phường Nghi Hải: 7."
