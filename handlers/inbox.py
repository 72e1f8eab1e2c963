"""The inbox as a channel's intake uses it: each call its own short transaction."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from datetime import timedelta

from bot.clock import Clock
from bot.ports import UnitOfWork
from bot.records import InboxItem

__all__ = ["ABANDONED", "KEEP_HANDLED", "TransactionalInbox"]

log = logging.getLogger(__name__)

KEEP_HANDLED = timedelta(days=2)  # longer than Telegram keeps unconfirmed updates (24 h)
ABANDONED = timedelta(seconds=30)
"""An earlier update of the chat still unhandled after this long was dropped by a worker that
died: its turn comes when a worker resumes the inbox, and the chat goes on meanwhile."""
FIRST_WAIT, LONGEST_WAIT = 0.02, 0.5


class TransactionalInbox:
    def __init__(self, unit_of_work: Callable[[], UnitOfWork], clock: Clock, shared: bool = False) -> None:
        self.unit_of_work = unit_of_work
        self.clock = clock
        self.shared = shared
        """Whether other workers take updates from the same database (PostgreSQL): a chat's
        updates may then arrive at several of them, and each waits for the earlier ones."""

    async def wait_turn(self, channel: str, item: InboxItem) -> None:
        """Returns once no earlier update of the item's chat is still unhandled (another worker
        holds it), or once that one looks abandoned. A single worker orders each chat's updates
        in memory (handlers/ordering.py) and never waits here."""
        if not self.shared:
            return
        wait = FIRST_WAIT
        deadline = self.clock.now() + ABANDONED
        while True:
            now = self.clock.now()
            async with self.unit_of_work() as uow:
                waiting = await uow.inbox.earlier_unhandled(channel, item.update_id, item.chat_key, now - ABANDONED)
            if not waiting:
                return
            if now >= deadline:
                log.warning("%s: an earlier update of chat %s is still unhandled after %s; going on", channel, item.chat_key, ABANDONED)
                return
            await asyncio.sleep(wait)
            wait = min(LONGEST_WAIT, wait * 2)

    async def store(self, channel: str, items: Sequence[InboxItem]) -> list[str]:
        async with self.unit_of_work() as uow:
            return await uow.inbox.store(channel, items, self.clock.now())

    async def pending(self, channel: str) -> list[InboxItem]:
        """What was stored but never handled; old handled rows are pruned on the way."""
        async with self.unit_of_work() as uow:
            await uow.inbox.prune(channel, self.clock.now() - KEEP_HANDLED)
            return await uow.inbox.pending(channel)

    async def mark_processed(self, channel: str, update_id: str, outcome: str) -> None:
        async with self.unit_of_work() as uow:
            await uow.inbox.mark_processed(channel, update_id, outcome, self.clock.now())
