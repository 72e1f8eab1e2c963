"""Webhook delivery as Zalo does it: each event is POSTed as JSON to the bot's URL with the
secret in `X-Bot-Api-Secret-Token`, one at a time, in order.

How often and how long Zalo retries a refused push is not documented; the fake tries a few
times, a moment apart, then drops the event so it cannot hold up every later one.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import NamedTuple

import aiohttp

from .zalo_updates import QueuedEvent, ZaloUpdateQueue, now_ms

SECRET_HEADER = "X-Bot-Api-Secret-Token"
PUSH_ATTEMPTS = 3
RETRY_DELAY = 0.1
"""Seconds between attempts: short, so tests of a failing receiver stay fast."""
NO_ANSWER = 0


class PushAttempt(NamedTuple):
    message_id: str
    status: int
    """The receiver's HTTP status, or NO_ANSWER when it could not be reached."""


class ZaloWebhookPusher:
    def __init__(self, updates: ZaloUpdateQueue) -> None:
        self._updates = updates
        self._task: asyncio.Task[None] | None = None
        self.url = ""
        """Where events go; empty while the bot polls."""
        self.secret = ""
        self.updated_at = 0
        """When the webhook was last set or deleted, in ms, as getWebhookInfo reports it."""
        self.attempts: list[PushAttempt] = []

    def set(self, url: str, secret: str) -> None:
        self._cancel()
        self.url, self.secret, self.updated_at = url, secret, now_ms()
        self._task = asyncio.create_task(self._push_events())

    def delete(self) -> None:
        self._cancel()
        self.url, self.secret, self.updated_at = "", "", now_ms()

    async def close(self) -> None:
        """Stop pushing and wait until the pusher has let go of its HTTP session."""
        task = self._task
        self._cancel()
        if task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def _cancel(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None

    async def _push_events(self) -> None:
        # The event leaves the queue only once pushed, so deleting the webhook mid-push hands
        # it to getUpdates instead of losing it.
        timeout = aiohttp.ClientTimeout(total=5)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            while not self._updates.closed:
                if await self._updates.wait(timeout=1.0):
                    event = self._updates.peek()
                    await self._push(session, event)
                    self._updates.discard(event)

    async def _push(self, session: aiohttp.ClientSession, event: QueuedEvent) -> None:
        headers = {SECRET_HEADER: self.secret}
        for attempt in range(PUSH_ATTEMPTS):
            if attempt:
                await asyncio.sleep(RETRY_DELAY)
            status = NO_ANSWER
            with contextlib.suppress(aiohttp.ClientError, TimeoutError):
                async with session.post(self.url, json=event.payload, headers=headers) as answer:
                    status = answer.status
            self.attempts.append(PushAttempt(event.message_id, status))
            if 200 <= status < 300:
                return
