"""How long a test waits. For something that will happen (a reply, a webhook set, a row
written): until it happens, and no longer, up to one generous ceiling, so a busy machine makes
the suite slower but never red. For something that must not happen (a second copy, an answer
while the database is held): a short quiet period, named as such where it is spent.

BAOCAO_TEST_EVENT_CEILING (seconds) raises the ceiling on a very slow machine.
"""

from __future__ import annotations

import asyncio
import inspect
import os
import time
from collections.abc import Awaitable, Callable

EVENT_CEILING = float(os.environ.get("BAOCAO_TEST_EVENT_CEILING", "120"))
"""The longest any test waits for an event before it calls the event missing: a bot started on
two cores loaded eight times over took more than a minute to its first reply."""
LOOK_EVERY = 0.05
"""How often `eventually` looks at its condition: a small part of any reply's time."""


async def eventually(
    condition: Callable[[], bool | Awaitable[bool]],
    what: str,
    explain: Callable[[], str] = lambda: "",
    ceiling: float = EVENT_CEILING,
) -> None:
    """Returns as soon as `condition` (plain or async) holds; past `ceiling` seconds, an
    AssertionError naming `what`, followed by `explain()` (a bot's log, say)."""
    deadline = time.monotonic() + ceiling
    while True:
        held = condition()
        if await held if inspect.isawaitable(held) else held:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"never within {ceiling:.0f} s: {what}\n{explain()}")
        await asyncio.sleep(LOOK_EVERY)


async def quiet_period(seconds: float) -> None:
    """A wait for what must not happen: long enough for it to show if it were coming (a copy
    sent again, a reply to a refused call), checked by the caller afterwards."""
    await asyncio.sleep(seconds)
