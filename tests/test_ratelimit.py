"""The broadcast pacer keeps a global rate and one message per second per chat."""

from __future__ import annotations

import asyncio
import time

from handlers.ratelimit import LATENESS_ALLOWANCE, SendPacer


async def test_global_rate_and_per_chat_interval_hold_under_concurrency() -> None:
    pacer = SendPacer(per_second=50, per_chat_interval=0.2)
    sent: list[tuple[float, str]] = []

    async def send(chat: str) -> None:
        await pacer.acquire(chat)
        sent.append((time.monotonic(), chat))

    await asyncio.gather(*(send(f"c{i % 10}") for i in range(40)))
    times = sorted(t for t, _ in sent)
    # Consecutive sends may be up to the lateness allowance closer, never more.
    assert all(b - a >= 1 / 50 - LATENESS_ALLOWANCE - 0.002 for a, b in zip(times, times[1:]))
    for chat in {c for _, c in sent}:
        own = sorted(t for t, c in sent if c == chat)
        assert all(b - a >= 0.2 - 0.005 for a, b in zip(own, own[1:]))
    assert times[-1] - times[0] < 1.2


async def test_a_busy_chat_does_not_hold_up_the_others() -> None:
    pacer = SendPacer(per_second=100, per_chat_interval=0.5)
    await pacer.acquire("busy")
    started = time.monotonic()
    waiting = asyncio.create_task(pacer.acquire("busy"))
    await asyncio.sleep(0)
    await asyncio.gather(*(pacer.acquire(f"other{i}") for i in range(5)))
    assert time.monotonic() - started < 0.2
    await waiting
    assert time.monotonic() - started >= 0.45
