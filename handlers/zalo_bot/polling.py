"""Long polling of the Zalo Bot Platform, written for both ways it has been seen to behave.

Clients that ran against the live platform disagree. OpenClaw's takes an update as consumed once
getUpdates hands it out; zalo-bot-mcp measured Zalo handing out updates already delivered again,
answered at once, about 12 calls a second for a client that does not wait. So a poll that brought
nothing new is followed by a pause (at least MIN_POLL_INTERVAL from its start), and the ids of
the updates seen lately are remembered here, so a replayed one is skipped before it reaches the
inbox (no database write for it). The inbox still applies each update once if one slips past.

Before polling, the webhook is cleared (Zalo refuses getUpdates while one is set): asked first,
since zalo-bot-mcp measured a bot without one answering getWebhookInfo with 404, and deleted only
when set. A network failure there is waited out, while the other channels run.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from handlers.channel import Intake, Payload
from handlers.zalo_bot.client import ZaloBotClient, ZaloError, ZaloUnreachable

__all__ = ["MAX_BACKOFF_SECONDS", "MIN_POLL_INTERVAL", "RECENT_IDS", "Poller", "RecentIds", "backoff"]

log = logging.getLogger(__name__)

MIN_POLL_INTERVAL = 1.0
"""Seconds from the start of a poll that brought nothing new to the next one."""
MAX_BACKOFF_SECONDS = 30.0
RECENT_IDS = 1000
"""Update ids remembered; far more than Zalo has been seen to replay."""

TokenRefused = Callable[[ZaloError], Awaitable[None]]


def backoff(failures: int, retry_after: float | None = None) -> float:
    """Seconds to wait after `failures` failures in a row: 1, 2, 4… up to 30, or what Zalo asked."""
    return retry_after or min(MAX_BACKOFF_SECONDS, 0.5 * 2**failures)


class RecentIds:
    """The last `size` update ids seen, oldest forgotten first."""

    def __init__(self, size: int = RECENT_IDS) -> None:
        self.order: deque[str] = deque()
        self.ids: set[str] = set()
        self.size = size

    def __contains__(self, update_id: str) -> bool:
        return update_id in self.ids

    def add(self, update_id: str) -> None:
        self.order.append(update_id)
        self.ids.add(update_id)
        if len(self.order) > self.size:
            self.ids.discard(self.order.popleft())


class Poller:
    def __init__(
        self,
        client: ZaloBotClient,
        identify: Callable[[Payload], tuple[str, str] | None],
        poll_timeout: int,
        token_refused: TokenRefused,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client = client
        self.identify = identify
        self.poll_timeout = poll_timeout
        self.token_refused = token_refused
        self.monotonic = monotonic
        self.recent = RecentIds()

    async def run(self, intake: Intake) -> None:
        """Clears the webhook, then polls until cancelled: one update a call, 408 when none came."""
        await self.clear_webhook()
        failures = 0
        while True:
            started = self.monotonic()
            try:
                update = await self.client.call("getUpdates", {"timeout": str(self.poll_timeout)}, timeout=self.poll_timeout + 10)
                failures = 0
            except ZaloError as error:
                if error.code != 408:
                    failures += 1
                    await self.failed("getUpdates", error, backoff(failures, error.retry_after))
                    continue
                update = None
            except ZaloUnreachable as error:
                failures += 1
                await self.failed("getUpdates", error, backoff(failures))
                continue
            if not await self.take(intake, update):
                await asyncio.sleep(max(0.0, MIN_POLL_INTERVAL - (self.monotonic() - started)))

    async def take(self, intake: Intake, update: Any) -> bool:
        """Passes an update not seen lately to the intake; whether it was one."""
        if not isinstance(update, Mapping) or not update:
            return False
        identity = self.identify(update)
        if identity is not None and identity[0] in self.recent:
            return False
        await intake.take([update])
        if identity is not None:
            self.recent.add(identity[0])
        return identity is not None

    async def clear_webhook(self) -> None:
        """Deletes a webhook that is set, so getUpdates is served; a 404 means there is none. Zalo
        unreachable or failing on its side is waited out; any other refusal is logged, and
        polling goes ahead (getUpdates then says what is wrong)."""
        failures = 0
        while True:
            try:
                info = await self.client.call("getWebhookInfo")
                url = info.get("url") if isinstance(info, Mapping) else None
                if isinstance(url, str) and url.strip():
                    log.warning("the Zalo bot had a webhook set (%s); deleting it to poll", url)
                    await self.client.call("deleteWebhook")
                return
            except ZaloError as error:
                if error.code == 404:
                    log.info("the Zalo bot has no webhook (getWebhookInfo: %s)", error)
                    return
                if error.code != 429 and error.code < 500:
                    await self.failed("the webhook check", error, 0.0)
                    return
                failures += 1
                await self.failed("the webhook check", error, backoff(failures, error.retry_after))
            except ZaloUnreachable as error:
                failures += 1
                await self.failed("the webhook check", error, backoff(failures))

    async def failed(self, what: str, error: ZaloError | ZaloUnreachable, delay: float) -> None:
        """Logs a failed call (and tells of a refused token), then waits `delay` seconds."""
        if isinstance(error, ZaloError) and error.code in (401, 403):
            await self.token_refused(error)
        if delay:
            log.warning("Zalo: %s failed (%s); trying again in %.1f s", what, error, delay)
            await asyncio.sleep(delay)
        else:
            log.warning("Zalo: %s failed (%s); polling anyway", what, error)
