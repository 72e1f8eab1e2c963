"""Chats run concurrently; one chat's updates run strictly in the order they arrived."""

from __future__ import annotations

import asyncio
import random

from handlers.ordering import ChatOrderedDispatcher


async def test_each_chat_in_order_while_chats_overlap() -> None:
    dispatcher = ChatOrderedDispatcher(max_concurrent=8)
    seen: dict[str, list[int]] = {}
    running = 0
    most_at_once = 0
    rng = random.Random(7)

    def job(chat: str, n: int, delay: float):  # type: ignore[no-untyped-def]
        async def run() -> None:
            nonlocal running, most_at_once
            running += 1
            most_at_once = max(most_at_once, running)
            await asyncio.sleep(delay)
            seen.setdefault(chat, []).append(n)
            running -= 1

        return run

    for n in range(30):
        for chat in ("a", "b", "c", "d"):
            dispatcher.submit(chat, job(chat, n, rng.uniform(0, 0.004)))
    await dispatcher.drain()
    assert seen == {chat: list(range(30)) for chat in "abcd"}
    assert 1 < most_at_once <= 4
    assert dispatcher.busy == 0


async def test_a_failing_job_does_not_stop_its_chat() -> None:
    dispatcher = ChatOrderedDispatcher()
    done: list[int] = []

    async def fail() -> None:
        raise RuntimeError("boom")

    async def ok() -> None:
        done.append(1)

    dispatcher.submit("a", fail)
    dispatcher.submit("a", ok)
    await dispatcher.drain()
    assert done == [1]
