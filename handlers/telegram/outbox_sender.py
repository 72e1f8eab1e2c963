"""Drains the outbox onto Telegram: paced, retried, and each outcome recorded as it happens.

A row is claimed (several senders never take the same one), sent, and marked sent in its own
short transaction, so a crash leaves at most the one message in flight undecided; rows a dead
sender had claimed are taken back when their lease runs out, and that one may go out twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import timedelta

from telegram import Bot
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.clock import Clock
from bot.events import Button, Reply
from bot.ports import DeliveryState, OutboxItem, UnitOfWork
from handlers.ratelimit import SendPacer
from handlers.telegram.parse import CHANNEL, retry_seconds
from handlers.telegram.render import pieces

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3


class OutboxSender:
    def __init__(
        self,
        bot: Bot,
        unit_of_work: Callable[[], UnitOfWork],
        clock: Clock,
        pacer: SendPacer,
        concurrency: int = 32,
        batch: int = 25,
        idle_seconds: float = 1.0,
    ) -> None:
        self.bot = bot
        self.unit_of_work = unit_of_work
        self.clock = clock
        self.pacer = pacer
        self.slots = asyncio.Semaphore(concurrency)
        self.batch = batch
        self.idle_seconds = idle_seconds
        self.wake = asyncio.Event()

    async def run(self) -> None:
        """Sends until cancelled; sleeps when the outbox is empty until woken or a second passes."""
        while True:
            async with self.unit_of_work() as uow:
                mine = await uow.reminders.claim(self.batch, self.clock.now(), CHANNEL)
            if not mine:
                self.wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.wake.wait(), self.idle_seconds)
                continue
            await asyncio.gather(*(self.guarded(item) for item in mine))

    async def guarded(self, item: OutboxItem) -> None:
        async with self.slots:
            try:
                await self.send(item)
            except Exception:
                log.exception("unexpected failure sending outbox row %s", item.id)
                if item.attempts >= MAX_ATTEMPTS:
                    await self.mark(item, DeliveryState.FAILED, "unexpected error")
                else:
                    await self.mark(item, DeliveryState.PENDING, "unexpected error", retry_in=60)

    async def send(self, item: OutboxItem) -> None:
        message = item.message
        reply = Reply(
            message.text,
            tuple(tuple(Button(label, value) for label, value in row) for row in message.buttons),
            0 if message.buttons else None,
        )
        try:
            for text, markup in pieces(reply):
                await self.pacer.acquire(message.chat_id)
                await self.bot.send_message(int(message.chat_id), text, reply_markup=markup)
        except RetryAfter as error:
            seconds = retry_seconds(error)
            self.pacer.pause(seconds)
            log.warning("429 from Telegram: pausing %.0f s", seconds)
            await self.mark(item, DeliveryState.PENDING, "429 Too Many Requests", retry_in=seconds)
        except Forbidden as error:
            state = DeliveryState.BLOCKED if "blocked" in str(error).lower() else DeliveryState.NEVER_STARTED
            log.info("chat %s cannot be reached (%s): %s", message.chat_id, state.value, error)
            await self.mark(item, state, str(error))
        except BadRequest as error:
            log.error("Telegram refused outbox row %s: %s", item.id, error)
            await self.mark(item, DeliveryState.FAILED, str(error))
        except (TimedOut, NetworkError) as error:
            if item.attempts >= MAX_ATTEMPTS:
                log.error("giving up on outbox row %s after %d tries: %s", item.id, item.attempts, error)
                await self.mark(item, DeliveryState.FAILED, str(error))
            else:
                await self.mark(item, DeliveryState.PENDING, str(error), retry_in=2.0**item.attempts)
        else:
            await self.mark(item, DeliveryState.SENT)

    async def mark(self, item: OutboxItem, state: DeliveryState, error: str | None = None, retry_in: float | None = None) -> None:
        now = self.clock.now()
        retry_at = now + timedelta(seconds=retry_in) if retry_in is not None else None
        async with self.unit_of_work() as uow:
            await uow.reminders.mark(item.id, state, now, error=error, retry_at=retry_at)

