"""Telegram's flood limits as strict sliding windows, so pacing bugs surface as 429s in tests.

Telegram does not publish exact rules; bots are told to stay under about 30 messages a second
overall and 1 a second per chat. The fake turns that advice into hard limits: a counted call is
refused when the window already holds `limit` admitted calls, and refused calls are not counted.
"""

from __future__ import annotations

import bisect
import math
from collections import deque
from collections.abc import Hashable

JITTER_ALLOWANCE = 0.05
"""Seconds shaved off every window: arrival times on the server wobble by a few milliseconds
against the client's own pacing, and a client pacing at exactly the limit must not see 429s."""


class SlidingWindow:
    """At most `limit` events in any `period` seconds."""

    def __init__(self, limit: int, period: float) -> None:
        self.limit = limit
        self.period = period
        self._admitted: deque[float] = deque()

    @classmethod
    def per_second(cls, rate: float) -> SlidingWindow:
        """`rate` events a second; below 1 a second it becomes one event per 1/rate seconds."""
        if rate <= 0:
            raise ValueError(f"rate must be positive, got {rate}")
        return cls(math.floor(rate), 1.0) if rate >= 1 else cls(1, 1 / rate)

    def wait_needed(self, now: float) -> float:
        """Seconds until one more event fits; 0 when it fits now."""
        horizon = self.period - JITTER_ALLOWANCE
        while self._admitted and self._admitted[0] <= now - horizon:
            self._admitted.popleft()
        if len(self._admitted) < self.limit:
            return 0.0
        return self._admitted[0] + horizon - now

    def admit(self, when: float) -> None:
        """Counts an event at `when`, kept in order: one counted early may precede the last."""
        bisect.insort(self._admitted, when)


class FloodControl:
    """Global and per-chat windows over the calls that send or edit messages."""

    def __init__(self, global_rate: float | None, per_chat_rate: float | None) -> None:
        self._global = SlidingWindow.per_second(global_rate) if global_rate else None
        self._per_chat_rate = per_chat_rate
        self._chats: dict[Hashable, SlidingWindow] = {}
        self.violations = 0

    def retry_after(self, chat_id: Hashable | None, now: float, late: float = 0.0) -> int | None:
        """Admit the call and return None, or refuse it and return whole seconds to wait (≥ 1).
        `late`: how long before `now` the call may have been sent, the machine running late
        (harness/fakes/lateness.py); it is counted as early as that, so only a call certainly over
        a window is refused."""
        windows = [self._global] if self._global else []
        if self._per_chat_rate and chat_id is not None:
            windows.append(
                self._chats.setdefault(chat_id, SlidingWindow.per_second(self._per_chat_rate))
            )
        wait = max((window.wait_needed(now) for window in windows), default=0.0)
        if wait > 0:
            self.violations += 1
            return max(1, math.ceil(wait))
        for window in windows:
            window.admit(now - late)
        return None
