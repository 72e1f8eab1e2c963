"""A reply someone is waiting for is worth a few more tries when the platform times out or fails
on its side (a 5xx): the answer is already saved, and without the reply the person would send it
again. Requests the platform refused for good are not tried again."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

__all__ = ["REPLY_ATTEMPTS", "with_retries"]

log = logging.getLogger(__name__)

T = TypeVar("T")

REPLY_ATTEMPTS = 4
FIRST_BACKOFF = 0.5


async def with_retries(
    call: Callable[[], Awaitable[T]],
    transient: Callable[[BaseException], bool],
    what: str,
    attempts: int = REPLY_ATTEMPTS,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> T:
    """`call`, again after 0.5, 1, 2… seconds while it fails in a way `transient` says may pass."""
    for attempt in range(1, attempts + 1):
        try:
            return await call()
        except Exception as error:
            if attempt == attempts or not transient(error):
                raise
            delay = FIRST_BACKOFF * 2 ** (attempt - 1)
            log.info("%s failed (%s); trying again in %.1f s", what, error, delay)
            await sleep(delay)
    raise AssertionError("unreachable: the last attempt returns or raises")
