"""End to end, notices: an officer told that their report was approved hears it through the
outbox. A crash between the commit and the send delays the notice and never loses or doubles it;
a notice that cannot be delivered is in the ledger, not lost in a log.

The real `baocao run` process talks to the fake Bot API; outbox claims are taken back after
two seconds (BAOCAO_OUTBOX_LEASE_SECONDS), so the crashed sender's message goes out soon after
the restart.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import pytest
import pytest_asyncio
from sqlalchemy import select

from harness.bot_process import DEMO_NOW, BotProcess, Officer, demo_bot
from harness.fakes import FakeBotApi
from harness.waiting import quiet_period
from storage.database import create_engine
from storage.machinery_models import OutboxRow
from storage.unit_of_work import UnitOfWorkFactory
from tests.report_moves import submit

pytestmark = pytest.mark.asyncio(loop_scope="module")

CAMPAIGN = "so-ket-2023"
SUPERVISOR, NGHI_HAI_OFFICER, NGHI_HOA_OFFICER = 8101, 8102, 8103
APPROVED_NOTICE = "✅ Báo cáo của {unit} — Sơ kết công tác xây dựng đơn vị điển hình, kiểu mẫu năm 2023 đã được duyệt."
NOTICES_LINE = "Thông báo cho cán bộ (trả lại, duyệt): "


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi(token="8100:NOTICES") as server:
        yield server


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def bot(api: FakeBotApi, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[BotProcess]:
    async with demo_bot(api, tmp_path_factory.mktemp("notices"), BAOCAO_OUTBOX_LEASE_SECONDS="2") as process:
        yield process


async def link(api: FakeBotApi, bot: BotProcess, user_id: int, unit: str, role: str = "reporter") -> Officer:
    invite = json.loads(await bot.cli("invite", "--unit", unit, "--role", role, "--json"))
    officer = Officer(api.user(user_id, f"Người {user_id}"), bot)
    await officer.command("start", "Liên kết thành công", args=invite["code"])
    return officer


async def submitted(bot: BotProcess, unit_code: str) -> tuple[int, str]:
    """Hands in the unit's report through storage, as if its officer had; (report id, unit name)."""
    now = datetime.fromisoformat(DEMO_NOW)
    database = create_engine(bot.database_url)
    try:
        async with UnitOfWorkFactory(database)() as uow:
            unit = next(u for u in await uow.units.units() if u.code == unit_code)
            report = await uow.reports.open_unit(CAMPAIGN, unit.id, now)
            assert report is not None
            await submit(uow, report.id, None, now)
        return report.id, unit.name
    finally:
        await database.dispose()


async def notice_rows(bot: BotProcess) -> list[Any]:
    database = create_engine(bot.database_url)
    try:
        async with UnitOfWorkFactory(database)() as uow:
            return list(
                await uow.session.execute(
                    select(OutboxRow.chat_id, OutboxRow.state, OutboxRow.attempts, OutboxRow.error)
                    .where(OutboxRow.kind == "notice")
                    .order_by(OutboxRow.id)
                )
            )
    finally:
        await database.dispose()


def texts(api: FakeBotApi, user_id: int, fragment: str) -> list[str]:
    return [m["text"] for m in api.user(user_id).messages if fragment in (m.get("text") or "")]


async def test_a_notice_caught_in_flight_by_a_crash_arrives_once_after_the_restart(
    api: FakeBotApi, bot: BotProcess
) -> None:
    supervisor = await link(api, bot, SUPERVISOR, "NA-CL", "supervisor")
    await link(api, bot, NGHI_HAI_OFFICER, "CAP-CL-NGHIHAI")
    _report, unit = await submitted(bot, "CAP-CL-NGHIHAI")
    caught = api.hold_sends(NGHI_HAI_OFFICER)

    await supervisor.command("duyet", f"Duyệt báo cáo của {unit}", args="CAP-CL-NGHIHAI")
    await supervisor.press("✅ Xác nhận duyệt", f"✅ Đã duyệt báo cáo của {unit}")
    await caught.arrived()  # committed, and the notice is on the wire
    await bot.kill()
    caught.drop()  # the request dies with the process: Telegram never delivered it
    assert texts(api, NGHI_HAI_OFFICER, "đã được duyệt") == []
    assert [(row.state, row.attempts) for row in await notice_rows(bot)] == [("sending", 1)]

    await bot.start()
    officer = Officer(api.user(NGHI_HAI_OFFICER), bot)
    await officer.expect(APPROVED_NOTICE.format(unit=unit))
    await quiet_period(3)  # longer than the lease: nothing is sent again
    assert texts(api, NGHI_HAI_OFFICER, "đã được duyệt") == [APPROVED_NOTICE.format(unit=unit)]
    assert [(row.chat_id, row.state, row.attempts) for row in await notice_rows(bot)] == [
        (str(NGHI_HAI_OFFICER), "sent", 2)
    ]


async def test_a_notice_to_an_officer_who_blocked_the_bot_is_recorded_as_blocked(
    api: FakeBotApi, bot: BotProcess
) -> None:
    supervisor = Officer(api.user(SUPERVISOR), bot)
    await link(api, bot, NGHI_HOA_OFFICER, "CAP-CL-NGHIHOA")
    _report, unit = await submitted(bot, "CAP-CL-NGHIHOA")
    api.block(NGHI_HOA_OFFICER)

    await supervisor.command("duyet", f"Duyệt báo cáo của {unit}", args="CAP-CL-NGHIHOA")
    await supervisor.press("✅ Xác nhận duyệt", f"✅ Đã duyệt báo cáo của {unit}")

    async def officers_rows() -> list[Any]:
        return [row for row in await notice_rows(bot) if row.chat_id == str(NGHI_HOA_OFFICER)]

    async def tried() -> bool:
        return any(row.state not in ("pending", "sending") for row in await officers_rows())

    await bot.until(tried, "the notice tried")
    rows = await officers_rows()
    assert [(row.state, row.attempts) for row in rows] == [("blocked", 1)]
    assert "blocked" in rows[0].error
    ledger = await supervisor.command("guitin", NOTICES_LINE)
    notices = next(line for line in ledger["text"].splitlines() if line.startswith(NOTICES_LINE))
    assert notices == NOTICES_LINE + "2 · đã gửi 1 · đang chờ 0 · không liên lạc được 1 · lỗi khác 0"
