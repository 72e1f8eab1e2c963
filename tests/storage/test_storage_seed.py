"""Seeding the demo province is idempotent, and a catalog edit changes just what it edits."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.catalog.loading import load_catalog, load_demo_units
from bot.catalog.model import CampaignSpec, UnitSpec
from storage.models import Campaign, Enrolment, MilestoneRow, Unit
from storage.seed import list_units, load_campaign, load_units
from storage.unit_of_work import UnitOfWorkFactory

DEMO_UNITS = load_demo_units()
CAMPAIGNS = sorted(load_catalog().campaigns.values(), key=lambda spec: spec.opens)


async def seed_demo(factory: UnitOfWorkFactory) -> list[int]:
    async with factory() as uow:
        return [await load_units(uow, DEMO_UNITS)] + [await load_campaign(uow, spec) for spec in CAMPAIGNS]


async def counts(factory: UnitOfWorkFactory) -> dict[str, int]:
    async with factory() as uow:
        return {
            model.__tablename__: await uow.session.scalar(select(func.count()).select_from(model)) or 0
            for model in (Unit, Campaign, MilestoneRow, Enrolment)
        }


def enrolled(spec: CampaignSpec) -> int:
    return sum(1 for unit in DEMO_UNITS if spec.form_for(unit.kind, unit.code) is not None)


async def test_the_demo_seed_loads_once_and_then_changes_nothing(uow_factory: UnitOfWorkFactory) -> None:
    first = await seed_demo(uow_factory)
    expected = {
        "units": len(DEMO_UNITS),
        "campaigns": len(CAMPAIGNS),
        "milestones": sum(len(spec.milestones) for spec in CAMPAIGNS),
        "enrolments": sum(enrolled(spec) for spec in CAMPAIGNS),
    }
    assert await counts(uow_factory) == expected
    assert first == [len(DEMO_UNITS)] + [1 + len(spec.milestones) + enrolled(spec) for spec in CAMPAIGNS]
    assert await seed_demo(uow_factory) == [0] * (1 + len(CAMPAIGNS))
    assert await counts(uow_factory) == expected


async def test_units_are_listed_as_a_tree_with_their_forms(uow_factory: UnitOfWorkFactory) -> None:
    await seed_demo(uow_factory)
    async with uow_factory() as uow:
        rows = await list_units(uow.session)
    assert len(rows) == len(DEMO_UNITS)
    assert (rows[0].code, rows[0].parent_code, rows[0].forms) == ("NA", None, {})
    position = {row.code: index for index, row in enumerate(rows)}
    assert all(position[row.parent_code] < position[row.code] for row in rows if row.parent_code)
    by_code = {row.code: row for row in rows}
    assert by_code["NA-CL"].forms == {spec.code: spec.form_for("huyen", "NA-CL") for spec in CAMPAIGNS}
    assert by_code["NA-VINH"].parent_code == "NA"
    assert by_code["NA-VINH"].forms == {spec.code: spec.form_for("huyen", "NA-VINH") for spec in CAMPAIGNS}


async def test_a_catalog_edit_changes_only_what_was_edited(uow_factory: UnitOfWorkFactory) -> None:
    await seed_demo(uow_factory)
    renamed = [dataclasses.replace(u, name="Thị xã Cửa Lò (mới)") if u.code == "NA-CL" else u for u in DEMO_UNITS]
    spec = CAMPAIGNS[0]
    due = spec.report_due
    moved = dataclasses.replace(spec, milestones=(dataclasses.replace(due, due=due.due + timedelta(days=3)),))
    async with uow_factory() as uow:
        assert await load_units(uow, renamed) == 1
        # One milestone moved, the others dropped: the catalog is the truth for the calendar.
        assert await load_campaign(uow, moved) == len(spec.milestones)
    async with uow_factory() as uow:
        assert await uow.session.scalar(select(Unit.name).where(Unit.code == "NA-CL")) == "Thị xã Cửa Lò (mới)"
        milestones = (
            await uow.session.execute(
                select(MilestoneRow.kind, MilestoneRow.due)
                .join(Campaign, Campaign.id == MilestoneRow.campaign_id)
                .where(Campaign.code == spec.code)
            )
        ).all()
    assert milestones == [("report_due", due.due + timedelta(days=3))]


async def test_units_may_be_listed_children_first_but_need_a_known_parent(uow_factory: UnitOfWorkFactory) -> None:
    units = [
        UnitSpec("NA-CL", "Thị xã Cửa Lò", "huyen", "NA", False),
        UnitSpec("NA", "Tỉnh Nghệ An", "tinh", None, False),
    ]
    async with uow_factory() as uow:
        assert await load_units(uow, units) == 2
    async with uow_factory() as uow:
        assert [(row.code, row.parent_code) for row in await list_units(uow)] == [("NA", None), ("NA-CL", "NA")]
        with pytest.raises(ValueError, match="parent NA-XX"):
            await load_units(uow, [UnitSpec("NA-XX-1", "Xã 1", "xa", "NA-XX", True)])


async def test_units_added_later_are_enrolled_by_the_next_campaign_load(uow_factory: UnitOfWorkFactory) -> None:
    await seed_demo(uow_factory)
    new_ward = UnitSpec("CAP-CL-MOI", "Công an phường Mới (dữ liệu demo)", "cap", "NA-CL", True)
    async with uow_factory() as uow:
        assert await load_units(uow, [new_ward]) == 1
        assert [await load_campaign(uow, spec) for spec in CAMPAIGNS] == [1] * len(CAMPAIGNS)
        rows = {row.code: row for row in await list_units(uow)}
    assert rows["CAP-CL-MOI"].forms == {spec.code: "cap-22" for spec in CAMPAIGNS}
