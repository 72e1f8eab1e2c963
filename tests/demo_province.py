"""The demo province loaded through the real seed, for storage tests that need a whole tree."""

from __future__ import annotations

from bot.catalog.loading import load_catalog, load_demo_units
from storage.seed import load_campaign, load_units
from storage.unit_of_work import UnitOfWorkFactory

DEMO_UNITS = load_demo_units()
CAMPAIGNS = sorted(load_catalog().campaigns.values(), key=lambda spec: spec.opens)


async def load_demo_province(factory: UnitOfWorkFactory) -> UnitOfWorkFactory:
    """All 119 units, enrolled in both packaged campaigns."""
    async with factory() as uow:
        await load_units(uow, DEMO_UNITS)
        for spec in CAMPAIGNS:
            await load_campaign(uow, spec)
    return factory


async def unit_ids(factory: UnitOfWorkFactory) -> dict[str, int]:
    async with factory() as uow:
        return {unit.code: unit.id for unit in await uow.units.units()}
