"""Supervisor dialogues as tables, at service level: the real ReportingService, wired by the
composition root, over the in-memory store, so no database and no process is started.

A row is (what the person sends, a fragment the reply must contain, the effects of the turn by
type, in order: "" for a turn that changes nothing). `[Label]` presses the button with that
label on the newest message that has buttons. After a table, the tests look at what the store
holds: the reports' status, the outbox rows for other people.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import datetime, timedelta

import pytest

from app.runtime import build_service
from bot.clock import FixedClock
from bot.effects import SaveAnswers
from bot.records import DeliveryState, MessageKind, Role
from bot.report import ReportStatus
from bot.service import ReportingService
from tests import report_moves
from tests.memory_store import MemoryStore
from tests.service_harness import (
    CAMPAIGNS,
    CATALOG,
    CUA_LO_UNITS,
    DEMO_UNITS,
    NGHI_HAI,
    NGHI_HAI_NAME,
    NOV_20_2023,
    SETTINGS,
    Chat,
)

CAMPAIGN = "so-ket-2023"
Row = tuple[str, str, str]


class Office:
    """Cửa Lò of the demo province in memory, the 2023 and 2024 campaigns enrolled."""

    def __init__(self, now: datetime = NOV_20_2023) -> None:
        self.store = MemoryStore()
        self.store.add_units(CUA_LO_UNITS)
        for spec in CAMPAIGNS:
            self.store.add_campaign(spec)
        self.clock = FixedClock(now)
        self.service: ReportingService = build_service(self.store, CATALOG, SETTINGS, self.clock)
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

    def outbox(self, kind: MessageKind) -> list[tuple[str, str, DeliveryState]]:
        """The rows of one kind: (chat, text, state)."""
        return [(m.chat_id, m.reply.text, state) for m, state in self.store.outbox_rows() if m.kind is kind]


async def play(chat: Chat, table: Sequence[Row]) -> None:
    for number, (line, fragment, effects) in enumerate(table, start=1):
        text = await chat.press(line[1:-1]) if line.startswith("[") and line.endswith("]") else await chat.send(line)
        assert fragment in text, f"row {number}: after {line!r} expected {fragment!r} in:\n{text}"
        done = " ".join(type(effect).__name__ for effect in chat.results[-1].effects)
        assert done == effects, f"row {number}: after {line!r} the effects were {done!r}, not {effects!r}"


@pytest.fixture
def office() -> Office:
    return Office()


async def test_reading_the_area_changes_nothing(office: Office) -> None:
    supervisor = await office.person("sv", "Đỗ Minh Quân", ("NA-CL", Role.SUPERVISOR))
    await play(supervisor, [
        ("/tinhhinh", "Phạm vi: Thị xã Cửa Lò", ""),
        ("/chuanop", "Chưa nộp — ", ""),
        ("/donvi Nghi Hai", f"📄 {NGHI_HAI_NAME} — ", ""),
        ("/tieuchi cap-22 5", "– Công an phường Nghi Hải (chưa trả lời)", ""),
        ("/lichsu NGHI HAI", f"Lịch sử báo cáo của {NGHI_HAI_NAME}", ""),
        ("/canbo", "Đỗ Minh Quân — cán bộ thẩm định — Thị xã Cửa Lò", ""),
        ("/guitin", "Nhắc hạn", ""),
    ])  # fmt: skip
    assert office.store.outbox_rows() == []


async def test_an_approval_moves_the_report_is_audited_and_tells_the_officer(office: Office) -> None:
    officer = await office.person("officer", "Nguyễn Văn An", (NGHI_HAI, Role.REPORTER))
    supervisor = await office.person("sv", "Đỗ Minh Quân", ("NA-CL", Role.SUPERVISOR))
    report_id = await office.submit(NGHI_HAI)
    await play(supervisor, [
        ("/duyet Nghi Hai", f"✅ Đã duyệt báo cáo của {NGHI_HAI_NAME}.", "MoveReport RecordAudit Send"),
        ("/duyet Nghi Hai", "chỉ báo cáo đã nộp mới", ""),
        ("/lichsu Nghi Hai", "Đỗ Minh Quân: đã duyệt báo cáo", ""),
    ])  # fmt: skip
    assert await office.status_of(report_id) is ReportStatus.APPROVED
    assert office.outbox(MessageKind.NOTICE) == [
        (officer.chat_id, f"✅ Báo cáo của {NGHI_HAI_NAME} đã được duyệt.", DeliveryState.PENDING)
    ]


async def test_a_return_is_picked_commented_and_reaches_the_officer(office: Office) -> None:
    officer = await office.person("officer", "Nguyễn Văn An", (NGHI_HAI, Role.REPORTER))
    supervisor = await office.person("sv", "Đỗ Minh Quân", ("NA-CL", Role.SUPERVISOR))
    report_id = await office.submit(NGHI_HAI)
    await play(supervisor, [
        ("/tralai Nghi Hai", "chọn những nội dung cần sửa", ""),
        ("[Tiếp tục ▶]", "Hãy chọn ít nhất một", ""),
        ("[Câu 3]", "Đã chọn: Câu 3.", ""),
        ("5", "Đã chọn: Câu 3, Câu 5.", ""),
        ("[Tiếp tục ▶]", "Bây giờ hãy viết", ""),
        ("Câu 3 cần ghi rõ số buổi.", "↩ Đã trả lại báo cáo", "MoveReport RecordAudit Send"),
        ("Một tin nhắn nữa", "", ""),
    ])  # fmt: skip
    assert await office.status_of(report_id) is ReportStatus.RETURNED
    [(chat_id, text, state)] = office.outbox(MessageKind.NOTICE)
    assert (chat_id, state) == (officer.chat_id, DeliveryState.PENDING)
    assert "Nhận xét: «Câu 3 cần ghi rõ số buổi.»" in text
    await play(officer, [("/baocao", "📋 Câu 3/", "")])


async def test_invites_people_and_a_revoked_access(office: Office) -> None:
    officer = await office.person("officer", "Nguyễn Văn An", (NGHI_HAI, Role.REPORTER))
    supervisor = await office.person("sv", "Đỗ Minh Quân", ("NA-CL", Role.SUPERVISOR))
    await play(supervisor, [("/moi Nghi Hai", f"Mã mời cho {NGHI_HAI_NAME}: ", "CreateInvite RecordAudit")])
    people = await supervisor.send("/canbo Nghi Hai")
    line = next(line for line in people.splitlines() if "Nguyễn Văn An" in line)
    number = line.split()[0].lstrip("#")
    await play(supervisor, [
        (f"/thuhoi {number}", f"Đã thu hồi quyền truy cập của Nguyễn Văn An đối với {NGHI_HAI_NAME}.", "RevokeGrant RecordAudit"),
        (f"/thuhoi {number}", "Không tìm thấy quyền truy cập này trong địa bàn", ""),
    ])  # fmt: skip
    await play(officer, [("/baocao", "chưa có báo cáo nào cần nộp", "")])


async def test_reminding_queues_one_message_per_officer_once_a_day(office: Office) -> None:
    officer = await office.person("officer", "Nguyễn Văn An", (NGHI_HAI, Role.REPORTER))
    supervisor = await office.person("sv", "Đỗ Minh Quân", ("NA-CL", Role.SUPERVISOR))
    first = await supervisor.send("/nhacnho")
    assert "Đã đưa 1 tin nhắc hạn vào hàng chờ gửi đến 1 đơn vị chưa nộp báo cáo." in first
    assert [type(e).__name__ for e in supervisor.results[-1].effects] == ["Send", "RecordAudit"]
    await play(supervisor, [
        ("/nhacnho", "1 đơn vị đã được nhắc trong hôm nay", ""),
        ("/guitin", "Đang chờ gửi: 1", ""),
    ])  # fmt: skip
    [(chat_id, text, state)] = office.outbox(MessageKind.MANUAL)
    assert (chat_id, state) == (officer.chat_id, DeliveryState.PENDING) and NGHI_HAI_NAME in text


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
    assert office.store.outbox_rows() == []


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
    office.store.add_units([unit for unit in DEMO_UNITS if unit.code == "NA-TH"])  # Thái Hòa, beside Cửa Lò
    supervisor = await office.person("sv", "Đỗ Minh Quân", ("NA-CL", Role.SUPERVISOR))
    for command in ("donvi", "duyet", "tralai", "lichsu", "moi"):
        await play(supervisor, [(f"/{command} NA-TH", "Không tìm thấy đơn vị nào khớp với «NA-TH» trong địa bàn.", "")])
    assert office.store.outbox_rows() == []
