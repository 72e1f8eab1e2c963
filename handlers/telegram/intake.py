"""From a received update to its handling: stored in the inbox first, then dispatched in
chat order. Polling and the webhook both feed updates through here."""

from __future__ import annotations

import logging
from typing import Protocol

from telegram import Update
from telegram.ext import Application

from handlers.inbox import InboxItem
from handlers.ordering import ChatOrderedDispatcher
from handlers.telegram.parse import CHANNEL, chat_key

log = logging.getLogger(__name__)


class UpdateInbox(Protocol):
    async def store(self, channel: str, items: list[InboxItem]) -> list[int]: ...

    async def pending(self, channel: str) -> list[InboxItem]: ...

    async def mark_processed(self, channel: str, update_id: int, outcome: str) -> None: ...


class Intake:
    def __init__(self, application: Application, inbox: UpdateInbox, dispatcher: ChatOrderedDispatcher) -> None:
        self.application = application
        self.inbox = inbox
        self.dispatcher = dispatcher

    async def resume(self) -> None:
        """Handles what was stored but never handled before the last stop."""
        left_over = await self.inbox.pending(CHANNEL)
        if left_over:
            log.info("resuming %d stored updates", len(left_over))
        for _update_id, _key, payload in left_over:
            self.dispatch(Update.de_json(payload, self.application.bot))

    async def take(self, updates: list[Update]) -> None:
        """Stores a batch, then dispatches the ones not seen before."""
        if not updates:
            return
        fresh = set(await self.inbox.store(CHANNEL, [(u.update_id, chat_key(u) or "", u.to_dict()) for u in updates]))
        for update in updates:
            if update.update_id in fresh:
                self.dispatch(update)

    def dispatch(self, update: Update) -> None:
        async def process() -> None:
            await self.application.process_update(update)
            await self.inbox.mark_processed(CHANNEL, update.update_id, "ok")

        self.dispatcher.submit(chat_key(update) or "", process)

    async def drain(self) -> None:
        await self.dispatcher.drain()
