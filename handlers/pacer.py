"""Pacing for one platform's sends: a global rate and at most one message per interval to any
one chat, as the channel's settings give them (Telegram: below its ~30/s, one a second per
chat). A platform answers excess with 429; pacing avoids provoking it."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Protocol

__all__ = ["JITTER_HEADROOM", "LATENESS_ALLOWANCE", "REPLY_DEBT_CEILING", "BudgetGate", "SendBudget", "SendPacer"]

LATENESS_ALLOWANCE = 0.005
JITTER_HEADROOM = 0.015
"""Pacing this much under the rate (and over the per-chat interval) absorbs the jitter between
booking a slot and the request reaching Telegram, which otherwise draws a rare 429 at the limit."""
REPLY_DEBT_CEILING = 1.0
"""Seconds ahead at most that unpaced replies push the broadcasts' next slot."""


class SendBudget(Protocol):
    """Calls per channel and second, counted where every worker sees them (storage/send_budget.py)."""

    async def take(self, channel: str, second: int, limit: int) -> bool: ...


class BudgetGate:
    """A channel's share of a budget several workers send from: waits for a call the platform's
    limit still allows this second, whichever worker makes the others."""

    def __init__(
        self,
        budget: SendBudget,
        channel: str,
        per_second: float,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.budget = budget
        self.channel = channel
        self.limit = max(1, int(per_second))
        self.clock = clock
        self.sleep = sleep

    async def acquire(self) -> int:
        """Waits for a call; returns the second it is counted in."""
        while True:
            now = self.clock()
            if await self.budget.take(self.channel, int(now), self.limit):
                return int(now)
            await self.sleep(int(now) + 1 - now)


class SendPacer:
    def __init__(
        self,
        per_second: float = 25.0,
        per_chat_interval: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        gate: BudgetGate | None = None,
        counted: Callable[[], None] = lambda: None,
    ) -> None:
        self.interval = (1.0 + JITTER_HEADROOM) / per_second
        self.per_chat_interval = per_chat_interval * (1.0 + 3 * JITTER_HEADROOM)
        self.clock = clock
        self.sleep = sleep
        self._next_global = 0.0
        self._next_chat: dict[str, float] = {}
        self._paused_until = 0.0
        self._lock = asyncio.Lock()
        self.gate = gate  # the budget shared with other workers, when several send
        self.counted = counted  # one message more against the platform's monthly quota (handlers/usage.py)

    async def acquire(self, chat_id: str) -> None:
        """Waits until one more message, to this chat, keeps within both limits and any pause.

        The slot is booked at the moment of sending, never ahead: a send that was delayed (the
        event loop stalled, a 429 pause began) cannot release a burst afterwards. A chat that is
        not ready takes no slot, so it never holds up the others.
        """
        while True:
            async with self._lock:
                now = self.clock()
                due = max(self._next_global, self._next_chat.get(chat_id, 0.0), self._paused_until)
                if due <= now:
                    # A small allowance for wake-up latency keeps the rate at the limit.
                    self._next_global = max(self._next_global, now - LATENESS_ALLOWANCE) + self.interval
                    self._next_chat[chat_id] = now + self.per_chat_interval
                    if len(self._next_chat) > 10_000:
                        self._next_chat = {c: t for c, t in self._next_chat.items() if t > now}
                    break
            await self.sleep(due - now)
        if self.gate is not None:
            await self.gate.acquire()
        self.counted()

    def note(self, chat_id: str) -> None:
        """A conversation reply went out unpaced (a person waits for it): broadcasts to that
        chat keep their distance, and the global budget and the month's count count it."""
        self.counted()
        now = self.clock()
        # Replies beyond the rate owe nothing past the next second: the platform counts by the
        # second, and a debt carried further would hold broadcasts back long after they stop.
        self._next_global = min(max(self._next_global, now) + self.interval, now + REPLY_DEBT_CEILING)
        self._next_chat[chat_id] = max(self._next_chat.get(chat_id, 0.0), now + self.per_chat_interval)

    def pause(self, seconds: float) -> None:
        """After a 429: nobody sends until the platform's retry_after has passed."""
        self._paused_until = max(self._paused_until, self.clock() + seconds)
