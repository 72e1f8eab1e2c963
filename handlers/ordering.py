"""Concurrency across chats, strict order within a chat.

A slow chat must not hold up the others, yet two messages of one officer must be applied in
the order they were sent. Each job waits for the previous job of its chat, then for a slot.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

__all__ = ["ChatOrderedDispatcher", "Job"]

log = logging.getLogger(__name__)

Job = Callable[[], Awaitable[None]]


class ChatOrderedDispatcher:
    def __init__(self, max_concurrent: int = 16) -> None:
        self._slots = asyncio.Semaphore(max_concurrent)
        self._tails: dict[str, asyncio.Task[None]] = {}

    def submit(self, key: str, job: Job) -> None:
        previous = self._tails.get(key)
        task = asyncio.create_task(self._run(previous, job))
        self._tails[key] = task
        task.add_done_callback(lambda done: self._forget(key, done))

    def _forget(self, key: str, done: asyncio.Task[None]) -> None:
        if self._tails.get(key) is done:
            del self._tails[key]

    async def _run(self, previous: asyncio.Task[None] | None, job: Job) -> None:
        if previous is not None:
            await asyncio.wait({previous})
        async with self._slots:
            try:
                await job()
            except Exception:
                log.exception("a chat job failed")

    async def drain(self) -> None:
        """Waits until every submitted job has finished."""
        while self._tails:
            await asyncio.wait(set(self._tails.values()))

    @property
    def busy(self) -> int:
        return len(self._tails)
