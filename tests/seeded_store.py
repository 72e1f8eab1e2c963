"""The real storage, seeded, for tests that drive the core over it (supervisor dialogues, the
documents, the reminder plan): a SQLite database of the test's own holding the units and
campaigns it asks for, copied from a template made once per test process
(harness/sqlite_templates.py), so a test pays for a file copy, not for migrating and seeding.
"""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import AsyncIterator, Sequence
from functools import partial
from pathlib import Path
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.base.outbox import DeliveryState, MessageKind
from bot.catalog.model import CampaignSpec, UnitSpec
from harness.sqlite_templates import copy_of_template, migrated_copy
from storage.database import create_engine
from storage.machinery_models import OutboxRow
from storage.message_usage import SqlUsageLedger
from storage.seed import load_campaign, load_units
from storage.unit_of_work import SqlUnitOfWork, UnitOfWorkFactory
from tests.service_harness import CAMPAIGNS, CUA_LO_UNITS

__all__ = ["Queued", "SeededStore", "seeded_store"]


class Queued(NamedTuple):
    """An outbox row as a test looks at it."""

    chat_id: str
    text: str
    kind: MessageKind
    state: DeliveryState


class SeededStore:
    """Units of work over one test's database (call it, as the service calls
    storage.unit_of_work.UnitOfWorkFactory), and what a test does around the service."""

    def __init__(self, engine: AsyncEngine, unit_ids: dict[str, int]) -> None:
        self.engine = engine
        self._units_of_work = UnitOfWorkFactory(engine)
        self._unit_ids = unit_ids

    def __call__(self) -> SqlUnitOfWork:
        return self._units_of_work()

    def unit_id(self, code: str) -> int:
        return self._unit_ids[code]

    async def add_units(self, units: Sequence[UnitSpec]) -> None:
        """More units, upserted by code as the seed loads them (enrolled in no campaign)."""
        async with self() as uow:
            await load_units(uow, list(units))
            self._unit_ids = {unit.code: unit.id for unit in await uow.units.units()}

    async def add_usage(self, channel: str, month: str, sent: int) -> None:
        """As the workers' counters flushing `sent` more messages of `channel` in `month`."""
        await SqlUsageLedger(self.engine).add({(channel, month): sent})

    async def outbox(self) -> list[Queued]:
        """Every outbox row, in the order it was queued."""
        async with self() as uow:
            rows = await uow.session.execute(
                select(OutboxRow.chat_id, OutboxRow.text, OutboxRow.kind, OutboxRow.state).order_by(OutboxRow.id)
            )
            return [Queued(row.chat_id, row.text, MessageKind(row.kind), DeliveryState(row.state)) for row in rows]


@contextlib.asynccontextmanager
async def seeded_store(
    units: Sequence[UnitSpec] = CUA_LO_UNITS, campaigns: Sequence[CampaignSpec] = CAMPAIGNS
) -> AsyncIterator[SeededStore]:
    """A database of its own holding `units` (by default the demo's Cửa Lò) and `campaigns`
    (both packaged reviews), every unit a campaign's rules match enrolled; gone when the block ends."""
    content = (tuple(units), tuple(campaigns))
    with tempfile.TemporaryDirectory(prefix="baocao-store-") as folder:
        engine = create_engine(await copy_of_template(content, partial(_seed, *content), Path(folder) / "baocao.db"))
        try:
            async with UnitOfWorkFactory(engine)() as uow:
                unit_ids = {unit.code: unit.id for unit in await uow.units.units()}
            yield SeededStore(engine, unit_ids)
        finally:
            await engine.dispose()


async def _seed(units: tuple[UnitSpec, ...], campaigns: tuple[CampaignSpec, ...], template: Path) -> None:
    engine = create_engine(await migrated_copy(template))
    try:
        async with UnitOfWorkFactory(engine)() as uow:
            await load_units(uow, list(units))
            for spec in campaigns:
                await load_campaign(uow, spec)
    finally:
        await engine.dispose()
