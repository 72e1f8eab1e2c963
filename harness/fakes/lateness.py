"""How late a fake server's event loop runs, as a measure of how late the machine lets any
process run. On a busy machine the test process waits for a core, and the fake stamps a request
when it gets to it, up to that long after it came in; the bot waits for a core as well, between
booking a send's slot and writing it, so two sends it paced apart can reach the wire together.
The flood windows and the tests' timing checks allow for it, so that a loaded machine is not
taken for a bot that sends too fast; on an idle one it is a millisecond or two."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque

TICK = 0.01
"""How often the loop is looked in on."""
RECENT = 1.0
"""How long a stall still counts: the longest window a timing check looks at (a second), since
the bot, on the same cores, may have stalled as long at any moment of it."""
NOTICED = 0.001
"""A tick later than this is a stall worth remembering."""


class LoopLateness:
    """Started with its server; `now()` says how long before its stamp a request stamped now may
    have been sent."""

    def __init__(self) -> None:
        self._last_tick = 0.0
        self._stalls: deque[tuple[float, float]] = deque()
        """(when noticed, how long) of the stalls in the last RECENT seconds."""
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._last_tick = time.monotonic()
        self._task = asyncio.create_task(self._watch())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    def now(self) -> float:
        """The longest the loop has lately not run, the stall going on now included; 0 unstarted."""
        if self._task is None:
            return 0.0
        now = time.monotonic()
        while self._stalls and self._stalls[0][0] < now - RECENT:
            self._stalls.popleft()
        return max(0.0, now - self._last_tick - TICK, *(stall for _when, stall in self._stalls))

    async def _watch(self) -> None:
        while True:
            await asyncio.sleep(TICK)
            now = time.monotonic()
            if (stall := now - self._last_tick - TICK) > NOTICED:
                self._stalls.append((now, stall))
            self._last_tick = now
