"""A claim kept while its work runs: a worker that claims rows under a lease (the outbox's
messages, a requested export) renews the claim a few times a lease for as long as the work
takes, so another worker takes the rows back only once this one has died and stopped renewing."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta

__all__ = ["RENEWALS_PER_LEASE", "kept_claim"]

log = logging.getLogger(__name__)

RENEWALS_PER_LEASE = 3
"""How often a claim is renewed, a lease long: a renewal may fail or come late once and the claim
still holds."""


@contextlib.asynccontextmanager
async def kept_claim(renew: Callable[[], Awaitable[bool]], lease: timedelta, what: str) -> AsyncIterator[None]:
    """Calls `renew` RENEWALS_PER_LEASE times a `lease` while the block runs; a renewal that fails is logged
    and tried again at the next, and one that returns False (the claim is another's now) ends
    the renewals."""

    async def keep() -> None:
        while True:
            await asyncio.sleep(lease.total_seconds() / RENEWALS_PER_LEASE)
            try:
                held = await renew()
            except Exception:
                log.exception("%s: the claim could not be renewed; trying again", what)
                continue
            if not held:
                return

    keeping = asyncio.create_task(keep())
    try:
        yield
    finally:
        keeping.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await keeping
