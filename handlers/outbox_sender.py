"""Drains one channel's outbox rows: paced, retried, and each outcome recorded as it happens.

The loop is the same for every channel; the channel only sends one message and says what became
of it (`handlers.channel.SendResult`). A row is claimed (several senders never take the same
one), sent, and marked in its own short transaction, so a crash leaves at most the one message
in flight undecided. While a batch goes out its sender renews the claim on the rows not yet
marked, a few times a lease (handlers/claims.py), for as long as they take: a file goes up a chunk at a
time with no bound but its progress, a batch may wait out the pacer or a 429, and a row taken
back meanwhile by another sender (a new leader) would reach its person twice. A sender that
dies stops renewing, and its rows are taken back when their lease runs out; the one it had on
the wire may go out twice.

A platform's passing failure (a timeout, a 5xx, an outage) is tried again, ever less often (as
long again as the message has been failing, at most RETRY_CEILING apart), until the message no
longer matters: its expiry (bot/delivery/lifetimes.py) passes, and the claim marks it EXPIRED
instead of taking it (or the failure does, when the next try would come after the expiry). A
reminder's next try keeps the quiet hours its first send kept: one that fails in the evening is
tried again in the morning. Being asked to slow down is no failure: the message just waits as
long as asked.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.base.clock import Clock
from bot.base.outbox import REFUSED_STATES, REMINDER_KINDS, DeliveryState, OutboxItem, OutboxMessage
from bot.base.ports import UnitOfWork
from bot.reminders.plan import outside_quiet_hours
from bot.reminders.rerouting import Routes, rerouted
from handlers.channel import Outcome, Sender, SendResult
from handlers.claims import kept_claim

__all__ = ["OUTCOME_STATES", "RETRY_CEILING", "RETRY_FIRST", "OutboxSender", "retry_delay"]

log = logging.getLogger(__name__)

RETRY_FIRST = timedelta(seconds=2)
"""The wait after a message's first failure: most failures are a moment's."""
RETRY_CEILING = timedelta(minutes=15)
"""The longest wait between two tries: a platform back from an outage gets the message within
a quarter of an hour."""
SPREAD = 0.2
"""Waits are shortened by up to this fraction, by row, so the messages one outage held back do
not all come back in the same second."""

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
        zone: ZoneInfo | None = None,
    ) -> None:
        self.channel = channel
        self.unit_of_work = unit_of_work
        self.clock = clock
        self.lease = lease
        self.chat_id = chat_id  # only this chat's rows (a terminal console serves one chat)
        self.slots = asyncio.Semaphore(concurrency)
        self.batch = batch
        self.idle_seconds = idle_seconds
        self.routes = routes  # where a refused reminder may go next (bot/reminders/rerouting.py); None: nowhere
        self.on_queued = on_queued  # wakes the senders when a refused reminder was sent on
        self.wake = asyncio.Event()
        self.held = held  # how long a message waits for the channel's monthly quota (handlers/usage.py)
        self.zone = zone  # whose nights a failed reminder waits out; None: none (a console's own chat)

    async def run(self) -> None:
        """Sends until cancelled; sleeps when the outbox is empty until woken or a second passes."""
        while True:
            if not await self.send_due():
                self.wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.wake.wait(), self.idle_seconds)

    async def send_due(self) -> int:
        """Claims the rows due now (a batch) and sends them, keeping the claim on those not yet
        marked until the batch is done; returns how many."""
        async with self.unit_of_work() as uow:
            mine = await uow.outbox.claim(self.batch, self.clock.now(), self.channel.name, self.lease, self.chat_id)
        if not mine:
            return 0
        unmarked = {item.id for item in mine}

        async def renew() -> bool:
            async with self.unit_of_work() as uow:
                await uow.outbox.renew(unmarked, self.clock.now())
            return True

        async with kept_claim(renew, self.lease, f"{self.channel.name}: the outbox rows being sent"):
            await asyncio.gather(*(self.guarded(item, unmarked) for item in mine))
        return len(mine)

    async def guarded(self, item: OutboxItem, unmarked: set[int]) -> None:
        async with self.slots:
            try:
                if (wait := self.held(item.message)) is not None:
                    await self.mark(
                        item, DeliveryState.PENDING, "the channel's monthly quota is used up", wait.total_seconds(), item.retrying_since
                    )
                    return
                try:
                    result = await self.channel.send(item.message)
                except Exception as error:
                    log.exception("%s: unexpected failure sending outbox row %s", self.channel.name, item.id)
                    result = SendResult(Outcome.TRANSIENT, detail=f"unexpected error: {error!r}")
                await self.record(item, result)
            finally:
                unmarked.discard(item.id)

    async def record(self, item: OutboxItem, result: SendResult) -> None:
        message = item.message
        if result.outcome is Outcome.THROTTLED:
            seconds = result.retry_after or 1.0
            self.channel.pacer.pause(seconds)
            log.warning("%s asked to slow down: pausing %.0f s", self.channel.label, seconds)
            await self.mark(item, DeliveryState.PENDING, result.detail, retry_in=seconds, retrying_since=item.retrying_since)
        elif result.outcome is Outcome.TRANSIENT:
            now = self.clock.now()
            since = item.retrying_since or now
            seconds = max(retry_delay(item.id, now - since).total_seconds(), result.retry_after or 0.0)
            if message.kind in REMINDER_KINDS and self.zone is not None:
                seconds = (outside_quiet_hours(now + timedelta(seconds=seconds), self.zone) - now).total_seconds()
            if message.expires_at is not None and now + timedelta(seconds=seconds) >= message.expires_at:
                log.warning(
                    "%s: outbox row %s (%s to %s) failed (%s) and expires before its next try",
                    self.channel.name, item.id, message.kind, message.chat_id, result.detail,
                )  # fmt: skip
                await self.mark(item, DeliveryState.EXPIRED, result.detail)
                return
            log.warning(
                "%s: outbox row %s (%s to %s) failed, try %d, failing since %s: %s; trying again in %.0f s"
                " (had the platform acted on it before failing, it arrives twice)",
                self.channel.name, item.id, message.kind, message.chat_id, item.attempts, since.isoformat(), result.detail, seconds,
            )  # fmt: skip
            await self.mark(item, DeliveryState.PENDING, result.detail, retry_in=seconds, retrying_since=since)
        else:
            state = OUTCOME_STATES[result.outcome]
            if state is DeliveryState.FAILED:
                log.error("%s refused outbox row %s (%s to %s): %s", self.channel.label, item.id, message.kind, message.chat_id, result.detail)
            elif state is not DeliveryState.SENT:
                log.info("%s: chat %s cannot be reached (%s): %s", self.channel.name, message.chat_id, state.value, result.detail)
            await self.mark(item, state, result.detail or None)

    async def mark(
        self,
        item: OutboxItem,
        state: DeliveryState,
        error: str | None = None,
        retry_in: float | None = None,
        retrying_since: datetime | None = None,
    ) -> None:
        """Records the outcome; a refused reminder goes on by the next way to its person, queued
        in the same transaction as the refusal."""
        now = self.clock.now()
        retry_at = now + timedelta(seconds=retry_in) if retry_in is not None else None
        async with self.unit_of_work() as uow:
            await uow.outbox.mark(item.id, state, now, error=error, retry_at=retry_at, retrying_since=retrying_since)
            onward = await rerouted(uow, item.message, self.routes) if state in REFUSED_STATES and self.routes else None
            if onward is not None:
                await uow.outbox.enqueue([onward], now)
        if onward is not None:
            log.info("%s: outbox row %s (%s) goes on by %s", self.channel.name, item.id, state.value, onward.channel)
            self.on_queued()


def retry_delay(row_id: int, failing_for: timedelta) -> timedelta:
    """The wait before the next try of a message failing for `failing_for`: as long again (so the
    waits double), at least RETRY_FIRST, at most RETRY_CEILING, shortened by the row's own share
    of SPREAD (the same for a row every time, so a test knows when each try comes)."""
    wait = min(max(failing_for, RETRY_FIRST), RETRY_CEILING)
    share = (row_id * 0.6180339887) % 1.0  # the golden ratio spreads consecutive ids evenly
    return wait * (1.0 - SPREAD * share)
