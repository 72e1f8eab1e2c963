"""From a received update to its handling, for every channel alike: stored in the inbox first,
then handled in chat order, each update in one transaction of the service, and only then
answered. Polling and webhooks both feed updates through here."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from bot.base.conversation import ConversationState
from bot.base.effects import TurnResult
from bot.base.events import Reply
from bot.base.i18n import N_, translations
from bot.base.inbox import InboxItem
from bot.service import ReportingService
from handlers.channel import Channel, Payload
from handlers.inbox import TransactionalInbox
from handlers.ordering import ChatOrderedDispatcher

__all__ = ["FAILED", "IGNORED", "SORRY", "ChannelIntake"]

log = logging.getLogger(__name__)

FAILED = "failed"
IGNORED = "ignored"
SORRY = N_("Sorry, something went wrong and this message was not saved. Please send it again.")


class ChannelIntake:
    def __init__(
        self,
        channel: Channel,
        service: ReportingService,
        inbox: TransactionalInbox,
        dispatcher: ChatOrderedDispatcher,
        on_outbox: Callable[[], None] = lambda: None,
    ) -> None:
        self.channel = channel
        self.service = service
        self.inbox = inbox
        self.dispatcher = dispatcher
        self.on_outbox = on_outbox  # wakes the outbox senders when a turn queued a message
        self.holding: set[str] = set()
        """Updates dispatched here and not yet handled."""

    async def resume(self) -> None:
        """Handles what was stored but never handled before the last stop."""
        left_over = await self.inbox.pending(self.channel.name)
        if left_over:
            log.info("%s: resuming %d stored updates", self.channel.name, len(left_over))
        for item in left_over:
            self.dispatch(item)

    async def keep_holding(self) -> None:
        """Renews the hold on the updates this worker holds, so that no other takes them over
        while they wait their turn here; with several workers only."""
        if self.holding:
            await self.inbox.hold(self.channel.name, list(self.holding))

    async def take_over(self) -> None:
        """Handles the updates another worker stored and let go unhandled (it died before their
        turn) that no later update of their chat brought up; with several workers only."""
        left = [item for item in await self.inbox.let_go(self.channel.name) if item.update_id not in self.holding]
        if left:
            log.warning("%s: taking over %d updates another worker left unhandled", self.channel.name, len(left))
        for item in left:
            self.dispatch(item)

    async def take(self, payloads: Sequence[Payload]) -> None:
        """Stores a batch, then dispatches the updates not seen before."""
        items = []
        for payload in payloads:
            identity = self.channel.identify(payload)
            if identity is None:
                log.warning("%s: dropped something that is not an update: %.300r", self.channel.name, payload)
                continue
            items.append(InboxItem(identity[0], identity[1], payload))
        if not items:
            return
        fresh = set(await self.inbox.store(self.channel.name, items))
        for item in items:
            if item.update_id in fresh:
                self.dispatch(item)

    def dispatch(self, item: InboxItem) -> None:
        self.holding.add(item.update_id)
        self.dispatcher.submit(item.chat_key, lambda: self.process(item))

    async def process(self, item: InboxItem) -> None:
        """Handles the update once the chat's earlier ones are handled (by this worker, if the
        worker holding them died)."""
        try:
            for earlier in await self.inbox.wait_turn(self.channel.name, item):
                await self.apply(earlier)
            await self.apply(item)
        finally:
            self.holding.discard(item.update_id)

    async def apply(self, item: InboxItem) -> None:
        name = self.channel.name
        try:
            received = await self.channel.parse(item.payload)
        except Exception:
            log.exception("%s: could not read update %s; kept in the inbox as failed", name, item.update_id)
            await self.inbox.mark_processed(name, item.update_id, FAILED)
            if item.chat_key:
                await self.apologise(item.chat_key)
            return
        if received is None:
            await self.inbox.mark_processed(name, item.update_id, IGNORED)
            return
        envelope = received.envelope
        try:
            response = await self.service.handle(envelope)
        except Exception:
            log.exception(
                "%s: failed to handle update %s from chat %s (%s)",
                name, item.update_id, envelope.chat_id, type(envelope.input).__name__,
            )
            await self.inbox.mark_processed(name, item.update_id, FAILED)
            await self.apologise(envelope.chat_id)
            return
        if response.outbox:
            self.on_outbox()
        try:
            await self.channel.render(envelope.chat_id, response, received.context)
        except Exception:
            log.exception("%s: update %s was saved, but the reply to chat %s failed", name, item.update_id, envelope.chat_id)
        if envelope.update_id != item.update_id:  # else the turn's own transaction logged it handled
            await self.inbox.mark_processed(name, item.update_id, "ok")

    async def apologise(self, chat_id: str) -> None:
        """Tells the person their message was not taken (it is recorded as failed)."""
        try:
            locale = await self.service.locale_of(self.channel.name, chat_id)
            await self.channel.render(chat_id, TurnResult(ConversationState(), [Reply(translations(locale).gettext(SORRY))], locale=locale))
        except Exception:
            log.exception("%s: could not tell chat %s about a failure", self.channel.name, chat_id)

    async def drain(self) -> None:
        await self.dispatcher.drain()
