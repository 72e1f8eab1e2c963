"""Messages counted across workers (SQLite and PostgreSQL): each worker counts in memory, through
its channels' pacers, and adds its counts to one row per channel and month; each learns every
worker's total at its flush, and of two workers crossing a threshold together one tells."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.base.clock import FixedClock
from bot.base.events import Reply
from bot.base.outbox import MessageKind, OutboxMessage
from bot.delivery.usage import Quota
from handlers.pacer import SendPacer
from handlers.usage import RECHECK, UsageCounter
from storage.database import create_engine
from storage.message_usage import SqlUsageLedger
from storage.unit_of_work import UnitOfWorkFactory

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
LAST_EVENING = datetime(2023, 11, 30, 23, 59, tzinfo=ZONE)  # still November in Hà Nội (16:59 UTC)


class Worker:
    """One worker's counter and the pacers of its two channels, sharing `clock`."""

    def __init__(self, uow_factory: UnitOfWorkFactory, clock: FixedClock, told: list[tuple[str, Mapping[str, str]]]) -> None:
        async def alert(topic: str, message: str, fields: Mapping[str, str]) -> None:
            told.append((topic, fields))

        self.counter = UsageCounter(SqlUsageLedger(uow_factory.engine), clock, ZONE, alert)
        self.zalo = SendPacer(1000, 0, counted=self.counter.meter("zalo_bot", "Zalo", Quota(monthly=10, max_users=50)))
        self.telegram = SendPacer(1000, 0, counted=self.counter.meter("telegram", "Telegram", Quota()))


def reminder(channel: str) -> OutboxMessage:
    return OutboxMessage("r/1", 1, channel, "c-1", Reply("⏰"), kind=MessageKind.REMINDER)


async def sent(uow_factory: UnitOfWorkFactory, month: str) -> dict[str, int]:
    async with uow_factory() as uow:
        return dict(await uow.usage.sent(month))


async def test_two_workers_count_into_one_row_per_channel_and_month(uow_factory: UnitOfWorkFactory) -> None:
    clock = FixedClock(LAST_EVENING)
    told: list[tuple[str, Mapping[str, str]]] = []
    first, second = Worker(uow_factory, clock, told), Worker(uow_factory, clock, told)
    for _ in range(3):
        first.zalo.note("chat-1")  # replies
    await first.zalo.acquire("chat-2")  # an outbox piece
    second.zalo.note("chat-3")
    for _ in range(2):
        await second.telegram.acquire("chat-4")
    await asyncio.gather(first.counter.flush(), second.counter.flush())
    assert await sent(uow_factory, "2023-11") == {"zalo_bot": 5, "telegram": 2}
    # Each knows the others' counts as of its own last flush.
    await asyncio.gather(first.counter.flush(), second.counter.flush())
    assert first.counter.sent("zalo_bot", clock.now()) == second.counter.sent("zalo_bot", clock.now()) == 5

    clock.instant = LAST_EVENING + timedelta(minutes=2)  # December has begun in Hà Nội
    first.zalo.note("chat-1")
    await first.counter.flush()
    await first.counter.flush()  # nothing new: adds nothing
    assert await sent(uow_factory, "2023-12") == {"zalo_bot": 1, "telegram": 0}
    assert await sent(uow_factory, "2023-11") == {"zalo_bot": 5, "telegram": 2}
    assert told == []


async def test_thresholds_are_told_once_each_whichever_worker_flushes(uow_factory: UnitOfWorkFactory) -> None:
    clock = FixedClock(LAST_EVENING)
    told: list[tuple[str, Mapping[str, str]]] = []
    first, second = Worker(uow_factory, clock, told), Worker(uow_factory, clock, told)
    for _ in range(4):
        first.zalo.note("a")
        second.zalo.note("b")
    await asyncio.gather(first.counter.flush(), second.counter.flush())  # 8 of 10: 80 %
    await asyncio.gather(first.counter.flush(), second.counter.flush())
    assert [topic for topic, _fields in told] == ["quota/zalo_bot/2023-11/80"]
    assert told[0][1] == {"channel": "Zalo", "sent": "8", "quota": "10", "percent": "80", "month": "11/2023"}
    assert first.counter.held(reminder("zalo_bot")) is None

    first.zalo.note("a")
    second.zalo.note("b")
    assert second.counter.held(reminder("zalo_bot")) is None  # 9 known to this worker until it flushes
    await asyncio.gather(first.counter.flush(), second.counter.flush())
    await asyncio.gather(first.counter.flush(), second.counter.flush())
    assert [topic for topic, _fields in told] == ["quota/zalo_bot/2023-11/80", "quota/zalo_bot/2023-11/100"]
    # At 100 %: reminders wait (here until the month turns, a minute away), the rest goes on.
    assert first.counter.held(reminder("zalo_bot")) == timedelta(minutes=1)
    clock.instant = LAST_EVENING - timedelta(hours=2)
    assert first.counter.held(reminder("zalo_bot")) == RECHECK
    notice = OutboxMessage("n/1", 1, "zalo_bot", "c-1", Reply("✅"), kind=MessageKind.NOTICE)
    assert first.counter.held(notice) is None and first.counter.held(reminder("telegram")) is None


async def test_counts_a_failed_flush_could_not_write_are_kept_for_the_next(uow_factory: UnitOfWorkFactory) -> None:
    clock = FixedClock(LAST_EVENING)
    worker = Worker(uow_factory, clock, [])
    worker.zalo.note("a")
    healthy = worker.counter.ledger
    worker.counter.ledger = SqlUsageLedger(create_engine("sqlite+aiosqlite:////nonexistent-folder/usage.db"))
    await worker.counter.flush()  # logged, kept
    worker.counter.ledger = healthy
    worker.zalo.note("a")
    await worker.counter.flush()
    assert await sent(uow_factory, "2023-11") == {"zalo_bot": 2, "telegram": 0}

