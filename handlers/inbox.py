"""The inbox as a channel's intake uses it: each call its own short transaction."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Collection, Sequence
from datetime import timedelta

from bot.base.clock import Clock
from bot.base.inbox import InboxItem
from bot.base.ports import UnitOfWork

__all__ = ["HOLD", "KEEP_HANDLED", "RENEW", "SWEPT_BACK", "TransactionalInbox"]

log = logging.getLogger(__name__)

KEEP_HANDLED = timedelta(days=7)
"""How long a handled update's id is remembered, so a redelivery is known: longer than Telegram
keeps unconfirmed updates (24 h), and the age up to which the Zalo OA takes a redelivered event
(handlers/zalo_oa/webhook.py), since Zalo redelivers for hours after an outage."""
HOLD = timedelta(seconds=30)
"""How long the worker that stored an update vouches it will handle it; it renews that every
RENEW while it holds the update. An update whose hold ran out was left by a worker that died:
a worker with a later update of the same chat handles it first, and any worker takes it over
when it looks for let-go updates (every RENEW)."""
RENEW = timedelta(seconds=10)
SWEPT_BACK = timedelta(minutes=10)
"""How far back a look for let-go updates goes: it reads minutes of the inbox, not the days it
keeps. Older ones wait for a worker to start (`pending`)."""
FIRST_WAIT, LONGEST_WAIT = 0.02, 0.5


class TransactionalInbox:
    def __init__(self, unit_of_work: Callable[[], UnitOfWork], clock: Clock, shared: bool = False) -> None:
        self.unit_of_work = unit_of_work
        self.clock = clock
        self.shared = shared
        """Whether the channel's updates may arrive at other workers too (webhooks behind one
        address, on one PostgreSQL database): each then waits for a chat's earlier ones."""
        self._first_in_line: set[str] = set()
        """Updates this worker stored with nothing earlier of their chat left to handle."""

    async def wait_turn(self, channel: str, item: InboxItem) -> list[InboxItem]:
        """Returns once no earlier update of the item's chat is still unhandled (another worker
        held it, and handled it): with nothing to do first; or once the hold on the earliest of
        them has run out: with those earlier updates, for this worker to handle first (their
        worker died; should it only have been stalled, the update log applies each once). A
        single worker orders each chat's updates in memory (handlers/ordering.py) and never
        waits here."""
        if not self.shared:
            return []
        if item.update_id in self._first_in_line:
            self._first_in_line.discard(item.update_id)
            return []
        wait = FIRST_WAIT
        while True:
            async with self.unit_of_work() as uow:
                earlier = await uow.inbox.earlier_unhandled(channel, item.update_id, item.chat_key)
            if not earlier:
                return []
            held_until = earlier[0].held_until
            if held_until is None or held_until <= self.clock.now():
                log.warning(
                    "%s: update %s of chat %s is unhandled and nobody holds it; taking it over with %d after it",
                    channel, earlier[0].update_id, item.chat_key, len(earlier) - 1,
                )
                return earlier
            await asyncio.sleep(wait)
            wait = min(LONGEST_WAIT, wait * 2)

    async def store(self, channel: str, items: Sequence[InboxItem]) -> list[str]:
        """Keeps the updates; returns the ids not stored before. Shared, it also finds in the same
        transaction which of them have no earlier update of their chat left to handle, so that
        their turn needs no transaction of its own to find out (an earlier update can only be
        stored earlier)."""
        now = self.clock.now()
        async with self.unit_of_work() as uow:
            fresh = await uow.inbox.store(channel, items, now, now + HOLD if self.shared else None)
            first_of_chat: dict[str, InboxItem] = {}
            if self.shared:
                stored = set(fresh)
                for item in items:
                    if item.update_id in stored:
                        first_of_chat.setdefault(item.chat_key, item)
            clear = [
                item.update_id
                for item in first_of_chat.values()
                if not await uow.inbox.earlier_unhandled(channel, item.update_id, item.chat_key)
            ]
        self._first_in_line.update(clear)
        return fresh

    async def pending(self, channel: str) -> list[InboxItem]:
        """What was stored but never handled; old handled rows are pruned on the way."""
        async with self.unit_of_work() as uow:
            await uow.inbox.prune(channel, self.clock.now() - KEEP_HANDLED)
            return await uow.inbox.pending(channel)

    async def hold(self, channel: str, update_ids: Collection[str]) -> None:
        """Renews this worker's hold on the updates it holds."""
        async with self.unit_of_work() as uow:
            await uow.inbox.hold(channel, update_ids, self.clock.now() + HOLD)

    async def let_go(self, channel: str) -> list[InboxItem]:
        """What is unhandled and no longer held (its hold ran out within SWEPT_BACK)."""
        now = self.clock.now()
        async with self.unit_of_work() as uow:
            return await uow.inbox.let_go(channel, now - SWEPT_BACK, now)

    async def mark_processed(self, channel: str, update_id: str, outcome: str) -> None:
        async with self.unit_of_work() as uow:
            await uow.inbox.mark_processed(channel, update_id, outcome, self.clock.now())
