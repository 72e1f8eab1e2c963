"""What the workbook and the chart of a scope say, from the demo province in a database of its
own: a row per unit with each criterion's result and text, the outline's other answers, the
status, every sheet set to print; a bar per unit right under the scope's root, with the
percentages /tinhhinh shows."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl

from app.documents import FileDocuments
from bot.base.answers import AnswerValue
from bot.base.forms import LocalText
from bot.base.records import CampaignRecord, Enrolment
from bot.base.text import fold
from bot.documents.chart import progress_chart
from bot.documents.workbook import WorkbookSource, scope_workbook
from bot.organisation.units import UnitTree
from bot.reporting.prompts import Prompts
from bot.reporting.standing import standing_of
from tests import report_moves
from tests.documents.at_hand import AnswersAtHand, workbook_at_hand
from tests.seeded_store import seeded_store
from tests.service_harness import CAMPAIGNS, CATALOG, DEMO_UNITS

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2023, 11, 20, 9, 0, tzinfo=ZONE)
P = Prompts("vi", ZONE)
EVIDENCE = {"kind": "photo", "ref": "anh-buoi-tuyen-truyen", "size": 204800}
SO_KET_2023 = CampaignRecord("so-ket-2023", LocalText("Sơ kết 2023"), date(2023, 11, 1), date(2023, 11, 25), closes=date(2023, 12, 10))


async def province() -> tuple[UnitTree, list[Enrolment], dict]:
    async with seeded_store(DEMO_UNITS, CAMPAIGNS) as store, store() as uow:
        hai = await uow.reports.open_unit("so-ket-2023", store.unit_id("CAP-CL-NGHIHAI"), NOW)
        assert hai is not None
        await uow.reports.save_answers(hai.id, {
            "TC.1": {"status": "dat", "narrative": "Đã tổ chức 12 buổi."},
            "TC.3": {"status": "chua_den", "eligible": False, "narrative": "Chưa đủ thời gian."},
            "I.1": {"text": "Phường có 12 khối phố."},
        }, None, NOW)  # fmt: skip
        await report_moves.submit(uow, hai.id, None, NOW)
        thu = await uow.reports.open_unit("so-ket-2023", store.unit_id("CAP-CL-NGHITHU"), NOW)
        assert thu is not None  # 3 of 38 answered, not handed in: 7.9 %, which /tinhhinh rounds to 8
        await uow.reports.save_answers(thu.id, {
            "TC.1": {"status": "dat", "narrative": "Đã tổ chức 5 buổi.", "files": [EVIDENCE, EVIDENCE]},
            "TC.2": {"status": "chua_dat", "narrative": "Chưa làm."},
            "I.1": {"text": "Phường có 9 khối phố."},
        }, None, NOW)  # fmt: skip
        tree = UnitTree(await uow.units.units())
        rows = list(await uow.reports.enrolments("so-ket-2023"))
        answers = {hai.unit_id: await uow.reports.answers(hai.id), thu.unit_id: await uow.reports.answers(thu.id)}
    return tree, rows, answers


async def test_the_workbook_has_a_status_sheet_a_sheet_per_criteria_form_and_the_outline_answers() -> None:
    tree, rows, answers = await province()
    workbook = await workbook_at_hand(scope_workbook(source(tree, rows, answers), P, ZONE))
    assert workbook.title == "Báo cáo — Sơ kết 2023"
    status, *forms, outline = workbook.sheets
    assert status.name == "Trạng thái" and [sheet.name for sheet in forms] == ["Mẫu 22 tiêu chí", "Mẫu 14 tiêu chí", "Mẫu 32 tiêu chí", "Mẫu 34 tiêu chí"]
    assert status.columns[:4] == ("Mã đơn vị", "Đơn vị", "Đơn vị cấp trên", "Trạng thái")
    hai = next(row for row in status.rows if row[0] == "CAP-CL-NGHIHAI")
    assert hai[1:6] == ("Công an phường Nghi Hải", "Thị xã Cửa Lò", "đã nộp", 3, 38) and hai[8] == date(2023, 11, 25)
    assert hai[9] == NOW and hai[10].startswith("BC-")
    assert hai[6:8] == (1, 22)  # criteria met, of the form's 22: numbers, to sort and sum
    assert next(row for row in status.rows if row[0] == "CAP-CL-NGHIHOA")[3] == "chưa bắt đầu"
    ward = forms[0]
    assert ward.columns == ("Mã đơn vị", "Đơn vị", "Đơn vị cấp trên", "Tiêu chí", "Nội dung tiêu chí", "Kết quả",
                            "Việc đã triển khai", "Số tệp minh chứng")  # fmt: skip
    assert len(ward.rows) == 16 * 22  # a row per unit and criterion
    criteria = {row[3]: (*row[1:3], *row[4:]) for row in ward.rows if row[0] == "CAP-CL-NGHIHAI"}
    assert list(criteria) == list(range(1, 23))
    text = "Tiêu chí 1 (theo Bộ tiêu chí thí điểm của Bộ Công an)"
    assert criteria[1] == ("Công an phường Nghi Hải", "Thị xã Cửa Lò", text, "Đạt", "Đã tổ chức 12 buổi.", None)
    assert criteria[3][3:5] == ("Chưa đến thời điểm xét (chưa đủ điều kiện xét đạt)", "Chưa đủ thời gian.")
    assert criteria[2][3:] == (None, None, None)  # not answered: the criterion is there, its result empty
    item = ("Thị xã Cửa Lò", 3, "I. Tình hình có liên quan",
            "1. Khái quát đặc điểm, tình hình kinh tế, văn hóa, xã hội, an ninh, trật tự trên địa bàn")
    assert outline.name == "Nội dung theo đề cương"
    assert outline.rows == (("CAP-CL-NGHIHAI", "Công an phường Nghi Hải", *item, "Phường có 12 khối phố.", None),
                            ("CAP-CL-NGHITHU", "Công an phường Nghi Thu", *item, "Phường có 9 khối phố.", None))  # fmt: skip


def source(tree: UnitTree, rows: list[Enrolment], answers: Mapping[int, Mapping[str, AnswerValue]]) -> WorkbookSource:
    """The workbook's source with these answers at hand, by unit id: a unit given answers has
    its report opened."""
    rows = [row if row.report_id is not None or row.unit_id not in answers else replace(row, report_id=-row.unit_id) for row in rows]
    reads = AnswersAtHand(
        {row.report_id: answers[row.unit_id] for row in rows if row.report_id is not None and row.unit_id in answers},
        {row.report_id: tree.get(row.unit_id).code for row in rows if row.report_id is not None},
    )
    return WorkbookSource(tree, rows, reads, CATALOG.forms, "Sơ kết 2023", date(2023, 11, 25))


async def test_the_written_workbook_counts_in_numbers_and_prints_every_sheet_a4_landscape_page_wide(tmp_path: Path) -> None:
    tree, rows, answers = await province()
    attachment = await FileDocuments(tmp_path).workbook(scope_workbook(source(tree, rows, answers), P, ZONE), "Báo cáo.xlsx")
    book = openpyxl.load_workbook(attachment.path)
    status = book["Trạng thái"]
    assert [status.cell(1, column).value for column in range(5, 9)] == ["Đã trả lời", "Số câu hỏi", "Số tiêu chí đạt", "Số tiêu chí"]
    met = {row[0].value: (row[6], row[7]) for row in status.iter_rows(min_row=2)}
    assert [cell.value for cell in met["CAP-CL-NGHIHAI"]] == [1, 22] and [cell.value for cell in met["CAP-CL-NGHIHOA"]] == [0, 22]
    assert all(status.cell(row, column).data_type == "n" for row in range(2, status.max_row + 1) for column in (5, 6, 7, 8))
    for sheet in book.worksheets:
        setup = sheet.page_setup
        assert (setup.orientation, setup.paperSize, setup.fitToWidth, setup.fitToHeight) == ("landscape", 9, 1, 0), sheet.title
        assert sheet.sheet_properties.pageSetUpPr.fitToPage and sheet.print_title_rows == "$1:$1", sheet.title
        assert sheet.freeze_panes == "A2"


PAGE_PIXELS_AT_70_PERCENT = int((297 / 25.4 - 2 * 0.75) * 96 / 0.70)
"""How wide a sheet's columns may be, in Excel's screen pixels, for the sheet to print one page wide
at 70 % of its size or more: an A4 page in landscape is 297 mm = 11.69 in wide, less the margins
of 0.75 in either side the writer leaves as they are, 10.19 in = 978 pixels at 96 per inch; shrunk
to 70 % a sheet may be 978 / 0.70 = 1397 pixels wide. A column `w` characters wide is 7 w + 5
pixels (Calibri 11, whose digits are 7 pixels wide, and 5 of padding), so eight columns may add up
to about 193 characters."""


def column_pixels(width: float) -> float:
    return 7 * width + 5


async def test_every_sheet_is_a_long_table_that_prints_one_page_wide_at_a_readable_size(tmp_path: Path) -> None:
    tree, rows, answers = await province()
    attachment = await FileDocuments(tmp_path).workbook(scope_workbook(source(tree, rows, answers), P, ZONE), "Báo cáo.xlsx")
    book = openpyxl.load_workbook(attachment.path)
    for sheet in book.worksheets:
        assert sheet.page_margins.left == sheet.page_margins.right == 0.75, sheet.title  # as the arithmetic has them
        pixels = sum(column_pixels(sheet.column_dimensions[cell.column_letter].width) for cell in sheet[1])
        assert pixels <= PAGE_PIXELS_AT_70_PERCENT, (sheet.title, pixels)
    _status, *forms, _outline = book.worksheets
    assert [sheet.max_column for sheet in forms] == [8, 8, 8, 8]  # whatever the number of criteria
    units = sum(row.form_id == "cap-22" for row in rows)
    ward = book["Mẫu 22 tiêu chí"]
    assert [cell.value for cell in ward[1]][3:] == ["Tiêu chí", "Nội dung tiêu chí", "Kết quả", "Việc đã triển khai", "Số tệp minh chứng"]
    body = list(ward.iter_rows(min_row=2))
    pairs = [(row[0].value, row[3].value) for row in body]
    assert len(pairs) == len(set(pairs)) == units * 22  # one row per unit and criterion
    assert {number for _code, number in pairs} == set(range(1, 23))
    assert all(row[3].data_type == "n" for row in body)
    thu = next(row for row in body if (row[0].value, row[3].value) == ("CAP-CL-NGHITHU", 1))
    assert (thu[5].value, thu[6].value, thu[7].value, thu[7].data_type) == ("Đạt", "Đã tổ chức 5 buổi.", 2, "n")
    assert thu[6].alignment.vertical == "top" and ward.print_title_rows == "$1:$1"
    # as tall as its criterion's text wrapped on two lines, which would otherwise print over the next row
    assert thu[4].alignment.wrap_text and ward.row_dimensions[thu[0].row].height == 30


async def test_the_chart_has_a_bar_per_unit_under_the_root_with_its_shares() -> None:
    tree, rows, _answers = await province()
    root = tree.by_code("NA-CL")
    assert root is not None
    mine = [row for row in rows if row.unit_id in tree.subtree([root.id])]
    chart = progress_chart(root, tree, mine, CATALOG.forms, SO_KET_2023, date(2023, 11, 20), P)
    assert chart.title == "Tiến độ báo cáo — Thị xã Cửa Lò"
    assert chart.subtitle == "Sơ kết 2023 · Hạn nộp: thứ Bảy, 25/11/2023 (còn 5 ngày)"
    assert chart.legend == ("Báo cáo đã nộp", "Câu hỏi đã trả lời")
    bars = {bar.label: bar for bar in chart.bars}
    assert "Thị xã Cửa Lò" in bars  # the district's own report is a bar of its own
    assert (bars["Công an phường Nghi Hải"].submitted, bars["Công an phường Nghi Hải"].answered) == (100, 8)
    thu = bars["Công an phường Nghi Thu"]
    assert (thu.submitted, thu.answered) == (0, 8)  # 3 of 38, not the 7 % a rounding of its own gave
    # the figure /tinhhinh shows for the same unit alone
    thu_row = [row for row in mine if row.unit_id == tree.by_code("CAP-CL-NGHITHU").id]
    tally = next(iter(standing_of(thu_row, tree, [root.id], lambda f: len(CATALOG.forms[f]), lambda f: False, {},
                                  SO_KET_2023.report_due, date(2023, 11, 20)).by_kind.values()))  # fmt: skip
    assert (tally.in_progress, tally.average_progress) == (1, thu.answered)
    assert bars["Công an phường Nghi Hòa"].submitted == 0
    # in order of progress, furthest ahead first; the units level with each other by name
    assert [bar.label for bar in chart.bars[:2]] == ["Công an phường Nghi Hải", "Công an phường Nghi Thu"]
    assert chart.bars == tuple(sorted(chart.bars, key=lambda bar: (-bar.submitted, -bar.answered, fold(bar.label))))
    assert len(chart.bars) == len({row.unit_id for row in mine})  # wards and communes hang right under the town
    closed = progress_chart(root, tree, mine, CATALOG.forms, SO_KET_2023, date(2026, 11, 28), P)
    assert closed.subtitle == "Sơ kết 2023 · Đã kết thúc ngày 10/12/2023 (hạn nộp là 25/11/2023)"
    assert closed.bars == chart.bars  # as it stood when it closed
