"""Supervisor dialogues as tables, at service level: the real ReportingService, wired by the
composition root, over the real storage on a SQLite copy of the seeded demo (tests/seeded_store.py),
so no process is started.

A row is (what the person sends, a fragment the reply must contain, the effects of the turn by
type, in order: "" for a turn that changes nothing). `[Label]` presses the button with that
label on the newest message that has buttons. After a table, the tests look at what the store
holds: the reports' status, the outbox rows for other people.
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from datetime import datetime, timedelta
from pathlib import Path

import pypdf
import pytest

from app.runtime import build_service
from bot.base.clock import FixedClock
from bot.base.effects import SaveAnswers
from bot.base.outbox import DeliveryState, MessageKind
from bot.base.records import Role
from bot.base.report_status import ReportStatus
from bot.base.text import fold
from bot.catalog.model import UnitSpec
from bot.delivery.usage import Quota
from bot.reminders.composing import ReminderService
from bot.service import ReportingService
from storage.seed import load_campaign
from tests import report_moves
from tests.seeded_store import SeededStore, seeded_store
from tests.service_harness import (
    CATALOG,
    CHANNEL,
    CUA_LO_UNITS,
    DEMO_UNITS,
    NGHI_HAI,
    NGHI_HAI_NAME,
    NGHI_HOA,
    NGHI_HOA_NAME,
    NOV_20_2023,
    SETTINGS,
    Chat,
)

CAMPAIGN = "so-ket-2023"
TITLE_2023 = "Sơ kết công tác xây dựng đơn vị điển hình, kiểu mẫu năm 2023"
TITLE_2024 = "Sơ kết 02 năm (2023–2024) thực hiện nhiệm vụ xây dựng đơn vị điển hình"
Row = tuple[str, str, str]


class Office:
    """Cửa Lò of the demo province, the 2023 and 2024 campaigns enrolled, in a database of its own."""

    def __init__(self, store: SeededStore, now: datetime = NOV_20_2023, files: Path | None = None) -> None:
        self.store = store
        self.clock = FixedClock(now)
        settings = SETTINGS.model_copy(update={"files_dir": files}) if files else SETTINGS
        self.service: ReportingService = build_service(self.store, CATALOG, settings, self.clock)
        self._update_ids = itertools.count(1)

    def next_update_id(self) -> int:
        return next(self._update_ids)

    async def person(self, chat_id: str, name: str, *grants: tuple[str, Role]) -> Chat:
        """A chat linked by one invite per (unit code, role): one person holding them all."""
        chat = Chat(self, chat_id, name=name)
        now = self.clock.now()
        for unit_code, role in grants:
            async with self.store() as uow:
                invite = await uow.invites.create(unit_code, role, now + timedelta(days=7), now)
            assert "Liên kết thành công" in await chat.send(f"/start {invite.code}")
        return chat

    async def submit(self, unit_code: str) -> int:
        """Hands in the unit's report as if its officer had; returns the report's id."""
        now = self.clock.now()
        async with self.store() as uow:
            report = await uow.reports.open_unit(CAMPAIGN, self.store.unit_id(unit_code), now)
            assert report is not None
            await report_moves.submit(uow, report.id, None, now)
        return report.id

    async def status_of(self, report_id: int) -> ReportStatus:
        async with self.store() as uow:
            return (await report_moves.report_of(uow, report_id)).status

    async def outbox(self, kind: MessageKind) -> list[tuple[str, str, DeliveryState]]:
        """The rows of one kind: (chat, text, state)."""
        return [(row.chat_id, row.text, row.state) for row in await self.store.outbox() if row.kind is kind]


async def play(chat: Chat, table: Sequence[Row]) -> None:
    for number, (line, fragment, effects) in enumerate(table, start=1):
        text = await chat.press(line[1:-1]) if line.startswith("[") and line.endswith("]") else await chat.send(line)
        assert fragment in text, f"row {number}: after {line!r} expected {fragment!r} in:\n{text}"
        done = " ".join(type(effect).__name__ for effect in chat.results[-1].effects)
        assert done == effects, f"row {number}: after {line!r} the effects were {done!r}, not {effects!r}"


OpenOffice = Callable[..., Awaitable[Office]]


@pytest.fixture
async def offices() -> AsyncIterator[OpenOffice]:
    """Opens offices (Office's arguments), each in a database of its own, closed after the test."""
    async with contextlib.AsyncExitStack() as stack:

        async def open_office(now: datetime = NOV_20_2023, files: Path | None = None) -> Office:
            return Office(await stack.enter_async_context(seeded_store()), now, files)

        yield open_office


@pytest.fixture
async def office(offices: OpenOffice) -> Office:
    return await offices()


async def test_reading_the_area_changes_nothing(office: Office) -> None:
    supervisor = await office.person("sv", "Đỗ Minh Quân", ("NA-CL", Role.SUPERVISOR))
    await play(supervisor, [
        ("/tinhhinh", "Phạm vi: Thị xã Cửa Lò", ""),
        ("/chuanop", "Chưa nộp — ", ""),
        ("/donvi Nghi Hai", f"📄 {NGHI_HAI_NAME} — ", ""),
        ("/tieuchi cap-22 5", "Chưa trả lời:\n– Công an phường Nghi Hải", ""),
        ("/lichsu NGHI HAI", f"Lịch sử báo cáo của {NGHI_HAI_NAME}", ""),
        ("/canbo", "Đỗ Minh Quân — cán bộ theo dõi, thẩm định — Thị xã Cửa Lò", ""),
        ("/guitin", "Nhắc hạn", ""),
    ])  # fmt: skip
    assert await office.store.outbox() == []


async def test_a_unit_loaded_meanwhile_is_found_on_the_next_turn(office: Office) -> None:
    """The desk keeps the unit tree between turns and reads it again once units were written."""
    supervisor = await office.person("sv", "Đỗ Minh Quân", ("NA-CL", Role.SUPERVISOR))
    await play(supervisor, [("/donvi Nghi Moi", "Không tìm thấy đơn vị nào khớp với “Nghi Moi” trong địa bàn.", "")])
    await office.store.add_units([UnitSpec("CAP-CL-NGHIMOI", "Công an phường Nghi Mới", "cap", "NA-CL", False)])
    await play(supervisor, [("/donvi Nghi Moi", f"Công an phường Nghi Mới không thuộc diện tham gia {TITLE_2023}.", "")])


async def test_tieuchi_says_precisely_which_form_or_criterion_does_not_exist(office: Office) -> None:
    supervisor = await office.person("sv", "Đỗ Minh Quân", ("NA-CL", Role.SUPERVISOR))
    await play(supervisor, [
        ("/tieuchi 22 5", "Tiêu chí 5 của mẫu 22 tiêu chí — ", ""),
        ("/tieuchi 22 23", "Mẫu 22 tiêu chí có 22 tiêu chí: hãy gõ số tiêu chí từ 1 đến 22.", ""),
        ("/tieuchi cap-22 0", "Mẫu 22 tiêu chí có 22 tiêu chí: hãy gõ số tiêu chí từ 1 đến 22.", ""),
        ("/tieuchi 23 5", ("Không có mẫu “23”. Hãy gọi mẫu theo số tiêu chí của nó: 14 (mẫu 14 tiêu chí), 22 (mẫu 22 tiêu chí),"
                          " 32 (mẫu 32 tiêu chí), 34 (mẫu 34 tiêu chí)."), ""),
        ("/tieuchi de-cuong 1", "“Báo cáo sơ kết tổng hợp theo đề cương (không chấm tiêu chí)” không có tiêu chí nào để đếm.", ""),
        ("/tieuchi 22", "Hãy gõ số tiêu chí của mẫu (mẫu 22 tiêu chí: 22), rồi số thứ tự tiêu chí", ""),
    ])  # fmt: skip


async def test_an_approval_moves_the_report_is_audited_and_tells_the_officer(office: Office) -> None:
    officer = await office.person("officer", "Nguyễn Văn An", (NGHI_HAI, Role.REPORTER))
    supervisor = await office.person("sv", "Đỗ Minh Quân", ("NA-CL", Role.SUPERVISOR))
    report_id = await office.submit(NGHI_HAI)
    await play(supervisor, [
        ("/duyet Nghi Hai", f"Duyệt báo cáo của {NGHI_HAI_NAME} — {TITLE_2023}?\nSố tiếp nhận: BC-", ""),
        ("[Hủy]", "Đã hủy; không có gì thay đổi.", ""),
        ("/duyet Nghi Hai", "không thể sửa báo cáo nữa; nếu sau này cần sửa, dùng /tralai để mở lại", ""),
        ("[✅ Xác nhận duyệt]", f"✅ Đã duyệt báo cáo của {NGHI_HAI_NAME} — {TITLE_2023}.", "MoveReport RecordAudit Send"),
        ("/duyet Nghi Hai", "Chỉ báo cáo đã nộp mới có thể duyệt", ""),
        ("/lichsu Nghi Hai", "Đỗ Minh Quân: đã duyệt báo cáo", ""),
    ])  # fmt: skip
    assert await office.status_of(report_id) is ReportStatus.APPROVED
    assert await office.outbox(MessageKind.NOTICE) == [
        (officer.chat_id, f"✅ Báo cáo của {NGHI_HAI_NAME} — {TITLE_2023} đã được duyệt.", DeliveryState.PENDING)
    ]


async def test_a_confirmation_shown_before_another_message_does_nothing(office: Office) -> None:
    supervisor = await office.person("sv", "Đỗ Minh Quân", ("NA-CL", Role.SUPERVISOR))
    report_id = await office.submit(NGHI_HAI)
    await play(supervisor, [("/duyet Nghi Hai", "Duyệt báo cáo của", "")])
    confirm_step = supervisor.keyboard_step()
    await play(supervisor, [("/donvi Nghi Hai", f"📄 {NGHI_HAI_NAME} — {TITLE_2023}\nTrạng thái: đã nộp", "")])
    assert "không còn tác dụng" in await supervisor.press("✅ Xác nhận duyệt", confirm_step)
    assert await office.status_of(report_id) is ReportStatus.SUBMITTED and await office.store.outbox() == []


async def test_an_approved_report_is_reopened_for_revision_and_audited(office: Office) -> None:
    officer = await office.person("officer", "Nguyễn Văn An", (NGHI_HAI, Role.REPORTER))
    supervisor = await office.person("sv", "Đỗ Minh Quân", ("NA-CL", Role.SUPERVISOR))
    report_id = await office.submit(NGHI_HAI)
    await play(supervisor, [
        ("/duyet Nghi Hai", "Duyệt báo cáo của", ""),
        ("[✅ Xác nhận duyệt]", "✅ Đã duyệt", "MoveReport RecordAudit Send"),
        ("/donvi Nghi Hai", "Trạng thái: đã được duyệt", ""),
        ("[↩ Mở lại]", f"Mở lại báo cáo đã duyệt của {NGHI_HAI_NAME} — {TITLE_2023} để chỉnh sửa.", ""),
        ("12", "Đã chọn: Tiêu chí 3.", ""),
        ("[Tiếp tục ▶]", "Bây giờ hãy viết", ""),
        ("Cần bổ sung số liệu.", "↩ Đã trả lại báo cáo", "MoveReport RecordAudit Send"),
        ("/lichsu Nghi Hai", "đã mở lại báo cáo đã duyệt để chỉnh sửa Tiêu chí 3: “Cần bổ sung số liệu.”", ""),
    ])  # fmt: skip
    assert await office.status_of(report_id) is ReportStatus.RETURNED
    assert "Nhận xét: “Cần bổ sung số liệu.”" in (await office.outbox(MessageKind.NOTICE))[-1][1]
    await play(officer, [("/baocao", "📋 Tiêu chí 3/22 · Câu 12/38", "")])


async def test_a_return_is_picked_commented_and_reaches_the_officer(office: Office) -> None:
    officer = await office.person("officer", "Nguyễn Văn An", (NGHI_HAI, Role.REPORTER))
    supervisor = await office.person("sv", "Đỗ Minh Quân", ("NA-CL", Role.SUPERVISOR))
    report_id = await office.submit(NGHI_HAI)
    await play(supervisor, [
        ("/tralai Nghi Hai", f"Trả lại báo cáo của {NGHI_HAI_NAME} — {TITLE_2023} để chỉnh sửa. Chọn những nội dung cần sửa", ""),
        ("[Tiếp tục ▶]", "Hãy chọn ít nhất một", ""),
    ])  # fmt: skip
    third = supervisor.keyboard()[2]
    assert third.startswith("3. Khái quát đặc điểm") and third.endswith("…") and len(third) <= 33
    await play(supervisor, [
        (f"[{third}]", "Đã chọn: Câu 3.", ""),
        ("5", "Đã chọn: Câu 3, Câu 5.", ""),
        ("[Tiếp tục ▶]", "Bây giờ hãy viết", ""),
        ("Câu 3 cần ghi rõ số buổi.", "↩ Đã trả lại báo cáo", "MoveReport RecordAudit Send"),
        ("Một tin nhắn nữa", "", ""),
    ])  # fmt: skip
    assert await office.status_of(report_id) is ReportStatus.RETURNED
    [(chat_id, text, state)] = await office.outbox(MessageKind.NOTICE)
    assert (chat_id, state) == (officer.chat_id, DeliveryState.PENDING)
    assert "Nhận xét: “Câu 3 cần ghi rõ số buổi.”" in text
    await play(officer, [("/baocao", "📋 Câu 3/", "")])


async def test_invites_people_and_a_revoked_access(office: Office) -> None:
    officer = await office.person("officer", "Nguyễn Văn An", (NGHI_HAI, Role.REPORTER))
    supervisor = await office.person("sv", "Đỗ Minh Quân", ("NA-CL", Role.SUPERVISOR))
    await play(supervisor, [("/moi Nghi Hai", f"Mã mời cho {NGHI_HAI_NAME}: ", "CreateInvite RecordAudit")])
    people = await supervisor.send("/canbo Nghi Hai")
    line = next(line for line in people.splitlines() if "Nguyễn Văn An" in line)
    number = line.split()[0].lstrip("#")
    assert f"Mã mời chưa sử dụng (1):\n• {NGHI_HAI_NAME}: mã " in people and "(cán bộ báo cáo), hiệu lực đến" in people
    await play(supervisor, [
        (f"/thuhoi {number}", f"Thu hồi quyền của Nguyễn Văn An (cán bộ báo cáo) đối với {NGHI_HAI_NAME}?", ""),
        ("[Hủy]", "Đã hủy", ""),
        (f"/thuhoi {number}", "Thu hồi quyền của Nguyễn Văn An", ""),
        ("[Xác nhận thu hồi]", f"Đã thu hồi quyền truy cập của Nguyễn Văn An đối với {NGHI_HAI_NAME}.", "RevokeGrant RecordAudit"),
        (f"/thuhoi {number}", "Không tìm thấy quyền truy cập này trong địa bàn", ""),
    ])  # fmt: skip
    await play(officer, [("/baocao", "chưa có báo cáo nào cần nộp", "")])


async def test_reminding_queues_one_message_per_officer_once_a_day(office: Office) -> None:
    officer = await office.person("officer", "Nguyễn Văn An", (NGHI_HAI, Role.REPORTER))
    supervisor = await office.person("sv", "Đỗ Minh Quân", ("NA-CL", Role.SUPERVISOR))
    first = await supervisor.send("/nhacnho")
    assert f"Nhắc hạn — {TITLE_2023}: đã đưa 1 tin vào hàng chờ gửi đến 1 đơn vị chưa nộp báo cáo." in first
    assert [type(e).__name__ for e in supervisor.results[-1].effects] == ["Send", "RecordAudit"]
    await play(supervisor, [
        ("/nhacnho", "1 đơn vị đã được nhắc trong hôm nay", ""),
        ("/guitin", "Đang chờ gửi: 1", ""),
    ])  # fmt: skip
    [(chat_id, text, state)] = await office.outbox(MessageKind.MANUAL)
    assert (chat_id, state) == (officer.chat_id, DeliveryState.PENDING) and NGHI_HAI_NAME in text
    async with office.store() as uow:  # the officer has blocked the bot meanwhile
        [item] = await uow.outbox.claim(1, office.clock.now(), CHANNEL)
        await uow.outbox.mark(item.id, DeliveryState.BLOCKED, office.clock.now())
    assert f"Chưa nhận được tin gần nhất (1):\n• Nguyễn Văn An ({NGHI_HAI_NAME}): đã chặn bot (tin gửi lúc 09:00 20/11/2023)" in await supervisor.send("/guitin")


async def test_a_reporter_and_a_stranger_are_refused_and_nothing_changes(office: Office) -> None:
    officer = await office.person("officer", "Nguyễn Văn An", (NGHI_HAI, Role.REPORTER))
    stranger = Chat(office, "stranger", name="Người lạ")
    report_id = await office.submit(NGHI_HAI)
    await play(officer, [
        ("/duyet Nghi Hai", "Lệnh /duyet dành cho cán bộ theo dõi, thẩm định", ""),
        ("/thuhoi 1", "Lệnh /thuhoi dành cho cán bộ theo dõi, thẩm định", ""),
    ])  # fmt: skip
    await play(stranger, [("/tinhhinh", "chưa được liên kết với đơn vị nào", "")])
    assert await office.status_of(report_id) is ReportStatus.SUBMITTED
    assert await office.store.outbox() == []


async def test_holding_both_roles_a_supervisor_command_keeps_the_half_written_answer(office: Office) -> None:
    both = await office.person("both", "Trần Thị Bình", (NGHI_HAI, Role.REPORTER), ("NA-CL", Role.SUPERVISOR))
    await play(both, [
        ("/baocao", "Câu 1/38", ""),
        ("[Hội nghị sơ kết]", "Câu 2/38", "SaveAnswers"),
        ("20/11/2023", "Câu 3/38", "SaveAnswers"),
        ("Đoạn một.", "Cần viết ít nhất 20 ký tự (hiện có 9)", ""),
        ("/tinhhinh", "Phạm vi: Thị xã Cửa Lò", ""),
        ("/chuanop", "Chưa nộp — ", ""),
        ("Đoạn thứ hai, dài hơn.", "Câu 4/38", "SaveAnswers"),
    ])  # fmt: skip
    [saved] = [e for e in both.results[-1].effects if isinstance(e, SaveAnswers)]
    assert list(saved.values.values()) == [{"text": "Đoạn một.\nĐoạn thứ hai, dài hơn."}]


async def test_a_unit_outside_the_scope_reads_as_one_that_does_not_exist(office: Office) -> None:
    await office.store.add_units([unit for unit in DEMO_UNITS if unit.code == "NA-TH"])  # Thái Hòa, beside Cửa Lò
    supervisor = await office.person("sv", "Đỗ Minh Quân", ("NA-CL", Role.SUPERVISOR))
    for command in ("donvi", "duyet", "tralai", "lichsu", "moi"):
        await play(supervisor, [(f"/{command} NA-TH", "Không tìm thấy đơn vị nào khớp với “NA-TH” trong địa bàn.", "")])
    assert await office.store.outbox() == []


async def test_every_command_reaches_every_campaign_and_says_which(office: Office) -> None:
    supervisor = await office.person("sv", "Đỗ Minh Quân", ("NA-CL", Role.SUPERVISOR))
    await play(supervisor, [
        ("/donvi Nghi Hai", f"📄 {NGHI_HAI_NAME} — {TITLE_2023}\nTrạng thái: chưa bắt đầu", ""),
        ("/donvi Nghi Hai 2023-2024", f"📄 {NGHI_HAI_NAME} — {TITLE_2024}", ""),
        ("[Lịch sử]", f"Lịch sử báo cáo của {NGHI_HAI_NAME} — {TITLE_2024}", ""),  # the button keeps the campaign
        ("/lichsu CAP-CL-NGHIHAI so-ket-2023", f"Lịch sử báo cáo của {NGHI_HAI_NAME} — {TITLE_2023}", ""),
        ("/tieuchi 22 5 2023–2024", f"Tiêu chí 5 của mẫu 22 tiêu chí — {TITLE_2024}", ""),
        ("/duyet Nghi Hai 2023-2024", f"Báo cáo của {NGHI_HAI_NAME} ({TITLE_2024}): chưa bắt đầu.", ""),
        ("/tralai Nghi Hai 2023", f"Báo cáo của {NGHI_HAI_NAME} ({TITLE_2023}): chưa bắt đầu.", ""),
        ("/chuanop 2023-2024", f"Chưa nộp — {TITLE_2024}", ""),
        ("/tinhhinh 2099", "Không có đợt báo cáo “2099”. Các đợt báo cáo hiện có: so-ket-2023, so-ket-2023-2024.", ""),
    ])  # fmt: skip


async def test_the_default_campaign_is_the_one_whose_deadline_is_nearest(offices: OpenOffice) -> None:
    spring_2024 = await offices(now=NOV_20_2023 + timedelta(days=200))  # 2024-06-07: the 2023–2024 deadline is nearer
    supervisor = await spring_2024.person("sv", "Đỗ Minh Quân", ("NA-CL", Role.SUPERVISOR))
    await play(supervisor, [("/donvi Nghi Hai", f"— {TITLE_2024}", ""), ("/chuanop", f"Chưa nộp — {TITLE_2024}", "")])
    autumn_2023 = await offices()
    supervisor = await autumn_2023.person("sv", "Đỗ Minh Quân", ("NA-CL", Role.SUPERVISOR))
    await play(supervisor, [("/donvi Nghi Hai", f"— {TITLE_2023}", ""), ("/chuanop", f"Chưa nộp — {TITLE_2023}", "")])


async def test_the_missing_list_pages_within_its_campaign_closest_to_done_first(office: Office) -> None:
    supervisor = await office.person("sv", "Đỗ Minh Quân", ("NA-CL", Role.SUPERVISOR))
    async with office.store() as uow:  # Nghi Hòa has begun: two answers saved
        report = await uow.reports.open_unit("so-ket-2023-2024", office.store.unit_id(NGHI_HOA), office.clock.now())
        assert report is not None
        await uow.reports.save_answers(report.id, {"hinh-thuc": {"option": "hoi-nghi"}, "II.2": {"text": "Đã làm."}}, None, office.clock.now())
    first = await supervisor.send("/chuanop 2023-2024")
    assert first.splitlines()[2].startswith(f"1. {NGHI_HOA_NAME} (Thị xã Cửa Lò) — đã làm 5% (2/38 câu)")
    pages = first.splitlines()[0]
    assert f"Chưa nộp — {TITLE_2024}" in pages and "(trang 1/" in pages
    assert f"Chưa nộp — {TITLE_2024}" in await supervisor.press("Trang sau ▶")


async def test_criteria_lists_separate_not_met_not_yet_due_and_unanswered(office: Office) -> None:
    supervisor = await office.person("sv", "Đỗ Minh Quân", ("NA-CL", Role.SUPERVISOR))
    answers = {NGHI_HAI: {"status": "chua_dat", "text": "Chưa đạt vì thiếu kinh phí."}, NGHI_HOA: {"status": "chua_den", "eligible": True}}
    async with office.store() as uow:
        for unit_code, value in answers.items():
            report = await uow.reports.open_unit(CAMPAIGN, office.store.unit_id(unit_code), office.clock.now())
            assert report is not None
            await uow.reports.save_answers(report.id, {"TC.5": value}, None, office.clock.now())
    text = await supervisor.send("/tieuchi 22 5")
    assert f"Chưa đạt:\n– {NGHI_HAI_NAME}\n\nChưa đến thời điểm xét:\n– {NGHI_HOA_NAME} (đủ điều kiện xét đạt)\n\nChưa trả lời:\n– " in text
    assert "• Chưa đến thời điểm xét: 1 (1 đủ điều kiện xét đạt)" in text


async def test_a_report_handed_in_after_the_deadline_but_before_closing_is_taken_and_marked_late(offices: OpenOffice) -> None:
    late = await offices(now=NOV_20_2023 + timedelta(days=7))  # 27/11/2023: past the deadline of 25/11, open until 10/12
    supervisor = await late.person("sv", "Đỗ Minh Quân", ("NA-CL", Role.SUPERVISOR))
    await late.submit(NGHI_HAI)
    assert "\n⏰ Nộp muộn, sau hạn 25/11/2023.\n" in await supervisor.send("/donvi Nghi Hai")
    on_time = await offices()
    supervisor = await on_time.person("sv", "Đỗ Minh Quân", ("NA-CL", Role.SUPERVISOR))
    await on_time.submit(NGHI_HAI)
    assert "Nộp muộn" not in await supervisor.send("/donvi Nghi Hai")


async def test_one_units_deadline_is_extended_audited_told_and_its_reminders_follow(office: Office) -> None:
    officer = await office.person("officer", "Nguyễn Văn An", (NGHI_HAI, Role.REPORTER))
    supervisor = await office.person("sv", "Đỗ Minh Quân", ("NA-CL", Role.SUPERVISOR))
    await officer.send("/baocao")
    await play(supervisor, [
        ("/giahan Nghi Hai", "Hãy ghi tên đơn vị và hạn mới, ví dụ /giahan Nghi Hải 05/12/2023.", ""),
        ("/giahan 02/12/2023", "Hãy ghi tên đơn vị và hạn mới", ""),
        ("/giahan Nghi Hai 31/11/2023", "Không có ngày 31/11/2023.", ""),
        ("/giahan Nghi Hai 20/11/2023", "Chỉ có thể gia hạn, không rút ngắn: ngày 20/11/2023 sớm hơn hạn chung của đợt (25/11/2023).", ""),
        ("/giahan Nghi Hai 11/12/2023", f"{TITLE_2023} kết thúc ngày 10/12/2023; chỉ có thể gia hạn muộn nhất đến ngày đó.", ""),
        ("/giahan Nghi Hai 25/11", "Hạn nộp của đơn vị này đã là ngày 25/11/2023; không có gì thay đổi.", ""),
        ("/giahan Không Có 02/12", "Không tìm thấy đơn vị", ""),
        ("/giahan Nghi Hai 02/12", f"⏳ Hạn nộp báo cáo của {NGHI_HAI_NAME} — {TITLE_2023} nay là ngày 02/12/2023 (trước đó là 25/11/2023; hạn chung của đợt: 25/11/2023).\nViệc nhắc hạn đối với đơn vị này theo hạn mới.", "ExtendDeadline RecordAudit Send"),
        ("/donvi Nghi Hai", "⏳ Gia hạn riêng cho đơn vị — Hạn nộp: thứ Bảy, 02/12/2023 (còn 12 ngày)", ""),
        ("/lichsu Nghi Hai", "Đỗ Minh Quân: đặt hạn nộp của đơn vị là 02/12/2023 (trước đó là 25/11/2023)", ""),
    ])  # fmt: skip
    [(chat_id, notice, _state)] = await office.outbox(MessageKind.NOTICE)
    assert (chat_id, notice) == (officer.chat_id, f"⏳ Hạn nộp báo cáo “{TITLE_2023}” của {NGHI_HAI_NAME} nay là ngày 02/12/2023.")
    assert "02/12/2023" in await officer.send("/tiendo")

    reminders = ReminderService(office.store, CATALOG.form, SETTINGS.zone)
    keys = {slot.key for _campaign, slot in await reminders.slots(office.clock.now()) if slot.campaign_code == CAMPAIGN}
    assert keys == {
        f"so-ket-2023/report_due{series}/{when}" for series in ("", "@2023-12-02") for when in ("-7d", "-3d", "-1d", "-0d", "overdue")
    }
    await reminders.fire("so-ket-2023/report_due/overdue", datetime(2023, 11, 26, 8, 0, tzinfo=SETTINGS.zone))
    assert await office.outbox(MessageKind.OVERDUE) == []  # the others are late; Nghi Hải is not
    digest = (await office.outbox(MessageKind.DIGEST))[-1][1]
    assert NGHI_HOA_NAME in digest and NGHI_HAI_NAME not in digest, digest
    await reminders.fire("so-ket-2023/report_due@2023-12-02/-1d", datetime(2023, 12, 1, 8, 0, tzinfo=SETTINGS.zone))
    [(chat_id, reminder, _state)] = await office.outbox(MessageKind.REMINDER)
    assert chat_id == officer.chat_id and "Hạn nộp: thứ Bảy, 02/12/2023 (còn 1 ngày)" in reminder
    await play(supervisor, [
        ("/giahan Nghi Hai 25/11/2023", "nay là ngày 25/11/2023 (trước đó là 02/12/2023", "ExtendDeadline RecordAudit Send"),
    ])  # fmt: skip
    assert not [slot for _campaign, slot in await reminders.slots(office.clock.now()) if "@" in slot.key]


async def test_a_sheet_of_invites_for_every_unit_comes_as_a_file_whose_codes_work(offices: OpenOffice, tmp_path: Path) -> None:
    office = await offices(files=tmp_path)
    await office.person("officer", "Nguyễn Văn An", (NGHI_HAI, Role.REPORTER))  # linked: needs no code
    supervisor = await office.person("sv", "Đỗ Minh Quân", ("NA-CL", Role.SUPERVISOR))
    async with office.store() as uow:  # a person the province named, as `baocao people import` leaves them
        await uow.invites.create(NGHI_HOA, Role.REPORTER, NOV_20_2023 + timedelta(days=3), NOV_20_2023, full_name="Phan Thị Hoa")
    await play(supervisor, [("/moi tất cả Không Có", "Không tìm thấy đơn vị", "")])
    issued = await supervisor.send("/moi tất cả")  # until the last open campaign closes:
    assert "mã mời cho Thị xã Cửa Lò (1 mã cho người được tỉnh ghi tên), hiệu lực đến 23:59 15/08/2024." in issued
    effects = [type(effect).__name__ for effect in supervisor.results[-1].effects]
    assert effects[0] == "WithdrawInvites" and effects[-1] == "RecordAudit" and set(effects[1:-1]) == {"CreateInvite"}
    sheet = supervisor.replies[-1].attachment
    assert sheet is not None and sheet.name == "Mã mời - Thị xã Cửa Lò.pdf" and Path(sheet.path).parent == tmp_path / "exports"
    text = "\n".join(page.extract_text() for page in pypdf.PdfReader(sheet.path).pages)
    async with office.store() as uow:
        pending = await uow.invites.pending([office.store.unit_id(unit.code) for unit in CUA_LO_UNITS], office.clock.now())
    codes = {invite.code: invite for invite in pending}
    assert len(codes) == len(effects) - 2 and all(f"/start {code}" in text for code in codes)
    assert "Phan Thị Hoa" in text and NGHI_HOA_NAME in text and NGHI_HAI_NAME not in text
    hoa = next(code for code, invite in codes.items() if invite.full_name == "Phan Thị Hoa")
    newcomer = Chat(office, "hoa", name="hoa_nghihoa")
    assert f"Liên kết thành công: tài khoản này báo cáo cho {NGHI_HOA_NAME}" in await newcomer.send(f"/start {hoa}")

    again = await supervisor.send("/moi tất cả")
    assert f"Các mã đã cấp trước đó tại đây ({len(codes) - 1}) không còn hiệu lực." in again
    old = next(code for code in codes if code != hoa)
    assert "Liên kết thành công" not in await Chat(office, "late", name="x").send(f"/start {old}")


async def test_guitin_shows_an_administrator_each_channel_s_month_against_its_quota(office: Office) -> None:
    office.service = build_service(office.store, CATALOG, SETTINGS, office.clock, quotas={"zalo_bot": Quota(3000, 50), "telegram": Quota()})
    admin = await office.person("ad", "Lê Văn Tỉnh", ("NA", Role.ADMIN))
    supervisor = await office.person("sv", "Đỗ Minh Quân", ("NA-CL", Role.SUPERVISOR))
    await office.store.add_usage("zalo_bot", "2023-11", 2400)
    await office.store.add_usage("telegram", "2023-11", 120)
    await office.store.add_usage("zalo_bot", "2023-10", 2999)  # last month's: not this month's count
    # 20 November: 20 of 30 days gone, so 2.400 become 3.600 by the month's end.
    await play(admin, [("/guitin", ("Tin nhắn đã gửi trong tháng này, so với hạn mức của từng nền tảng:\n"
        "• Telegram: 120 tin nhắn trong tháng 11/2023 (không giới hạn theo tháng) · dự kiến đến cuối tháng: 180 · người dùng đã liên kết: 2\n"
        "• Zalo: 2.400/3.000 tin nhắn trong tháng 11/2023 (80%) · dự kiến đến cuối tháng: 3.600 · người dùng đã liên kết: 0/50"), "")])  # fmt: skip
    assert "hạn mức" not in await supervisor.send("/guitin")  # what the plan costs is the administrators' business


async def test_without_a_named_campaign_the_open_one_then_the_next_then_the_last_closed_is_taken_and_named(offices: OpenOffice) -> None:
    for now, campaign, where in (
        (NOV_20_2023, TITLE_2023, "đang mở, hạn nộp 25/11/2023"),
        (datetime(2024, 1, 15, 9, 0, tzinfo=SETTINGS.zone), TITLE_2024, "bắt đầu ngày 01/06/2024"),  # 2023's deadline is nearer, but it closed
        (datetime(2026, 11, 28, 9, 0, tzinfo=SETTINGS.zone), TITLE_2024, "đã kết thúc ngày 15/08/2024"),
    ):
        office = await offices(now=now)
        supervisor = await office.person("sv", "Đỗ Minh Quân", ("NA-CL", Role.SUPERVISOR))
        chosen = f"\n\nĐợt: {campaign} ({where})"
        for command in ("/tinhhinh", "/chuanop", "/donvi Nghi Hai", "/guitin"):
            reply = await supervisor.send(command)
            assert reply.endswith(chosen), (now, command, reply)
        assert "Đợt:" not in await supervisor.send("/tinhhinh 2023")  # a campaign named is not announced
        assert "Đợt:" not in await supervisor.send("/donvi Không Có")  # a question back names no campaign


async def test_a_closed_campaign_reads_as_closed_with_what_was_handed_in_by_then(offices: OpenOffice) -> None:
    office = await offices(now=datetime(2026, 11, 28, 9, 0, tzinfo=SETTINGS.zone))
    await office.submit(NGHI_HAI)
    supervisor = await office.person("sv", "Đỗ Minh Quân", ("NA-CL", Role.SUPERVISOR))
    closed = "Đã kết thúc ngày 10/12/2023 (hạn nộp là 25/11/2023)"
    await play(supervisor, [
        ("/tinhhinh 2023", f"{closed}\nSố liệu dưới đây là các báo cáo đã nộp đến thời điểm kết thúc.", ""),
        ("/tinhhinh 2023", "• Công an phường: 01/07 đã nộp", ""),
        ("/tinhhinh 2023", "0 đã duyệt · 6 không nộp", ""),
        ("[Không nộp]", f"Không nộp — {TITLE_2023} (đã kết thúc ngày 10/12/2023): 17 đơn vị (trang 1/2)", ""),
        ("/chuanop 2023", f"Không nộp — {TITLE_2023} (đã kết thúc ngày 10/12/2023)", ""),
        ("/donvi Nghi Hoa 2023", closed, ""),
        ("/nhacnho 2023", f"Đợt “{TITLE_2023}” đã kết thúc ngày 10/12/2023; không nhắc hạn các đơn vị nữa.", ""),
        ("/giahan Nghi Hoa 20/12/2023 2023", f"Đợt “{TITLE_2023}” đã kết thúc ngày 10/12/2023; không thể thay đổi hạn nộp nữa.", ""),
    ])  # fmt: skip
    for command in ("/tinhhinh 2023", "/chuanop 2023", "/donvi Nghi Hoa 2023", "/tinhhinh", "/donvi Nghi Hai"):
        assert "quá hạn" not in await supervisor.send(command), command
    assert await office.outbox(MessageKind.MANUAL) == []


async def test_tieuchi_names_the_first_twenty_units_of_a_status_and_counts_the_rest(office: Office) -> None:
    """Cửa Lò's communes, 25 more loaded and enrolled, none answered: a list a messenger can carry."""
    await office.store.add_units([UnitSpec(f"XA-CL-THEM{n:02d}", f"Xã thêm {n:02d}", "xa", "NA-CL", False) for n in range(25)])
    async with office.store() as uow:
        await load_campaign(uow, CATALOG.campaigns[CAMPAIGN])
    supervisor = await office.person("sv", "Đỗ Minh Quân", ("NA-CL", Role.SUPERVISOR))
    text = await supervisor.send("/tieuchi 34 1 2023")
    assert "• Chưa trả lời: 31" in text, text
    unanswered = text.split("Chưa trả lời:\n")[1].splitlines()
    assert len(unanswered) == 21 and all(line.startswith("– ") for line in unanswered[:20]), unanswered
    assert unanswered[20] == "và 11 đơn vị khác"
    names = [line.removeprefix("– ") for line in unanswered[:20]]
    assert names == sorted(names, key=fold)
