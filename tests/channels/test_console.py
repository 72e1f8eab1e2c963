"""The terminal console shows the whole loop: a supervisor's console lists what a turn sent to
other people ("→" lines), and an officer's console prints what the outbox holds for it."""

from __future__ import annotations

import asyncio
import contextlib
import io
from datetime import timedelta
from pathlib import Path

import pytest

from bot.records import Role
from handlers.console import CHANNEL, ConsoleChannel
from handlers.outbox_sender import OutboxSender
from storage.unit_of_work import UnitOfWorkFactory
from tests.service_harness import NGHI_HAI, NGHI_HAI_NAME, Harness

APPROVED_NOTICE = f"✅ Báo cáo của {NGHI_HAI_NAME} — Sơ kết công tác xây dựng đơn vị điển hình, kiểu mẫu năm 2023 đã được duyệt."


@pytest.fixture
async def harness(uow_factory: UnitOfWorkFactory) -> Harness:
    harness = Harness(uow_factory)
    await harness.seed()
    return harness


async def console(
    harness: Harness, name: str, unit: str, role: Role, files: Path
) -> tuple[ConsoleChannel, io.StringIO]:
    out = io.StringIO()
    channel = ConsoleChannel(harness.service, f"console-{role}", files, {"telegram": "Telegram"}, out=out, display_name=name)
    now = harness.clock.now()
    async with harness.factory() as uow:
        invite = await uow.invites.create(unit, role, now + timedelta(days=1), now)
    await channel.send_line(f"/start {invite.code}")
    return channel, out


async def test_the_supervisors_console_shows_the_notice_and_the_officers_console_prints_it(
    harness: Harness, tmp_path: Path
) -> None:
    officer, officer_out = await console(harness, "Nguyễn Văn An", NGHI_HAI, Role.REPORTER, tmp_path)
    supervisor, supervisor_out = await console(harness, "Đỗ Minh Quân", "NA-CL", Role.SUPERVISOR, tmp_path)
    await harness.submit(NGHI_HAI)

    await supervisor.send_line(f"/duyet {NGHI_HAI}")
    await supervisor.send_line("xác nhận duyệt")
    assert f"→ gửi Nguyễn Văn An (console): {APPROVED_NOTICE}" in supervisor_out.getvalue()
    assert APPROVED_NOTICE not in officer_out.getvalue()

    sender = OutboxSender(officer, harness.factory, harness.clock, timedelta(seconds=30), chat_id=officer.chat_id)
    sending = asyncio.create_task(sender.run())
    try:
        async with asyncio.timeout(10):
            while APPROVED_NOTICE not in officer_out.getvalue():
                await asyncio.sleep(0.02)
    finally:
        sending.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await sending
    # The supervisor's console prints only what is addressed to its own chat.
    assert supervisor_out.getvalue().count(APPROVED_NOTICE) == 1
    async with harness.factory() as uow:
        assert await uow.outbox.claim(10, harness.clock.now(), CHANNEL, chat_id=officer.chat_id) == []
