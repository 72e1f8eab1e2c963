"""Long polling that loses nothing: every fetched update is stored before Telegram forgets it.

getUpdates confirms everything below the offset it is called with. python-telegram-bot's own
Updater confirms an update as soon as it is queued, so a crash drops whatever was queued but
not yet handled. Here a batch is first written to the inbox table, and only then is the next
getUpdates (which confirms it) sent; at start-up the inbox is drained before polling resumes.

The batch is taken as JSON, not as python-telegram-bot's objects: one update the library cannot
read (a field a newer or older Bot API leaves out) would otherwise fail the whole call, every
time, and the offset would never move. Each update is read on its own when it is handled, and
one that cannot be read is recorded as failed, its JSON kept in the inbox.
"""

from __future__ import annotations

import asyncio
import logging
import warnings
from typing import Any

from telegram import Bot
from telegram.error import NetworkError, RetryAfter, TimedOut
from telegram.warnings import PTBUserWarning

from handlers.channel import Intake
from handlers.telegram.parse import retry_seconds

__all__ = ["READ_MARGIN", "TelegramPoller"]

log = logging.getLogger(__name__)

READ_MARGIN = 10.0
"""Seconds a long poll may take beyond its own timeout before the connection counts as lost."""


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
                updates = await self.fetch(offset)
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
            await self.intake.take(updates)
            ids = [update["update_id"] for update in updates if isinstance(update.get("update_id"), int)]
            if ids:
                offset = max(ids) + 1

    async def fetch(self, offset: int | None) -> list[dict[str, Any]]:
        """The next batch, as JSON objects (anything else in it is dropped and logged)."""
        parameters: dict[str, Any] = {"timeout": self.poll_timeout, "allowed_updates": self.allowed_updates}
        if offset is not None:
            parameters["offset"] = offset
        with warnings.catch_warnings():  # PTB suggests get_updates, which is what cannot be used here
            warnings.filterwarnings("ignore", category=PTBUserWarning)
            batch = await self.bot.do_api_request("getUpdates", api_kwargs=parameters, read_timeout=self.poll_timeout + READ_MARGIN)
        if not isinstance(batch, list):
            log.error("getUpdates answered %.300r, not a list of updates", batch)
            return []
        updates = [update for update in batch if isinstance(update, dict)]
        if len(updates) < len(batch):
            log.error("getUpdates answered %d entries that are not updates: %.300r", len(batch) - len(updates), batch)
        return updates
