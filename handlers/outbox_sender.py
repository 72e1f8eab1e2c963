"""Drains one channel's outbox rows: paced, retried, and each outcome recorded as it happens.

The loop is the same for every channel; the channel only sends one message and says what became
of it (`handlers.channel.SendResult`). A row is claimed (several senders never take the same
one), sent, and marked in its own short transaction, so a crash leaves at most the one message
in flight undecided; rows a dead sender had claimed are taken back when their lease runs out,
and that one may go out twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import timedelta

from bot.clock import Clock
from bot.ports import UnitOfWork
from bot.records import REFUSED_STATES, DeliveryState, OutboxItem, OutboxMessage
from bot.rerouting import Routes, rerouted
from handlers.channel import Outcome, Sender, SendResult

__all__ = ["OUTCOME_STATES", "MAX_ATTEMPTS", "OutboxSender"]

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3

OUTCOME_STATES = {
    Outcome.DELIVERED: DeliveryState.SENT,
    Outcome.BLOCKED: DeliveryState.BLOCKED,
    Outcome.NEVER_STARTED: DeliveryState.NEVER_STARTED,
    Outcome.OUTSIDE_WINDOW: DeliveryState.OUTSIDE_WINDOW,
    Outcome.FAILED: DeliveryState.FAILED,
}


class OutboxSender:
    def __init__(
        self,
        channel: Sender,
        unit_of_work: Callable[[], UnitOfWork],
        clock: Clock,
        lease: timedelta,
        chat_id: str | None = None,
        concurrency: int = 32,
        batch: int = 25,
        idle_seconds: float = 1.0,
        routes: Routes | None = None,
        on_queued: Callable[[], None] = lambda: None,
        held: Callable[[OutboxMessage], timedelta | None] = lambda message: None,
    ) -> None:
        self.channel = channel
        self.unit_of_work = unit_of_work
        self.clock = clock
        self.lease = lease
        self.chat_id = chat_id  # only this chat's rows (a terminal console serves one chat)
        self.slots = asyncio.Semaphore(concurrency)
        self.batch = batch
        self.idle_seconds = idle_seconds
        self.routes = routes  # where a refused reminder may go next (bot/rerouting.py); None: nowhere
        self.on_queued = on_queued  # wakes the senders when a refused reminder was sent on
        self.wake = asyncio.Event()
        self.held = held  # how long a message waits for the channel's monthly quota (handlers/usage.py)

    async def run(self) -> None:
        """Sends until cancelled; sleeps when the outbox is empty until woken or a second passes."""
        while True:
            async with self.unit_of_work() as uow:
                mine = await uow.outbox.claim(self.batch, self.clock.now(), self.channel.name, self.lease, self.chat_id)
            if not mine:
                self.wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.wake.wait(), self.idle_seconds)
                continue
            await asyncio.gather(*(self.guarded(item) for item in mine))

    async def guarded(self, item: OutboxItem) -> None:
        async with self.slots:
            if (wait := self.held(item.message)) is not None:
                await self.mark(item, DeliveryState.PENDING, "the channel's monthly quota is used up", retry_in=wait.total_seconds())
                return
            try:
                result = await self.channel.send(item.message)
            except Exception as error:
                log.exception("%s: unexpected failure sending outbox row %s", self.channel.name, item.id)
                result = SendResult(Outcome.TRANSIENT, detail=f"unexpected error: {error!r}")
            await self.record(item, result)

    async def record(self, item: OutboxItem, result: SendResult) -> None:
        message = item.message
        if result.outcome is Outcome.THROTTLED:
            seconds = result.retry_after or 1.0
            self.channel.pacer.pause(seconds)
            log.warning("%s asked to slow down: pausing %.0f s", self.channel.label, seconds)
            await self.mark(item, DeliveryState.PENDING, result.detail, retry_in=seconds)
        elif result.outcome is Outcome.TRANSIENT:
            if item.attempts >= MAX_ATTEMPTS:
                log.error("%s: giving up on outbox row %s after %d tries: %s", self.channel.name, item.id, item.attempts, result.detail)
                await self.mark(item, DeliveryState.FAILED, result.detail)
            else:
                await self.mark(item, DeliveryState.PENDING, result.detail, retry_in=result.retry_after or 2.0**item.attempts)
        else:
            state = OUTCOME_STATES[result.outcome]
            if state is DeliveryState.FAILED:
                log.error("%s refused outbox row %s (%s to %s): %s", self.channel.label, item.id, message.kind, message.chat_id, result.detail)
            elif state is not DeliveryState.SENT:
                log.info("%s: chat %s cannot be reached (%s): %s", self.channel.name, message.chat_id, state.value, result.detail)
            await self.mark(item, state, result.detail or None)

    async def mark(self, item: OutboxItem, state: DeliveryState, error: str | None = None, retry_in: float | None = None) -> None:
        """Records the outcome; a refused reminder goes on by the next way to its person, queued
        in the same transaction as the refusal."""
        now = self.clock.now()
        retry_at = now + timedelta(seconds=retry_in) if retry_in is not None else None
        async with self.unit_of_work() as uow:
            await uow.outbox.mark(item.id, state, now, error=error, retry_at=retry_at)
            onward = await rerouted(uow, item.message, self.routes) if state in REFUSED_STATES and self.routes else None
            if onward is not None:
                await uow.outbox.enqueue([onward], now)
        if onward is not None:
            log.info("%s: outbox row %s (%s) goes on by %s", self.channel.name, item.id, state.value, onward.channel)
            self.on_queued()
