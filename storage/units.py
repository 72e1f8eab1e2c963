"""The organisation and its campaigns, as the core reads them, and the version that every write of
either moves (`organisation_changed`); and the one place that knows how a campaign's reminder
plan and a unit's letterhead are kept as JSON."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from datetime import time
from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.base.deadline import REPORT_DUE, ReminderPlan
from bot.base.forms import LocalText
from bot.base.letterhead import Letterhead
from bot.base.records import CampaignRecord, UnitRecord
from bot.organisation.units import parents_first
from storage.machinery_models import OrganisationVersion
from storage.models import Campaign, MilestoneRow, Unit
from storage.upsert import insert

__all__ = ["SqlUnits", "letterhead_json", "letterhead_of", "organisation_changed", "plan_json", "plan_of"]

VERSION_ROW = 1


def plan_json(plan: ReminderPlan) -> dict[str, Any]:
    return {"days_before": list(plan.days_before), "at": plan.at.strftime("%H:%M"), "overdue_notice": plan.overdue_notice}


def plan_of(data: Mapping[str, Any] | None) -> ReminderPlan:
    """The plan as kept; what is missing takes the plan's defaults."""
    default = ReminderPlan()
    data = data or {}
    return ReminderPlan(
        days_before=tuple(int(days) for days in data.get("days_before", default.days_before)),
        at=time.fromisoformat(data["at"]) if "at" in data else default.at,
        overdue_notice=bool(data.get("overdue_notice", default.overdue_notice)),
    )


def letterhead_json(letterhead: Letterhead | None) -> dict[str, Any] | None:
    """Only what was said (None where nothing was), so that the unit kinds file fills the rest."""
    said = {name: value for name, value in asdict(letterhead or Letterhead()).items() if value is not None}
    return said or None


def letterhead_of(data: Mapping[str, Any] | None) -> Letterhead:
    said = dict(data or {})
    if "copies_to" in said:
        said["copies_to"] = tuple(said["copies_to"])  # a list in JSON
    return Letterhead(**said)


class SqlUnits:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def units(self) -> list[UnitRecord]:
        """Every unit, depth-first from the roots (a parent before its children), siblings by code."""
        rows = await self.session.execute(
            select(Unit.id, Unit.code, Unit.name, Unit.kind, Unit.parent_id, Unit.demo, Unit.letterhead).order_by(Unit.code)
        )
        units = [
            UnitRecord(row.id, row.code, row.name, row.kind, row.parent_id, row.demo, letterhead_of(row.letterhead)) for row in rows
        ]
        return parents_first(units, lambda unit: unit.id, lambda unit: unit.parent_id)

    async def campaigns(self) -> list[CampaignRecord]:
        rows = await self.session.execute(
            select(
                Campaign.code, Campaign.title_vi, Campaign.title_en, Campaign.opens, MilestoneRow.due, Campaign.reminders,
                Campaign.closes, Campaign.issuer,
            )
            .outerjoin(MilestoneRow, and_(MilestoneRow.campaign_id == Campaign.id, MilestoneRow.kind == REPORT_DUE))
            .order_by(Campaign.opens, Campaign.code)
        )
        return [
            CampaignRecord(
                row.code, LocalText(row.title_vi, row.title_en), row.opens, row.due, plan_of(row.reminders), row.closes,
                letterhead_of(row.issuer) if row.issuer else None,
            )
            for row in rows
        ]

    async def version(self) -> int:
        return await self.session.scalar(select(OrganisationVersion.version).where(OrganisationVersion.id == VERSION_ROW)) or 0


async def organisation_changed(session: AsyncSession) -> None:
    """Moves the version, in the transaction that wrote units or campaigns: every worker reads
    them again on its next turn that needs them (the row stays locked until commit, so writers
    take turns)."""
    statement = insert(session, OrganisationVersion).values(id=VERSION_ROW, version=1)
    await session.execute(
        statement.on_conflict_do_update(index_elements=[OrganisationVersion.id], set_={"version": OrganisationVersion.version + 1})
    )
