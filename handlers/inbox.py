"""The inbox as a channel's poller uses it: each call its own short transaction."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bot.clock import Clock
from storage.unit_of_work import UnitOfWorkFactory

InboxItem = tuple[int, str, dict[str, Any]]
"""(update_id, chat key, the update as JSON): the chat key orders a chat's updates."""

KEEP_HANDLED = timedelta(days=2)  # longer than Telegram keeps unconfirmed updates (24 h)


class TransactionalInbox:
    def __init__(self, unit_of_work: UnitOfWorkFactory, clock: Clock) -> None:
        self.unit_of_work = unit_of_work
        self.clock = clock

    async def store(self, channel: str, items: list[InboxItem]) -> list[int]:
        async with self.unit_of_work() as uow:
            return await uow.inbox.store(channel, items, self.clock.now())

    async def pending(self, channel: str) -> list[InboxItem]:
        """What was stored but never handled; old handled rows are pruned on the way."""
        async with self.unit_of_work() as uow:
            await uow.inbox.prune(channel, self.clock.now() - KEEP_HANDLED)
            return await uow.inbox.pending(channel)

    async def mark_processed(self, channel: str, update_id: int, outcome: str) -> None:
        async with self.unit_of_work() as uow:
            await uow.inbox.mark_processed(channel, update_id, outcome, self.clock.now())
