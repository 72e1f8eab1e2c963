"""A file the Telegram channel sends goes from disk a chunk at a time and arrives whole: a
workbook through the outbox, a chart in a reply; sent again whole after a 429; not sent again
when its answer comes after TELEGRAM_FILE_TIMEOUT.

The real channel and python-telegram-bot (httpx) against the fake Bot API, which takes the
multipart upload over HTTP and keeps the bytes it received.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from telegram.error import TimedOut

from bot.base.conversation import ConversationState
from bot.base.effects import TurnResult
from bot.base.events import Attachment, Reply
from bot.base.outbox import MessageKind, OutboxMessage
from handlers.channel import DELIVERED
from handlers.telegram.channel import TelegramChannel
from harness.fakes import FakeBotApi
from harness.waiting import quiet_period
from tests.telegram_channel import telegram_channel
from tests.traced_memory import peak_while

TOKEN = "4243:FILES"
USER = 5006
FILE_TIMEOUT = 0.5
LATE = 1.5  # the fake answers this long after taking the file: well past the channel's wait
WORKBOOK = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MIB = 1024 * 1024

pytestmark = pytest.mark.usefixtures("ptb_timedelta")


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi(token=TOKEN) as server:
        server.user(USER)
        yield server


@pytest.fixture
async def channel(api: FakeBotApi, tmp_path: Path) -> AsyncIterator[TelegramChannel]:
    async with telegram_channel(api, tmp_path, TELEGRAM_FILE_TIMEOUT=FILE_TIMEOUT) as telegram:
        yield telegram


def file_of(path: Path, size: int) -> bytes:
    """`size` random bytes written to `path`: no compression on the way could shrink them."""
    content = os.urandom(size)
    path.write_bytes(content)
    return content


def received(api: FakeBotApi, kind: str) -> list[tuple[str | None, bytes]]:
    """(name, bytes) of each file of `kind` ("document" or "photo") that reached the user."""
    files = []
    for message in api.users[USER].messages:
        if kind in message:
            meta = message["document"] if kind == "document" else message["photo"][-1]
            stored = api.file(meta["file_id"])
            assert stored is not None
            files.append((meta.get("file_name"), stored.data))
    return files


async def test_a_workbook_sent_through_the_outbox_arrives_whole_and_is_never_held_whole(
    api: FakeBotApi, channel: TelegramChannel, tmp_path: Path
) -> None:
    content = file_of(tmp_path / "workbook.xlsx", 8 * MIB)
    reply = Reply("Báo cáo tổng hợp:", attachment=Attachment(str(tmp_path / "workbook.xlsx"), "Báo cáo - Tỉnh Nghệ An.xlsx", WORKBOOK))
    message = OutboxMessage(key="export/1", person_id=1, channel="telegram", chat_id=str(USER), reply=reply, kind=MessageKind.EXPORT)
    result, peak = await peak_while(channel.send(message))
    assert result == DELIVERED
    assert received(api, "document") == [("Báo cáo - Tỉnh Nghệ An.xlsx", content)]
    # The fake keeps the one copy it received; the file read whole, then copied into the
    # socket's buffer, came to twice its size and more.
    assert peak < 1.25 * len(content), f"{peak / MIB:.1f} MiB held at once for {len(content) / MIB:.0f} MiB"


async def test_a_chart_in_a_reply_is_shown_as_a_photo_and_arrives_whole(
    api: FakeBotApi, channel: TelegramChannel, tmp_path: Path
) -> None:
    content = b"\x89PNG\r\n\x1a\n" + file_of(tmp_path / "random", 300_000)
    (tmp_path / "chart.png").write_bytes(content)
    reply = Reply("Biểu đồ tiến độ:", attachment=Attachment(str(tmp_path / "chart.png"), "Biểu đồ.png", "image/png"))
    await channel.render(str(USER), TurnResult(ConversationState(), [reply]))
    assert [data for _name, data in received(api, "photo")] == [content]


async def test_a_file_refused_for_rate_is_sent_again_whole_once(api: FakeBotApi, channel: TelegramChannel, tmp_path: Path) -> None:
    content = file_of(tmp_path / "report.docx", 2 * MIB)
    api.fail_next("sendDocument", 429, "Too Many Requests: retry after 1", retry_after=1)
    reply = Reply("Báo cáo:", attachment=Attachment(str(tmp_path / "report.docx"), "Báo cáo.docx", WORKBOOK))
    await channel.render(str(USER), TurnResult(ConversationState(), [reply]))
    assert [data for _name, data in received(api, "document")] == [content]
    assert [request.status for request in api.requests if request.method == "sendDocument"] == [429, 200]


async def test_a_file_answered_after_the_file_timeout_is_not_sent_again(api: FakeBotApi, channel: TelegramChannel, tmp_path: Path) -> None:
    content = file_of(tmp_path / "report.docx", MIB)
    api.answer_late(USER, LATE, "sendDocument")
    reply = Reply("Báo cáo:", attachment=Attachment(str(tmp_path / "report.docx"), "Báo cáo.docx", WORKBOOK))
    with pytest.raises(TimedOut):
        await channel.render(str(USER), TurnResult(ConversationState(), [reply]))
    await quiet_period(LATE)  # a second copy, had one been sent, would have landed by now
    assert [data for _name, data in received(api, "document")] == [content]
