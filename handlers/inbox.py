"""The inbox as a channel's intake uses it: each call its own short transaction."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import timedelta

from bot.clock import Clock
from bot.ports import UnitOfWork
from bot.records import InboxItem

__all__ = ["KEEP_HANDLED", "TransactionalInbox"]

KEEP_HANDLED = timedelta(days=2)  # longer than Telegram keeps unconfirmed updates (24 h)


class TransactionalInbox:
    def __init__(self, unit_of_work: Callable[[], UnitOfWork], clock: Clock) -> None:
        self.unit_of_work = unit_of_work
        self.clock = clock

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
