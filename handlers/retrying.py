"""A reply someone is waiting for (their answer is already saved) is tried again ONLY where the
platform cannot have acted on it: the connection was never made (refused, a name not found, a
connect timeout: the request never left), or the platform refused it for rate (HTTP 429, Zalo
OA's -32: "slow down", it did nothing).

After a read timeout, a connection broken once the request was sent, or a 5xx, the reply may
have landed: sent again, a late copy could put an old question at the bottom of the chat. So it
is not sent again; the failure is logged (the chat, what was sent, the error) and raised. Nothing
is lost: the person's next message, whatever it says ("xem lại"), shows the current question.

Each channel's client tells the two kinds of failure apart and passes the test as `transient`.
Outbox messages are another matter: outbox_sender.py retries them until they no longer matter.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from bot.base.text import shorten

__all__ = ["REPLY_ATTEMPTS", "with_retries"]

log = logging.getLogger(__name__)

T = TypeVar("T")

REPLY_ATTEMPTS = 4
FIRST_BACKOFF = 0.5
SHOWN_CHARACTERS = 80
"""How much of what was sent a failure's log line quotes: enough to tell which reply it was."""


async def with_retries(
    call: Callable[[], Awaitable[T]],
    transient: Callable[[BaseException], bool],
    what: str,
    attempts: int = REPLY_ATTEMPTS,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    sent: str = "",
) -> T:
    """`call`, again after 0.5, 1, 2… seconds while it fails in a way `transient` says the platform
    cannot have acted on. Any other failure, or the last, is logged with `what` (say "reply to
    chat 42") and the start of `sent` (the text), then raised."""
    for attempt in range(1, attempts + 1):
        try:
            return await call()
        except Exception as error:
            if attempt == attempts or not transient(error):
                why = "the platform acted on no attempt" if transient(error) else "not sent again: it may have landed, or was refused"
                log.warning(
                    "%s failed after %d attempt(s) (%s: %s); %s. Sent: %r", what, attempt, type(error).__name__, error, why, shorten(sent, SHOWN_CHARACTERS)
                )
                raise
            delay = FIRST_BACKOFF * 2 ** (attempt - 1)
            log.info("%s failed (%s), which the platform cannot have acted on; trying again in %.1f s", what, error, delay)
            await sleep(delay)
    raise AssertionError("unreachable: the last attempt returns or raises")
