"""A return for revision between two processes that keep their own time, over real storage (SQLite,
and PostgreSQL when configured): the officer's console stands at 20/11/2023, the supervisor's a
day later, as two consoles started with different BAOCAO_NOW do. What counts as revised follows
the order in which things happened (the answer versions), never timestamps from different clocks.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.base.answers import AnswerValue
from bot.base.clock import FixedClock
from bot.base.forms import Question, QuestionKind
from bot.base.records import Role
from bot.base.report_status import ReportStatus
from bot.service import ReportingService
from tests.report_moves import answer_versions, report_of, submit
from tests.service_harness import CATALOG, NGHI_HAI, NGHI_HAI_NAME, NOV_20_2023, Chat, Harness, make_service

WARD_FORM = CATALOG.form("cap-22")
CRITERION_4, CRITERION_5 = (next(q for q in WARD_FORM if q.criterion_number == n) for n in (4, 5))
MET = {"status": "dat", "narrative": "Đã tổ chức tuần tra kiểm soát thường xuyên."}
ALL_ANSWERED = "Đã trả lời hết các câu hỏi."


class OtherProcess:
    """Another process on the same database with a clock of its own (a supervisor's console):
    update ids come from the officer's harness, since both chats share one channel."""

    def __init__(self, harness: Harness, clock: FixedClock) -> None:
        self.service: ReportingService = make_service(harness.factory, clock)
        self.next_update_id = harness.next_update_id


@pytest.fixture
async def returned(harness: Harness) -> tuple[Chat, Chat, int]:
    """Nghi Hải's report, answered and submitted on 20/11, returned on the supervisor's 21/11 with
    criteria 4 and 5 to revise: (the officer's chat, the supervisor's chat, the report id)."""
    officer = await harness.linked_chat("officer")
    now = harness.clock.now()
    async with harness.factory() as uow:
        unit = next(u for u in await uow.units.units() if u.code == NGHI_HAI)
        report = await uow.reports.open_unit("so-ket-2023", unit.id, now)
        assert report is not None
        await uow.reports.save_answers(report.id, {q.id: complete(q) for q in WARD_FORM}, None, now)
        await submit(uow, report.id, None, now)
        invite = await uow.invites.create("NA-CL", Role.SUPERVISOR, now + timedelta(days=7), now)
    supervisor = Chat(OtherProcess(harness, FixedClock(NOV_20_2023 + timedelta(days=1))), "supervisor", name="Đỗ Minh Quân")
    assert "Liên kết thành công" in await supervisor.send(f"/start {invite.code}")
    assert "Chọn những nội dung cần sửa" in await supervisor.send(f"/tralai {NGHI_HAI}")
    numbers = ", ".join(str(WARD_FORM.index_of(q.id) + 1) for q in (CRITERION_4, CRITERION_5))
    assert "Đã chọn: Tiêu chí 4, Tiêu chí 5." in await supervisor.send(numbers)
    assert "Bây giờ hãy viết" in await supervisor.press("Tiếp tục ▶")
    assert "↩ Đã trả lại báo cáo" in await supervisor.send("Ghi rõ số buổi tuần tra.")
    return officer, supervisor, report.id


def complete(question: Question) -> AnswerValue:
    """A valid answer to any question of the ward form."""
    return {
        QuestionKind.CHOICE: {"choice": question.options[0].code if question.options else ""},
        QuestionKind.DATE: {"date": "2023-11-18"},
        QuestionKind.NUMBER: {"number": 3},
        QuestionKind.TEXT: {"text": f"Đơn vị đã thực hiện nội dung {question.id} đầy đủ."},
        QuestionKind.ATTACHMENT: {"skipped": True},
        QuestionKind.CRITERION: MET,
    }[question.kind]


def heading(question: Question) -> str:
    return f"Tiêu chí {question.criterion_number}/{question.criteria_total}"


async def test_answers_saved_after_a_return_on_an_earlier_clock_count_as_revised(
    harness: Harness, returned: tuple[Chat, Chat, int]
) -> None:
    officer, _supervisor, report_id = returned
    assert heading(CRITERION_4) in await officer.send("/baocao")
    await officer.press("Chưa đạt")
    revised_4 = await officer.send("Mới tổ chức được hai buổi tuần tra trong quý.")
    assert "✓ Đã lưu Tiêu chí 4" in revised_4 and heading(CRITERION_5) in revised_4, revised_4
    await officer.press("Chưa đạt")
    revised_5 = await officer.send("Chưa lập đủ biên bản các buổi tuần tra.")
    assert ALL_ANSWERED in revised_5 and heading(CRITERION_4) not in revised_5, revised_5
    assert "Nộp báo cáo của" in await officer.press("Nộp báo cáo")
    await officer.press("Nộp ngay")
    async with harness.factory() as uow:
        report = await report_of(uow, report_id)
    assert (report.status, report.needs_revision) == (ReportStatus.RESUBMITTED, frozenset())


async def test_keeping_a_returned_answer_revises_it_and_is_not_audited_as_an_edit(
    harness: Harness, returned: tuple[Chat, Chat, int]
) -> None:
    officer, supervisor, report_id = returned
    number_4 = WARD_FORM.index_of(CRITERION_4.id) + 1
    assert heading(CRITERION_4) in await officer.send("/baocao")
    kept = await officer.press("Giữ nguyên")
    assert f"✓ Giữ nguyên Tiêu chí 4: Đạt — {MET['narrative']}" in kept and heading(CRITERION_5) in kept, kept
    await officer.press("Chưa đạt")
    assert ALL_ANSWERED in await officer.send("Chưa lập đủ biên bản các buổi tuần tra.")
    assert heading(CRITERION_4) in await officer.send(f"/sua {number_4}")
    assert "✓ Giữ nguyên Tiêu chí 4" in await officer.press("Giữ nguyên")  # revised already: nothing to add
    async with harness.factory() as uow:
        versions = [value for _, value, _ in await answer_versions(uow, report_id, CRITERION_4.id)]
        report = await report_of(uow, report_id)
    assert (versions, report.needs_revision) == ([MET, MET], frozenset())
    history = await supervisor.send(f"/lichsu {NGHI_HAI}")
    assert f"Lịch sử báo cáo của {NGHI_HAI_NAME}" in history
    assert f"Nguyễn Văn An: giữ nguyên Tiêu chí 4: Đạt — {MET['narrative']}" in history, history
    assert "đã sửa Tiêu chí 4" not in history and "đã sửa Tiêu chí 5: Đạt" in history, history
