"""What the workbook and the chart of a scope say, from the demo province in memory: a row per
unit with each criterion's result and text, the narrative answers, the status; a bar per unit
right under the scope's root."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.chart_export import progress_chart
from bot.prompts import Prompts
from bot.forms import LocalText
from bot.records import CampaignRecord, Enrolment
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
        tree = UnitTree(await uow.units.units())
        rows = list(await uow.reports.enrolments("so-ket-2023"))
        answers = {hai.unit_id: await uow.reports.answers(hai.id)}
    return tree, rows, answers


async def test_the_workbook_has_a_status_sheet_a_sheet_per_criteria_form_and_the_narrative_answers() -> None:
    tree, rows, answers = await province()
    workbook = scope_workbook(WorkbookSource(tree, rows, answers, CATALOG.forms, "Sơ kết 2023", date(2023, 11, 25)), P, ZONE)
    assert workbook.title == "Báo cáo — Sơ kết 2023"
    status, *forms, narrative = workbook.sheets
    assert status.name == "Trạng thái" and [sheet.name for sheet in forms] == ["Mẫu 22 tiêu chí", "Mẫu 14 tiêu chí", "Mẫu 32 tiêu chí", "Mẫu 34 tiêu chí"]
    assert status.columns[:4] == ("Mã đơn vị", "Đơn vị", "Đơn vị cấp trên", "Trạng thái")
    hai = next(row for row in status.rows if row[0] == "CAP-CL-NGHIHAI")
    assert hai[1:7] == ("Công an phường Nghi Hải", "Thị xã Cửa Lò", "đã nộp", 3, 38, date(2023, 11, 25))
    assert hai[7] == NOW and hai[8].startswith("BC-")
    assert next(row for row in status.rows if row[0] == "CAP-CL-NGHIHOA")[3] == "chưa bắt đầu"
    ward = forms[0]
    assert ward.columns[4:7] == ("Tiêu chí 1 — kết quả", "Tiêu chí 1 — việc đã triển khai", "Tiêu chí 1 — minh chứng")
    assert len(ward.columns) == 4 + 3 * 22 and len(ward.rows) == 16
    row = next(row for row in ward.rows if row[0] == "CAP-CL-NGHIHAI")
    assert row[3] == "1/22" and row[4:7] == ("Đạt", "Đã tổ chức 12 buổi.", None)
    assert row[10] == "Chưa đến thời điểm xét (chưa đủ điều kiện xét đạt)" and row[7] is None
    assert narrative.rows == (("CAP-CL-NGHIHAI", "Công an phường Nghi Hải", "Thị xã Cửa Lò", 3, "I. Tình hình có liên quan",
                               "Khái quát đặc điểm, tình hình kinh tế, văn hóa, xã hội, an ninh, trật tự trên địa bàn",
                               "Phường có 12 khối phố."),)  # fmt: skip


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
    hai = bars["Công an phường Nghi Hải"]
    assert (hai.submitted, round(hai.answered, 3)) == (1.0, round(3 / 38, 3))
    assert bars["Công an phường Nghi Hòa"].submitted == 0.0
    assert len(chart.bars) == len({row.unit_id for row in mine})  # wards and communes hang right under the town
    closed = progress_chart(root, tree, mine, CATALOG.forms, SO_KET_2023, date(2026, 11, 28), P)
    assert closed.subtitle == "Sơ kết 2023 · Đã kết thúc ngày 10/12/2023 (hạn nộp là 25/11/2023)"
    assert closed.bars == chart.bars  # as it stood when it closed
