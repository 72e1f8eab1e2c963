"""The broadcast pacer keeps a global rate and one message per second per chat.

The pacer runs on a virtual clock here (its `clock` and `sleep` are injected), so the tests
check exactly when each send was allowed, and a loaded machine cannot make them fail.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import Awaitable
from typing import Any

from handlers.pacer import LATENESS_ALLOWANCE, REPLY_DEBT_CEILING, SendPacer


class VirtualTime:
    """A clock that jumps to the earliest sleeper's wake-up time once every task is waiting."""

    def __init__(self) -> None:
        self.now = 0.0
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        woken: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self.now + max(seconds, 0.0), next(self._order), woken))
        await woken

    async def run(self, *work: Awaitable[Any]) -> None:
        everything = asyncio.gather(*work)
        while not everything.done():
            for _ in range(50):  # let every runnable task run until it sleeps or ends
                await asyncio.sleep(0)
            if self._sleepers and not everything.done():
                wake_at, _order, woken = heapq.heappop(self._sleepers)
                self.now = max(self.now, wake_at)
                woken.set_result(None)
        await everything


async def test_global_rate_and_per_chat_interval_hold_under_concurrency() -> None:
    time = VirtualTime()
    pacer = SendPacer(per_second=50, per_chat_interval=0.2, clock=time.clock, sleep=time.sleep)
    sent: list[tuple[float, str]] = []

    async def send(chat: str) -> None:
        await pacer.acquire(chat)
        sent.append((time.now, chat))

    await time.run(*(send(f"c{i % 10}") for i in range(40)))
    times = sorted(t for t, _ in sent)
    assert len(times) == 40
    assert all(b - a >= pacer.interval - LATENESS_ALLOWANCE for a, b in itertools.pairwise(times))
    for chat in {c for _, c in sent}:
        own = sorted(t for t, c in sent if c == chat)
        assert all(b - a >= pacer.per_chat_interval - 1e-9 for a, b in itertools.pairwise(own))


async def test_a_busy_chat_does_not_hold_up_the_others() -> None:
    time = VirtualTime()
    pacer = SendPacer(per_second=100, per_chat_interval=0.5, clock=time.clock, sleep=time.sleep)
    await pacer.acquire("busy")
    order: list[str] = []

    async def send(chat: str) -> None:
        await pacer.acquire(chat)
        order.append(chat)

    await time.run(send("busy"), *(send(f"other{i}") for i in range(5)))
    # The five others went out at the global rate while the busy chat waited out its interval.
    assert order == [f"other{i}" for i in range(5)] + ["busy"]
    assert time.now >= pacer.per_chat_interval


async def test_a_pause_after_429_holds_every_chat() -> None:
    time = VirtualTime()
    pacer = SendPacer(per_second=100, per_chat_interval=0.0, clock=time.clock, sleep=time.sleep)
    pacer.pause(3.0)
    await time.run(pacer.acquire("any"))
    assert time.now >= 3.0


async def test_replies_beyond_the_rate_hold_broadcasts_back_a_second_at_most() -> None:
    """A flood of conversation replies (twice the rate, for a minute) leaves the outbox's next
    send at most a second away once it ends, not as far as every reply's slot would add up to."""
    time = VirtualTime()
    pacer = SendPacer(per_second=25, per_chat_interval=1.0, clock=time.clock, sleep=time.sleep)
    for tick in range(60 * 50):
        time.now = tick / 50
        pacer.note(f"officer-{tick % 500}")
    flood_ended = time.now
    sent: list[float] = []

    async def broadcast() -> None:
        await pacer.acquire("supervisor")
        sent.append(time.now)

    await time.run(broadcast())
    assert flood_ended < sent[0] <= flood_ended + REPLY_DEBT_CEILING
