"""Webhook delivery as Telegram does it: each queued update is POSTed to the bot's URL with
the secret header, in order, and retried until the bot answers 2xx."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import aiohttp

from .updates import UpdateQueue

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


class WebhookPusher:
    def __init__(self, updates: UpdateQueue) -> None:
        self._updates = updates
        self._task: asyncio.Task[None] | None = None
        self.url: str | None = None
        self.secret: str | None = None
        self.attempts: list[tuple[int, int]] = []
        """(update_id, HTTP status or 0 for no answer) of every delivery attempt."""

    def set(self, url: str, secret: str | None) -> None:
        self.stop()
        self.url, self.secret = url, secret
        self._task = asyncio.create_task(self._push())

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None
        self.url = None

    async def _push(self) -> None:
        offset: int | None = None
        headers = {SECRET_HEADER: self.secret} if self.secret else {}
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as session:
            while True:
                for update in await self._updates.get(offset=offset, limit=100, timeout=1, allowed_updates=None):
                    await self._deliver(session, update, headers)
                    offset = update["update_id"] + 1

    async def _deliver(self, session: aiohttp.ClientSession, update: dict[str, Any], headers: dict[str, str]) -> None:
        assert self.url is not None
        for _ in range(200):
            status = 0
            with contextlib.suppress(aiohttp.ClientError, TimeoutError):
                async with session.post(self.url, json=update, headers=headers) as response:
                    status = response.status
            self.attempts.append((update["update_id"], status))
            if 200 <= status < 300:
                return
            await asyncio.sleep(0.2)
