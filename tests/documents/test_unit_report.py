"""A unit's report as the document it files: the outline's sections with the officer's words,
the criteria as a table, and every gap said as a gap."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from bot.base.forms import Form
from bot.base.records import UnitRecord
from bot.catalog.loading import load_catalog
from bot.documents.issuer import issuer_of
from bot.documents.model import Heading, OfficialReport, Paragraph, Table, place_and_date
from bot.documents.unit_report import ReportSource, unit_report
from bot.organisation.units import UnitTree

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
CATALOG = load_catalog()
FORM = CATALOG.form("cap-22")
WARD = UnitRecord(7, "CAP-CL-NGHIHAI", "Công an phường Nghi Hải", "cap", 2)
TOWN = UnitRecord(2, "NA-CL", "Thị xã Cửa Lò", "huyen", 1)
TREE = UnitTree([UnitRecord(1, "NA", "Tỉnh Nghệ An", "tinh", None), TOWN, WARD])
ANSWERS = {
    "hinh-thuc": {"choice": "hoi-nghi"},
    "ngay-so-ket": {"date": "2023-11-05"},
    "I.1": {"text": "Phường có 12 khối phố.\nDân số khoảng 9.000 người."},
    "TC.1": {"status": "dat", "narrative": "Đã tổ chức 12 buổi tuyên truyền.", "files": [
        {"kind": "photo", "file_id": "a", "path": "x.jpg", "size": 10, "name": "x.jpg"},
    ]},
    "TC.2": {"status": "chua_dat", "narrative": "Chưa đạt vì thiếu kinh phí."},
    "TC.3": {"status": "chua_den", "eligible": True, "narrative": "Chờ đánh giá cuối năm."},
    "tai-lieu": {"skipped": True},
}


def report(answers: dict = ANSWERS, form: Form = FORM) -> OfficialReport:
    source = ReportSource(form, answers, WARD, issuer_of(TREE, WARD, CATALOG.letterhead), "Nghệ An", CATALOG.campaigns["so-ket-2023"].title.vi)
    return unit_report(source, date(2023, 11, 20), ZONE)


def test_the_date_line_pads_days_below_10_and_months_1_and_2() -> None:
    assert place_and_date("Nghệ An", date(2024, 3, 5)) == "Nghệ An, ngày 05 tháng 3 năm 2024"
    assert place_and_date("Nghệ An", date(2024, 1, 9)) == "Nghệ An, ngày 09 tháng 01 năm 2024"
    assert place_and_date("Nghệ An", date(2023, 2, 20)) == "Nghệ An, ngày 20 tháng 02 năm 2023"
    assert place_and_date("Nghệ An", date(2023, 11, 20)) == "Nghệ An, ngày 20 tháng 11 năm 2023"


def test_the_header_names_the_unit_under_its_managing_body_and_dates_the_report_by_the_review() -> None:
    document = report()
    assert (document.parent_body, document.issuing_body) == ("CÔNG AN THỊ XÃ CỬA LÒ", "CÔNG AN PHƯỜNG NGHI HẢI")
    assert document.number == "Số:        /BC-CAP"
    assert document.place_and_date == "Nghệ An, ngày 05 tháng 11 năm 2023"  # the review's day, as answered
    assert report({}).place_and_date == "Nghệ An, ngày 20 tháng 11 năm 2023"  # today, where it is not
    assert document.subject == "Sơ kết công tác xây dựng đơn vị điển hình, kiểu mẫu năm 2023"
    assert document.recipients == ("- Công an thị xã Cửa Lò (để báo cáo);", "- Lưu: VT, CAP.")
    assert (document.signer_authority, document.signer_role) == ("", "TRƯỞNG CÔNG AN PHƯỜNG")
    assert document.signer_name == "……………………"  # a visible blank: the unit kinds file names no one


def test_sections_i_to_vi_carry_the_officers_words_and_say_what_is_unanswered() -> None:
    blocks = report().blocks
    headings = [b.text for b in blocks if isinstance(b, Heading) and b.level == 1]
    assert [h.split(".")[0] for h in headings] == ["I", "II", "III", "IV", "V", "VI"]
    assert headings[0] == "I. TÌNH HÌNH CÓ LIÊN QUAN"
    assert blocks[0] == Paragraph("Công an phường Nghi Hải báo cáo kết quả sơ kết công tác xây dựng đơn vị điển hình, kiểu mẫu năm 2023 như sau:")
    assert blocks[1] == Paragraph("Hình thức sơ kết: hội nghị sơ kết, ngày 05/11/2023.")  # one sentence, as the outline words it
    assert isinstance(blocks[2], Heading)
    i1 = blocks.index(next(b for b in blocks if isinstance(b, Heading) and b.text.startswith("1. Khái quát")))
    assert blocks[i1 + 1 : i1 + 3] == (Paragraph("Phường có 12 khối phố."), Paragraph("Dân số khoảng 9.000 người."))
    assert blocks[i1 + 3].text.startswith("2. Những thuận lợi") and blocks[i1 + 4] == Paragraph("(Chưa trả lời.)", note=True)
    texts = " ".join(b.text for b in blocks if isinstance(b, Paragraph))
    assert "Tài liệu kèm theo" not in texts and "Gửi bản báo cáo" not in texts and "Bỏ qua" not in texts  # optional, skipped
    assert not [b.text for b in blocks if not isinstance(b, Table) and "?" in b.text]  # no question meant for the chat


def test_the_criteria_are_a_table_with_the_count_before_it() -> None:
    blocks = report().blocks
    [table] = [b for b in blocks if isinstance(b, Table)]
    at = blocks.index(table)
    assert blocks[at - 2] == Heading("2. Kết quả thực hiện các tiêu chí", 2)
    assert blocks[at - 1] == Paragraph(
        "Đơn vị tự đánh giá đạt 01/22 tiêu chí; 1 tiêu chí chưa đạt; 1 tiêu chí chưa đến thời điểm xét "
        "(1 tiêu chí đủ điều kiện xét đạt); 19 tiêu chí chưa trả lời."
    )
    assert table.columns == ("STT", "Tiêu chí", "Kết quả tự đánh giá", "Việc đã triển khai, kết quả đạt được", "Minh chứng")
    assert len(table.rows) == 22
    assert table.rows[0][0] == "1" and table.rows[0][2:] == ("Đạt", "Đã tổ chức 12 buổi tuyên truyền.", "1 tệp")
    assert table.rows[1][2:] == ("Chưa đạt", "Chưa đạt vì thiếu kinh phí.", "—")
    assert table.rows[2][2] == "Chưa đến thời điểm xét (đủ điều kiện xét đạt)"
    assert table.rows[3][2:] == ("Chưa trả lời", "", "—")  # nothing invented
