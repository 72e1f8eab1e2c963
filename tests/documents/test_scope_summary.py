"""The compiled summary of a scope, from the demo province in a database of its own: who took
part in the outline's own phrasing, who has handed in, the criteria counted from the reports
handed in, and the units' words as an annex."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.base.answers import AnswerValue
from bot.documents.exports import rows_under
from bot.documents.model import Heading, OfficialReport, Paragraph, Table
from bot.documents.scope_summary import ScopeSource, read_tallies, scope_summary
from bot.documents.unit_report import place_of
from bot.organisation.units import UnitTree
from tests import report_moves
from tests.documents.at_hand import report_at_hand
from tests.seeded_store import seeded_store
from tests.service_harness import CAMPAIGNS, CATALOG, DEMO_UNITS

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2023, 11, 20, 9, 0, tzinfo=ZONE)
FILED = {
    "CAP-CL-NGHIHAI": {"TC.1": {"status": "dat", "narrative": "Đã làm."}, "TC.2": {"status": "dat", "narrative": "Đã làm."},
                       "I.1": {"text": "Phường Nghi Hải có 12 khối phố."}},
    "CAP-CL-NGHIHOA": {"TC.1": {"status": "chua_den", "eligible": True, "narrative": "Chờ xét."},
                       "TC.2": {"status": "chua_dat", "narrative": "Thiếu kinh phí."}},
}  # fmt: skip


async def summary(
    scope: str, returned: str | None = None, filed: Mapping[str, Mapping[str, AnswerValue]] = FILED, closed: bool = False
) -> OfficialReport:
    async with seeded_store(DEMO_UNITS, CAMPAIGNS) as store, store() as uow:
        for code, answers in filed.items():
            report = await uow.reports.open_unit("so-ket-2023", store.unit_id(code), NOW)
            assert report is not None
            await uow.reports.save_answers(report.id, answers, None, NOW)
            await report_moves.submit(uow, report.id, None, NOW)
        draft = await uow.reports.open_unit("so-ket-2023", store.unit_id("CAP-CL-NGHITHUY"), NOW)
        assert draft is not None  # answered, never handed in: not counted
        await uow.reports.save_answers(draft.id, {"TC.1": {"status": "dat", "narrative": "Nháp."}}, None, NOW)
        tree = UnitTree(await uow.units.units())
        root = tree.by_code(scope)
        assert root is not None
        [campaign] = [c for c in await uow.units.campaigns() if c.code == "so-ket-2023"]
        rows = await rows_under(uow, tree, root, tree.subtree([root.id]), campaign)
        source = ScopeSource(
            root, tree, rows, uow.reports, CATALOG.forms, CATALOG.kind_label, place_of(tree, root), campaign.title.vi, CATALOG.letterhead,
            campaign.issuer, closed,
        )  # fmt: skip
        return await report_at_hand(scope_summary(source, await read_tallies(source), date(2023, 11, 20), ZONE))


def paragraphs(document: OfficialReport) -> list[str]:
    return [block.text for block in document.blocks if isinstance(block, Paragraph)]


async def test_the_province_summary_says_who_took_part_as_the_outline_says_it() -> None:
    document = await summary("NA")
    assert (document.issuing_body, document.parent_body) == ("CÔNG AN TỈNH NGHỆ AN", "")  # the campaign's issuer
    assert document.number == "Số:        /BC-CAT-PV01"
    assert document.recipients == ("- UBND tỉnh Nghệ An (để báo cáo);", "- Lưu: VT, CAT-PV01.")
    assert (document.signer_authority, document.signer_role, document.signer_name) == ("", "GIÁM ĐỐC", "……………………")
    assert document.subject == "Tổng hợp kết quả sơ kết công tác xây dựng đơn vị điển hình, kiểu mẫu năm 2023"
    assert document.place_and_date == "Nghệ An, ngày 20 tháng 11 năm 2023"
    said = paragraphs(document)
    assert said[0] == "Tỉnh Nghệ An tổng hợp kết quả sơ kết công tác xây dựng đơn vị điển hình, kiểu mẫu năm 2023 của 116 đơn vị như sau:"
    assert (
        "Có 07/07 Công an phường thuộc thị xã Cửa Lò; 04/04 Công an phường thuộc thị xã Thái Hòa "
        "và 05/05 Công an phường thuộc thành phố Vinh tham gia sơ kết."
    ) in said  # the demo holds only the five wards of Vinh that take part
    assert "Có 05/05 Sở, ban, ngành, đoàn thể trực thuộc tỉnh Nghệ An tham gia sơ kết." in said
    assert (
        "Dòng “Đơn vị cấp huyện” là các đơn vị tự đánh giá theo bộ tiêu chí của mình; dòng “Đơn vị cấp huyện "
        "(báo cáo tổng hợp)” là các báo cáo tổng hợp theo đề cương (không chấm tiêu chí) kết quả của các đơn vị trên địa bàn."
    ) in said  # the two rows of the district-level units, said in words
    headings = [block.text for block in document.blocks if isinstance(block, Heading) and block.level == 1]
    assert headings == ["I. ĐƠN VỊ THAM GIA VÀ TÌNH HÌNH NỘP BÁO CÁO", "II. KẾT QUẢ THỰC HIỆN CÁC TIÊU CHÍ"]
    annex = [block.text for block in document.annex if isinstance(block, Heading) and block.level == 1]
    assert annex == ["PHỤ LỤC: NỘI DUNG BÁO CÁO CỦA CÁC ĐƠN VỊ THEO TỪNG MỤC", "I. TÌNH HÌNH CÓ LIÊN QUAN"]  # after the signature


async def test_criteria_are_counted_from_the_reports_handed_in_only() -> None:
    document = await summary("NA-CL")
    tables = [block for block in document.blocks if isinstance(block, Table)]
    reporting, per_criterion, per_unit = tables
    assert reporting.columns == ("Loại đơn vị", "Tham gia", "Đã nộp", "Đã duyệt", "Bị trả lại", "Chưa nộp")
    assert ("Công an phường", "07", "02", "00", "00", "05") in reporting.rows
    assert per_criterion.rows[0][2:] == ("01", "00", "01 (01)", "00")  # Nghi Thủy's draft is not counted
    assert per_criterion.rows[1][2:] == ("01", "01", "00 (00)", "00")
    assert per_criterion.rows[2][2:] == ("00", "00", "00 (00)", "02")
    assert per_unit.rows[0] == ("Công an phường Nghi Hải", "đạt 02/22 tiêu chí", "00", "00")
    assert per_unit.rows[1] == ("Công an phường Nghi Hòa", "đạt 00/22 tiêu chí", "01", "01")
    said = paragraphs(document)
    assert any(line.startswith("Chưa nộp (") and "Công an phường Nghi Thủy" in line for line in said)
    assert "Công an phường Nghi Hải: Phường Nghi Hải có 12 khối phố." in [b.text for b in document.annex if isinstance(b, Paragraph)]
    assert "Thị xã Cửa Lò tham gia sơ kết bằng báo cáo của chính đơn vị (đơn vị cấp huyện)." in said  # its own report counts too
    assert "Có 07/07 Công an phường trực thuộc thị xã Cửa Lò tham gia sơ kết." in said


async def test_a_closed_campaign_s_summary_says_who_did_not_hand_in_not_who_has_not_yet() -> None:
    open_, closed = await summary("NA-CL"), await summary("NA-CL", closed=True)
    [open_table, *_] = [block for block in open_.blocks if isinstance(block, Table)]
    [closed_table, *_] = [block for block in closed.blocks if isinstance(block, Table)]
    assert open_table.columns[-1] == "Chưa nộp" and closed_table.columns[-1] == "Không nộp"
    assert any(line.startswith("Chưa nộp (") for line in paragraphs(open_))
    missing = [line for line in paragraphs(closed) if line.startswith("Không nộp (")]
    assert missing and "Công an phường Nghi Thủy" in missing[0]  # answered, never handed in
    assert not [line for line in paragraphs(closed) if "Chưa nộp" in line]
