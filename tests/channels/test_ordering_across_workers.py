"""One chat's updates taken by two workers (two intakes on one database, as two processes behind
one address are): the later update waits until the earlier one, held by the other worker, is
handled, however long that worker renews its hold; an update whose hold ran out is taken over."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from bot.base.clock import ShiftedClock, SystemClock
from bot.base.effects import TurnResult
from handlers.channel import Payload, Received
from handlers.inbox import HOLD, SWEPT_BACK, TransactionalInbox
from handlers.intake import ChannelIntake
from handlers.ordering import ChatOrderedDispatcher
from harness.statements import counting_statements
from harness.waiting import eventually, quiet_period
from storage.unit_of_work import UnitOfWorkFactory


class HeldChannel:
    """Reads updates {"id", "chat"}; the update named in `held` is read only once `release` is set."""

    name = "fake"
    label = "Fake"

    def __init__(self, read: list[str], held: str = "", release: asyncio.Event | None = None) -> None:
        self.read = read
        self.held = held
        self.release = release or asyncio.Event()

    def identify(self, payload: Payload) -> tuple[str, str] | None:
        return str(payload["id"]), str(payload["chat"])

    async def parse(self, payload: Payload) -> Received | None:
        if payload["id"] == self.held:
            await self.release.wait()
        self.read.append(str(payload["id"]))
        return None  # handled as ignored: what matters here is when

    async def render(self, chat_id: str, response: TurnResult, context: Any = None) -> None:
        raise AssertionError("nothing is answered")


def worker(uow_factory: UnitOfWorkFactory, channel: HeldChannel, clock: Any = None) -> ChannelIntake:
    inbox = TransactionalInbox(uow_factory, clock or SystemClock(), shared=True)
    return ChannelIntake(channel, None, inbox, ChatOrderedDispatcher())  # type: ignore[arg-type]


async def take(intake: ChannelIntake, payloads: Sequence[dict[str, str]]) -> None:
    await intake.take(payloads)


async def test_a_later_update_at_another_worker_waits_for_the_earlier_one(uow_factory: UnitOfWorkFactory) -> None:
    read: list[str] = []
    release = asyncio.Event()
    first = worker(uow_factory, HeldChannel(read, held="u1", release=release))
    second = worker(uow_factory, HeldChannel(read))
    await take(first, [{"id": "u1", "chat": "c"}])
    await take(second, [{"id": "u2", "chat": "c"}, {"id": "v1", "chat": "other"}])
    await eventually(lambda: bool(read), "another chat's update read")
    await quiet_period(0.3)  # for u2, which must wait
    assert read == ["v1"]  # another chat goes on; u2 waits for u1, which the first worker holds
    release.set()
    await first.drain()
    await second.drain()
    assert read == ["v1", "u1", "u2"]


async def test_an_earlier_update_nobody_holds_any_more_is_handled_first_by_the_worker_with_a_later_one(uow_factory: UnitOfWorkFactory) -> None:
    read: list[str] = []
    stuck = HeldChannel(read, held="u1")
    dead = worker(uow_factory, stuck)  # its worker dies holding u1
    await take(dead, [{"id": "u1", "chat": "c"}])
    later = SystemClock().now() + HOLD + timedelta(seconds=1)
    alive = worker(uow_factory, HeldChannel(read), clock=ShiftedClock(later))
    await take(alive, [{"id": "u2", "chat": "c"}])
    await alive.drain()
    assert read == ["u1", "u2"]
    assert await unhandled(uow_factory) == []
    stuck.release.set()
    await dead.drain()


async def test_a_worker_takes_over_what_a_dead_one_left_and_nothing_it_holds_itself(uow_factory: UnitOfWorkFactory) -> None:
    read: list[str] = []
    stuck = HeldChannel(read, held="u1")
    dead = worker(uow_factory, stuck)
    await take(dead, [{"id": "u1", "chat": "c"}, {"id": "u2", "chat": "c"}])
    own_release = asyncio.Event()
    alive = worker(uow_factory, HeldChannel(read, held="w1", release=own_release))
    await take(alive, [{"id": "w1", "chat": "other"}])
    assert await alive.inbox.let_go("fake") == []  # not yet: their hold runs on
    alive.inbox.clock = ShiftedClock(SystemClock().now() + HOLD + timedelta(seconds=1))
    await alive.take_over()  # u1 and u2, in order; w1 is its own, held
    await eventually(lambda: len(read) >= 2, "the updates taken over read")
    assert read == ["u1", "u2"]
    own_release.set()
    await alive.drain()
    assert read == ["u1", "u2", "w1"]
    assert await unhandled(uow_factory) == []
    stuck.release.set()
    await dead.drain()
    assert read == ["u1", "u2", "w1", "u1", "u2"]  # had it only been slow: it reads them again, too late to count
    assert await unhandled(uow_factory) == []


async def unhandled(uow_factory: UnitOfWorkFactory) -> list[str]:
    async with uow_factory() as uow:
        return [item.update_id for item in await uow.inbox.pending("fake")]


async def test_an_update_with_nothing_earlier_to_wait_for_is_found_so_as_it_is_stored(uow_factory: UnitOfWorkFactory) -> None:
    read: list[str] = []
    alone = worker(uow_factory, HeldChannel(read))
    with counting_statements(uow_factory) as statements:
        await take(alone, [{"id": "u1", "chat": "c"}, {"id": "u2", "chat": "c"}, {"id": "w1", "chat": "d"}])
        stored = len(statements)
        await alone.drain()
    assert sorted(read) == ["u1", "u2", "w1"] and read.index("u1") < read.index("u2")
    # u1 and w1 came first in their chats: their turns asked nothing more; u2 asked once.
    inbox_reads = [s for s in statements[stored:] if s.lstrip().upper().startswith("SELECT") and "inbox" in s]
    assert len(inbox_reads) == 1


async def test_the_look_for_let_go_updates_reads_minutes_back_and_a_restart_takes_the_rest(uow_factory: UnitOfWorkFactory) -> None:
    read: list[str] = []
    stuck = HeldChannel(read, held="u1")
    dead = worker(uow_factory, stuck)
    await take(dead, [{"id": "u1", "chat": "c"}])
    long_after = SystemClock().now() + HOLD + SWEPT_BACK + timedelta(seconds=1)
    alive = worker(uow_factory, HeldChannel(read), clock=ShiftedClock(long_after))
    assert await alive.inbox.let_go("fake") == []
    await alive.resume()  # what a worker does as it starts
    await alive.drain()
    assert read == ["u1"] and await unhandled(uow_factory) == []
    stuck.release.set()
    await dead.drain()


async def test_a_worker_that_renews_its_hold_keeps_its_update_however_long_it_waits(uow_factory: UnitOfWorkFactory) -> None:
    read: list[str] = []
    release = asyncio.Event()
    slow = worker(uow_factory, HeldChannel(read, held="u1", release=release))  # u1 waits behind a long queue
    await take(slow, [{"id": "u1", "chat": "c"}])
    slow.inbox.clock = ShiftedClock(SystemClock().now() + HOLD)
    await slow.keep_holding()  # as it does every RENEW: now held until 2 × HOLD from the start
    later = SystemClock().now() + HOLD + timedelta(seconds=1)
    alive = worker(uow_factory, HeldChannel(read), clock=ShiftedClock(later))
    assert await alive.inbox.let_go("fake") == []
    await take(alive, [{"id": "u2", "chat": "c"}])
    await quiet_period(0.3)
    assert read == []  # u2 waits for u1, which the slow worker still holds
    release.set()
    await slow.drain()
    await alive.drain()
    assert read == ["u1", "u2"]  # u1 read once: nobody took it over
