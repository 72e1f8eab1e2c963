"""End to end, a Zalo bot's monthly quota: the real `baocao run` process against the fake Zalo Bot
API, with ZALO_BOT_MONTHLY_QUOTA=10 and seven messages already counted this month (as the
workers' counters left them). An officer's replies take it to 80 % and 100 %: the administrator
is told of each once; the 08:00 reminder then waits, and the officer's next reply still goes out.

The bot's clock starts at 07:59:47 on 18/11/2023, so the 7-days-before reminder of the 2023
review falls due 13 seconds in: after the 10th message (sent once the first flush has told of
80 %, about 6 seconds in), with room to spare on a busy machine. The workers' counts are flushed
every 5 seconds; the test waits for what each flush leaves in the database, never a fixed time.
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import pytest_asyncio

from harness.bot_process import BotProcess, DirectLink, link_directly
from harness.fakes import FakeBotApi
from harness.fakes.zalo_bot_api import FakeZaloBotApi

pytestmark = pytest.mark.asyncio(loop_scope="module")

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
START = datetime(2023, 11, 18, 7, 59, 47, tzinfo=ZONE)
ADMIN, OFFICER = "z-admin", "z-officer"
ALERT_80 = "Zalo đã gửi 8 trong số 10 tin nhắn mà gói dịch vụ cho phép trong tháng 11/2023 (80%)"
ALERT_100 = "Zalo đã gửi 10 trong số 10 tin nhắn mà gói dịch vụ cho phép trong tháng 11/2023 (100%)"
REMINDER = "⏰ Nhắc hạn"


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi(token="6200:QUOTA") as server:
        yield server


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def zalo() -> AsyncIterator[FakeZaloBotApi]:
    async with FakeZaloBotApi(token="987650001:quota-secret") as server:
        yield server


async def test_at_the_quota_reminders_wait_while_replies_go_out_and_admins_are_told_once(
    api: FakeBotApi, zalo: FakeZaloBotApi, tmp_path: Path
) -> None:
    database = tmp_path / "baocao.db"
    bot = BotProcess(api, tmp_path, f"sqlite+aiosqlite:///{database}", now=START.isoformat(), zalo=zalo,
                     extra_env={"ZALO_BOT_MONTHLY_QUOTA": "10", "ZALO_BOT_MAX_USERS": "50"})  # fmt: skip
    await bot.prepare_demo()
    await link_directly(bot.database_url, [
        DirectLink(ADMIN, "Lê Văn Tỉnh", ("NA",), role="admin", channel="zalo_bot"),
        DirectLink(OFFICER, "Nguyễn Văn An", ("CAP-CL-NGHIHAI",), channel="zalo_bot"),
    ], START)  # fmt: skip
    with sqlite3.connect(database) as db:
        db.execute("INSERT INTO message_usage (channel, month, sent, alerted_percent) VALUES ('zalo_bot', '2023-11', 7, 0)")
    zalo.user(ADMIN, "Lê Văn Tỉnh")
    officer = zalo.user(OFFICER, "Nguyễn Văn An")

    def said(user: str, fragment: str) -> int:
        return sum(fragment in (m.get("text") or "") for m in zalo.users[user].messages)

    await bot.start()
    try:
        officer.send_text("/trogiup")  # the 8th message
        await bot.until(lambda: said(ADMIN, ALERT_80) == 1, "the 80 % alert")  # the 9th
        officer.send_text("/trogiup")  # the 10th
        await bot.until(lambda: said(ADMIN, ALERT_100) == 1, "the 100 % alert")  # the 11th
        held = ("pending", "the channel's monthly quota is used up")
        await bot.until(lambda: outbox_states(database).get("reminder") == held, "the 08:00 reminder held by the sender")
        assert said(OFFICER, REMINDER) == 0

        replies = len(officer.messages)
        officer.send_text("/trogiup")  # a reply is never held by the quota
        await bot.until(lambda: len(officer.messages) > replies, "the officer's reply over the quota")
        # A flush more, one that counts that reply: still held, no alert again.
        await bot.until(lambda: counted_in(database)[0] == 7 + sent(zalo), "the reply over the quota counted")
        assert said(ADMIN, ALERT_80) == said(ADMIN, ALERT_100) == 1 and said(OFFICER, REMINDER) == 0
        assert outbox_states(database)["reminder"] == held
    finally:
        await bot.stop()
    for percent in (80, 100):  # every flush, the one at the stop included, told of each at most once
        assert bot.logs().count(f"({percent}% of its quota)") == 1, bot.logs()[-4000:]
    assert counted_in(database) == (7 + sent(zalo), 100)  # every message that went out was counted, by the stop at the latest


def sent(zalo: FakeZaloBotApi) -> int:
    """The messages Zalo carried out."""
    return sum(1 for request in zalo.requests if request.method == "sendMessage" and request.status == 200)


def counted_in(database: Path) -> tuple[int, int]:
    """The month's count and the highest threshold told of, as the last flush left them."""
    with sqlite3.connect(database) as db:
        row = db.execute("SELECT sent, alerted_percent FROM message_usage WHERE channel = 'zalo_bot'").fetchone()
    return int(row[0]), int(row[1])


def outbox_states(database: Path) -> dict[str, tuple[str, str | None]]:
    """The state and error of the newest outbox row of each kind."""
    with sqlite3.connect(database) as db:
        rows = db.execute("SELECT kind, state, error FROM outbox ORDER BY id").fetchall()
    return {kind: (state, error) for kind, state, error in rows}
