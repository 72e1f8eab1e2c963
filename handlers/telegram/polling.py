"""Long polling that loses nothing: every fetched update is stored before Telegram forgets it.

getUpdates confirms everything below the offset it is called with. python-telegram-bot's own
Updater confirms an update as soon as it is queued, so a crash drops whatever was queued but
not yet handled. Here a batch is first written to the inbox table, and only then is the next
getUpdates (which confirms it) sent; at start-up the inbox is drained before polling resumes.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Protocol

from telegram import Update
from telegram.error import NetworkError, RetryAfter, TimedOut
from telegram.ext import Application

from handlers.ordering import ChatOrderedDispatcher
from handlers.telegram.channel import ALLOWED_UPDATES
from handlers.telegram.parse import CHANNEL, chat_key

log = logging.getLogger(__name__)

InboxItem = tuple[int, str, dict[str, Any]]


class UpdateInbox(Protocol):
    async def store(self, channel: str, items: list[InboxItem]) -> list[int]: ...

    async def pending(self, channel: str) -> list[InboxItem]: ...

    async def mark_processed(self, channel: str, update_id: int, outcome: str) -> None: ...


class TelegramPoller:
    def __init__(
        self,
        application: Application,
        inbox: UpdateInbox,
        dispatcher: ChatOrderedDispatcher,
        poll_timeout: int = 25,
    ) -> None:
        self.application = application
        self.inbox = inbox
        self.dispatcher = dispatcher
        self.poll_timeout = poll_timeout

    async def run(self) -> None:
        """Polls until cancelled; on cancellation waits for the updates already dispatched."""
        bot = self.application.bot
        await bot.delete_webhook()
        left_over = await self.inbox.pending(CHANNEL)
        if left_over:
            log.info("resuming %d stored updates", len(left_over))
        for _update_id, _key, payload in left_over:
            self.dispatch(Update.de_json(payload, bot))
        offset: int | None = None
        failures = 0
        try:
            while True:
                try:
                    updates = await bot.get_updates(
                        offset=offset, timeout=self.poll_timeout, allowed_updates=ALLOWED_UPDATES
                    )
                    failures = 0
                except RetryAfter as error:
                    await asyncio.sleep(_seconds(error.retry_after))
                    continue
                except (TimedOut, NetworkError) as error:
                    failures += 1
                    delay = min(30.0, 0.5 * 2**failures)
                    log.warning("getUpdates failed (%s); retrying in %.1f s", error, delay)
                    await asyncio.sleep(delay)
                    continue
                if not updates:
                    continue
                fresh = set(
                    await self.inbox.store(
                        CHANNEL, [(u.update_id, chat_key(u) or "", u.to_dict()) for u in updates]
                    )
                )
                offset = updates[-1].update_id + 1
                for update in updates:
                    if update.update_id in fresh:
                        self.dispatch(update)
        finally:
            await self.dispatcher.drain()

    def dispatch(self, update: Update) -> None:
        async def process() -> None:
            await self.application.process_update(update)
            await self.inbox.mark_processed(CHANNEL, update.update_id, "ok")

        self.dispatcher.submit(chat_key(update) or "", process)


def _seconds(retry_after: object) -> float:
    total = getattr(retry_after, "total_seconds", None)
    return float(total()) if callable(total) else float(retry_after)  # type: ignore[arg-type]
