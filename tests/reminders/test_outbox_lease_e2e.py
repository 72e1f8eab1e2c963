"""End to end, an outbox row keeps its claim for as long as its send goes on, and only so long:
two workers' senders on one database (SQLite, and PostgreSQL when configured), each with the
real Telegram channel against the fake Bot API, on a lease of LEASE seconds. A workbook whose
upload outlasts the lease arrives once; a sender that dies mid-send has its row taken back
once the lease has run out, and the message arrives once.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator, Callable
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Row, select

from bot.base.clock import ShiftedClock
from bot.base.events import Attachment, Reply
from bot.base.outbox import MessageKind, OutboxMessage
from handlers.channel import Shared
from handlers.outbox_sender import OutboxSender
from handlers.telegram.channel import TelegramChannel
from handlers.telegram.settings import TelegramSettings
from harness.fakes import FakeBotApi
from harness.waiting import eventually, quiet_period
from storage.machinery_models import OutboxRow
from storage.models import Chat
from tests.service_harness import Harness

pytestmark = pytest.mark.usefixtures("ptb_timedelta")

TOKEN = "8400:LEASE"
SUPERVISOR = 8401
LEASE = timedelta(seconds=1.5)
UPLOAD = 3 * LEASE.total_seconds()  # the fake answers the upload this long after taking it
WORKBOOK = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

Senders = Callable[[], OutboxSender]


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi(token=TOKEN) as server:
        server.user(SUPERVISOR, "Đỗ Minh Quân")
        yield server


@pytest.fixture
async def worker(api: FakeBotApi, harness: Harness, tmp_path: Path) -> AsyncIterator[Senders]:
    """Makes one worker's sender after another, each with its own channel, all on one clock
    that runs in real time (the lease is kept, or lapses, in real seconds)."""
    settings = TelegramSettings.model_validate({
        "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": api.base_url, "TELEGRAM_FILE_BASE_URL": api.base_file_url,
        "TELEGRAM_PER_CHAT_INTERVAL": 0,
    })  # fmt: skip
    clock = ShiftedClock(harness.clock.now())
    channels: list[TelegramChannel] = []

    def sender() -> OutboxSender:
        channel = TelegramChannel(settings, Shared(tmp_path, 1_000_000))
        channels.append(channel)
        return OutboxSender(channel, harness.factory, clock, LEASE, idle_seconds=0.05)

    yield sender
    for channel in channels:
        await channel.stop()


async def queued(harness: Harness, reply: Reply) -> None:
    """The reply in the outbox for the supervisor's chat, as the export runner queues a file."""
    await harness.linked_chat(str(SUPERVISOR))
    async with harness.factory() as uow:
        person = await uow.session.scalar(select(Chat.person_id).where(Chat.chat_id == str(SUPERVISOR)))
        assert person is not None
        message = OutboxMessage(
            key="export/1", person_id=person, channel="telegram", chat_id=str(SUPERVISOR), reply=reply, kind=MessageKind.EXPORT
        )
        assert await uow.outbox.enqueue([message], harness.clock.now()) == 1


async def row(harness: Harness) -> Row[str, int, datetime | None, datetime | None]:
    """The one outbox row: state, attempts, claimed_at, sent_at."""
    async with harness.factory() as uow:
        found = await uow.session.execute(select(OutboxRow.state, OutboxRow.attempts, OutboxRow.claimed_at, OutboxRow.sent_at))
        [only] = found.all()
        return only


def documents(api: FakeBotApi) -> list[bytes]:
    return [stored.data for m in api.users[SUPERVISOR].messages if "document" in m and (stored := api.file(m["document"]["file_id"]))]


def texts(api: FakeBotApi) -> list[str]:
    return [m["text"] for m in api.users[SUPERVISOR].messages if "text" in m]


@contextlib.asynccontextmanager
async def running(sender: OutboxSender) -> AsyncIterator[asyncio.Task[None]]:
    task = asyncio.create_task(sender.run())
    try:
        yield task
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def test_a_workbook_whose_upload_outlasts_the_lease_arrives_once(
    api: FakeBotApi, harness: Harness, worker: Senders, tmp_path: Path
) -> None:
    content = os.urandom(1024 * 1024)
    (tmp_path / "workbook.xlsx").write_bytes(content)
    await queued(harness, Reply("Báo cáo tổng hợp:", attachment=Attachment(str(tmp_path / "workbook.xlsx"), "Tổng hợp.xlsx", WORKBOOK)))
    api.answer_late(SUPERVISOR, UPLOAD, "sendDocument")

    sending = asyncio.create_task(worker().send_due())
    await eventually(lambda: bool(documents(api)), "the upload reached the Bot API")
    async with running(worker()):  # another worker's sender, as during a change of leader
        assert await sending == 1  # the upload answered, three leases after its claim
        await quiet_period(2 * LEASE.total_seconds())  # a copy sent again would be on its way

    copies = documents(api)
    assert len(copies) == 1 and copies[0] == content, f"{len(copies)} copies"
    assert (await row(harness))[:2] == ("sent", 1)


async def test_a_sender_that_dies_mid_send_has_its_row_taken_back_a_lease_after_its_last_renewal(
    api: FakeBotApi, harness: Harness, worker: Senders
) -> None:
    await queued(harness, Reply("Báo cáo đã sẵn sàng."))
    caught = api.hold_sends(SUPERVISOR)
    dying = asyncio.create_task(worker().run())
    await caught.arrived()
    claimed = (await row(harness)).claimed_at

    async with running(worker()):  # another worker's sender
        await quiet_period(2 * LEASE.total_seconds())
        assert (await row(harness))[:2] == ("sending", 1)  # renewed, so left alone
        dying.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await dying
        caught.drop()  # the request died with its sender: Telegram never delivered it
        renewed = (await row(harness)).claimed_at
        await eventually(lambda: bool(texts(api)), "the row taken back and sent")
        await quiet_period(LEASE.total_seconds())

    assert texts(api) == ["Báo cáo đã sẵn sàng."]
    state, attempts, _claimed_at, sent_at = await row(harness)
    assert (state, attempts) == ("sent", 2)
    assert claimed is not None and renewed is not None and sent_at is not None
    assert renewed - claimed > LEASE  # the claim outlived its first lease, renewed
    assert sent_at - renewed >= LEASE  # and lapsed a lease after its last renewal
