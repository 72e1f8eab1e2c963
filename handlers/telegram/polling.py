"""Long polling that loses nothing: every fetched update is stored before Telegram forgets it.

getUpdates confirms everything below the offset it is called with. python-telegram-bot's own
Updater confirms an update as soon as it is queued, so a crash drops whatever was queued but
not yet handled. Here a batch is first written to the inbox table, and only then is the next
getUpdates (which confirms it) sent; at start-up the inbox is drained before polling resumes.
"""

from __future__ import annotations

import asyncio
import logging

from telegram import Bot
from telegram.error import NetworkError, RetryAfter, TimedOut

from handlers.channel import Intake
from handlers.telegram.parse import retry_seconds

__all__ = ["TelegramPoller"]

log = logging.getLogger(__name__)


class TelegramPoller:
    def __init__(self, bot: Bot, intake: Intake, allowed_updates: list[str], poll_timeout: int = 25) -> None:
        self.bot = bot
        self.intake = intake
        self.allowed_updates = allowed_updates
        self.poll_timeout = poll_timeout

    async def run(self) -> None:
        """Polls until cancelled."""
        await self.bot.delete_webhook()
        offset: int | None = None
        failures = 0
        while True:
            try:
                updates = await self.bot.get_updates(
                    offset=offset, timeout=self.poll_timeout, allowed_updates=self.allowed_updates
                )
                failures = 0
            except RetryAfter as error:
                await asyncio.sleep(retry_seconds(error))
                continue
            except (TimedOut, NetworkError) as error:
                failures += 1
                delay = min(30.0, 0.5 * 2**failures)
                log.warning("getUpdates failed (%s); retrying in %.1f s", error, delay)
                await asyncio.sleep(delay)
                continue
            await self.intake.take([update.to_dict() for update in updates])
            if updates:
                offset = updates[-1].update_id + 1
