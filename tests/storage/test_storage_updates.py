"""The update log recognises a redelivered platform update, even when deliveries race."""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone

from storage.unit_of_work import UnitOfWorkFactory

NOW = datetime(2023, 11, 10, 1, 0, tzinfo=timezone.utc)


async def claim(uow_factory: UnitOfWorkFactory, channel: str, update_id: str) -> bool:
    async with uow_factory() as uow:
        return await uow.updates.claim(channel, update_id, NOW)


async def test_an_update_is_claimed_once(uow_factory: UnitOfWorkFactory) -> None:
    assert await claim(uow_factory, "telegram", "900000000001")
    assert not await claim(uow_factory, "telegram", "900000000001")
    assert await claim(uow_factory, "telegram", "900000000002")
    assert await claim(uow_factory, "zalo", "900000000001")  # ids are per channel
    assert await claim(uow_factory, "zalo", "6f1e0c2a9b")  # and opaque text on some platforms


async def test_a_rolled_back_claim_leaves_the_update_unclaimed(uow_factory: UnitOfWorkFactory) -> None:
    try:
        async with uow_factory() as uow:
            assert await uow.updates.claim("telegram", "7", NOW)
            raise RuntimeError("the turn failed")
    except RuntimeError:
        pass
    assert await claim(uow_factory, "telegram", "7")


async def test_concurrent_claims_of_one_update_let_exactly_one_through(uow_factory: UnitOfWorkFactory) -> None:
    results = await asyncio.gather(*(claim(uow_factory, "telegram", "42") for _ in range(20)))
    assert results.count(True) == 1
