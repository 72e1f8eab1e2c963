"""What the workbook and the chart of a scope say, from the demo province in memory: a row per
unit with each criterion's result and text, the narrative answers, the status, every sheet set
to print; a bar per unit right under the scope's root, with the percentages /tinhhinh shows."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl

from app.documents import FileDocuments
from bot.chart_export import progress_chart
from bot.prompts import Prompts
from bot.forms import LocalText
from bot.records import CampaignRecord, Enrolment
from bot.standing import standing_of
from bot.text import fold
from bot.units import UnitTree
from bot.workbook_export import WorkbookSource, scope_workbook
from tests import report_moves
from tests.memory_store import MemoryStore
from tests.service_harness import CAMPAIGNS, CATALOG, DEMO_UNITS

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2023, 11, 20, 9, 0, tzinfo=ZONE)
P = Prompts("vi", ZONE)
SO_KET_2023 = CampaignRecord("so-ket-2023", LocalText("Sơ kết 2023"), date(2023, 11, 1), date(2023, 11, 25), closes=date(2023, 12, 10))


async def province() -> tuple[UnitTree, list[Enrolment], dict]:
    store = MemoryStore()
    store.add_units(DEMO_UNITS)
    for spec in CAMPAIGNS:
        store.add_campaign(spec)
    async with store() as uow:
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
            "TC.1": {"status": "dat", "narrative": "Đã tổ chức 5 buổi."},
            "TC.2": {"status": "chua_dat", "narrative": "Chưa làm."},
            "I.1": {"text": "Phường có 9 khối phố."},
        }, None, NOW)  # fmt: skip
        tree = UnitTree(await uow.units.units())
        rows = list(await uow.reports.enrolments("so-ket-2023"))
        answers = {hai.unit_id: await uow.reports.answers(hai.id), thu.unit_id: await uow.reports.answers(thu.id)}
    return tree, rows, answers


async def test_the_workbook_has_a_status_sheet_a_sheet_per_criteria_form_and_the_narrative_answers() -> None:
    tree, rows, answers = await province()
    workbook = scope_workbook(source(tree, rows, answers), P, ZONE)
    assert workbook.title == "Báo cáo — Sơ kết 2023"
    status, *forms, narrative = workbook.sheets
    assert status.name == "Trạng thái" and [sheet.name for sheet in forms] == ["Mẫu 22 tiêu chí", "Mẫu 14 tiêu chí", "Mẫu 32 tiêu chí", "Mẫu 34 tiêu chí"]
    assert status.columns[:4] == ("Mã đơn vị", "Đơn vị", "Đơn vị cấp trên", "Trạng thái")
    hai = next(row for row in status.rows if row[0] == "CAP-CL-NGHIHAI")
    assert hai[1:7] == ("Công an phường Nghi Hải", "Thị xã Cửa Lò", "đã nộp", 3, 38, date(2023, 11, 25))
    assert hai[7] == NOW and hai[8].startswith("BC-")
    assert next(row for row in status.rows if row[0] == "CAP-CL-NGHIHOA")[3] == "chưa bắt đầu"
    ward = forms[0]
    assert ward.columns[3] == "Số tiêu chí đạt (trên 22)"
    assert ward.columns[4:7] == ("Tiêu chí 1 — kết quả", "Tiêu chí 1 — việc đã triển khai", "Tiêu chí 1 — minh chứng")
    assert len(ward.columns) == 4 + 3 * 22 and len(ward.rows) == 16
    row = next(row for row in ward.rows if row[0] == "CAP-CL-NGHIHAI")
    assert row[3] == 1 and row[4:7] == ("Đạt", "Đã tổ chức 12 buổi.", None)
    assert row[10] == "Chưa đến thời điểm xét (chưa đủ điều kiện xét đạt)" and row[7] is None
    item = ("Thị xã Cửa Lò", 3, "I. Tình hình có liên quan",
            "Khái quát đặc điểm, tình hình kinh tế, văn hóa, xã hội, an ninh, trật tự trên địa bàn")
    assert narrative.rows == (("CAP-CL-NGHIHAI", "Công an phường Nghi Hải", *item, "Phường có 12 khối phố."),
                              ("CAP-CL-NGHITHU", "Công an phường Nghi Thu", *item, "Phường có 9 khối phố."))  # fmt: skip


def source(tree: UnitTree, rows: list[Enrolment], answers: dict) -> WorkbookSource:
    return WorkbookSource(tree, rows, answers, CATALOG.forms, "Sơ kết 2023", date(2023, 11, 25))


async def test_the_written_workbook_counts_in_numbers_and_prints_every_sheet_a4_landscape_page_wide(tmp_path: Path) -> None:
    tree, rows, answers = await province()
    attachment = await FileDocuments(tmp_path).workbook(scope_workbook(source(tree, rows, answers), P, ZONE), "Báo cáo.xlsx")
    book = openpyxl.load_workbook(attachment.path)
    ward = book["Mẫu 22 tiêu chí"]
    assert ward["D1"].value == "Số tiêu chí đạt (trên 22)"
    met = {row[0].value: row[3] for row in ward.iter_rows(min_row=2)}
    assert met["CAP-CL-NGHIHAI"].value == 1 and met["CAP-CL-NGHIHAI"].data_type == "n"
    assert met["CAP-CL-NGHIHOA"].value == 0 and met["CAP-CL-NGHIHOA"].data_type == "n"
    status = book["Trạng thái"]
    assert [status.cell(1, column).value for column in (5, 6)] == ["Đã trả lời", "Số câu hỏi"]
    assert all(status.cell(row, column).data_type == "n" for row in range(2, status.max_row + 1) for column in (5, 6))
    for sheet in book.worksheets:
        setup = sheet.page_setup
        assert (setup.orientation, setup.paperSize, setup.fitToWidth, setup.fitToHeight) == ("landscape", 9, 1, 0), sheet.title
        assert sheet.sheet_properties.pageSetUpPr.fitToPage and sheet.print_title_rows == "$1:$1", sheet.title
        assert sheet.freeze_panes == "A2"


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
