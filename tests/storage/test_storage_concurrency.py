"""Concurrent writers: transactions that read and then write take turns instead of failing.

On SQLite a deferred transaction that reads, then writes, fails with "database is locked" the
moment another writer holds the lock; BEGIN IMMEDIATE makes it wait for its turn.
"""

from __future__ import annotations

import asyncio
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path

from sqlalchemy import func, select

from bot.base.deadline import ReminderPlan
from bot.base.forms import LocalText
from bot.base.records import Role
from bot.catalog.model import CampaignSpec, EnrolRule, Milestone, UnitSpec
from storage.database import create_engine
from storage.machinery_models import ProcessedUpdate
from storage.migrate import upgrade
from storage.seed import load_campaign, load_units
from storage.unit_of_work import UnitOfWorkFactory
from tests.report_moves import answer_versions

WRITERS = 8
ROUNDS = 15
SAVES = 5
NOW = datetime(2023, 11, 10, 2, 30, tzinfo=timezone.utc)


async def test_sqlite_writers_on_separate_connections_never_see_a_locked_database(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'baocao.db'}"
    await upgrade(url)
    factories = [UnitOfWorkFactory(create_engine(url)) for _ in range(WRITERS)]

    async def writer(factory: UnitOfWorkFactory) -> None:
        for _ in range(ROUNDS):
            async with factory() as uow:
                seen = await uow.session.scalar(select(func.count()).select_from(ProcessedUpdate)) or 0
                await asyncio.sleep(0)  # let the other writers run between the read and the write
                assert await uow.updates.claim("telegram", str(seen + 1), NOW)

    try:
        await asyncio.gather(*(writer(factory) for factory in factories))
        async with factories[0]() as uow:
            ids = (await uow.session.scalars(select(ProcessedUpdate.update_id))).all()
    finally:
        for factory in factories:
            await factory.engine.dispose()
    assert sorted(int(update_id) for update_id in ids) == list(range(1, WRITERS * ROUNDS + 1))


async def test_concurrent_saves_to_one_report_number_versions_in_turn(uow_factory: UnitOfWorkFactory) -> None:
    spec = CampaignSpec(
        code="so-ket-2023",
        title=LocalText("Sơ kết năm 2023"),
        basis="Kế hoạch số 883/KH-UBND",
        opens=date(2023, 11, 1),
        milestones=(Milestone("report_due", date(2023, 11, 25), LocalText("Hạn gửi báo cáo")),),
        reminders=ReminderPlan((3,), time(8), True),
        enrol=(EnrolRule("cap", "cap-22"),),
    )
    async with uow_factory() as uow:
        await load_units(uow, [UnitSpec("CAP-CL-NGHIHAI", "Công an phường Nghi Hải", "cap", None, False)])
        await load_campaign(uow, spec)
        code = (await uow.invites.create("CAP-CL-NGHIHAI", Role.REPORTER, NOW + timedelta(days=7), NOW)).code
        grant = (await uow.invites.redeem(code, "Nguyễn Văn An", None, NOW)).grant
        assert grant is not None
        [report] = await uow.reports.open_for(grant.person_id, NOW.date(), NOW)

    async def writer(n: int) -> None:
        for round_ in range(SAVES):
            async with uow_factory() as uow:
                # Half the writers read the report as a turn that goes on with it does (locked),
                # half as one that lists the reports first (the save then locks it).
                if n % 2:
                    assert await uow.reports.current_for(grant.person_id, report.id, NOW.date()) is not None
                else:
                    await uow.reports.open_for(grant.person_id, NOW.date(), NOW)
                await asyncio.sleep(0)  # let the other writers run between the read and the save
                value = {"status": "dat", "narrative": f"Lần {round_} của cán bộ {n}"}
                await uow.reports.save_answers(report.id, {"TC.1": value}, grant.person_id, NOW)

    await asyncio.gather(*(writer(n) for n in range(WRITERS)))
    async with uow_factory() as uow:
        versions = [version for version, _, _ in await answer_versions(uow, report.id, "TC.1")]
    assert versions == list(range(1, WRITERS * SAVES + 1))
