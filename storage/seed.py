"""Loading the organisation and campaigns from the catalogs, and listing what is loaded.

Loaders upsert by natural key (unit code, campaign code, milestone kind), so running a seed
again changes nothing, and running it after a catalog edit applies just that edit. Enrolments
are only ever added: a unit that has started its report keeps it. Whatever writes units or
campaigns moves the organisation's version (storage/units.py), so every worker reads them again.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.base.letterhead import Letterhead
from bot.base.records import LoadedUnit
from bot.base.text import fold
from bot.catalog.model import CampaignSpec, UnitSpec
from bot.organisation.units import parents_first
from storage.models import Campaign, Enrolment, MilestoneRow, Report, Unit
from storage.unit_of_work import SqlUnitOfWork
from storage.units import letterhead_json, letterhead_of, organisation_changed, plan_json

__all__ = ["UnitRow", "list_units", "load_campaign", "load_units", "loaded_units", "name_signers", "retire_units"]


@dataclass(frozen=True)
class UnitRow:
    """A line of `baocao units list`; `forms` maps campaign code to the unit's form there."""

    code: str
    name: str
    kind: str
    parent_code: str | None
    demo: bool
    forms: dict[str, str]
    retired: bool = False
    letterhead: Letterhead = Letterhead()


def _session(target: AsyncSession | SqlUnitOfWork) -> AsyncSession:
    return target.session if isinstance(target, SqlUnitOfWork) else target


Written = Callable[[int], None]
"""Told how many more rows were just written (a progress bar)."""

BATCH = 2000
"""Rows per executemany: few round trips, a progress step a person sees move, and far below
PostgreSQL's 32,767 parameters per statement (an IN list of codes included)."""


async def load_units(target: AsyncSession | SqlUnitOfWork, units: list[UnitSpec], written: Written | None = None) -> int:
    """Upserts the units by code (a retired unit listed again is back in use); returns how many
    rows changed. The new units are inserted and the changed ones updated in batches of
    `BATCH` (Core executemany, no ORM object per row); a unit whose parent is new gets its parent
    in one more batched update, once every new unit has an id. `written` is told each batch of
    units inserted or updated."""
    session = _session(target)
    table = Unit.__table__
    existing = {
        row.code: row
        for row in await session.execute(
            select(Unit.id, Unit.code, Unit.name, Unit.name_key, Unit.kind, Unit.parent_id, Unit.demo, Unit.letterhead, Unit.retired_at)
        )
    }
    now = datetime.now(timezone.utc)
    new: list[dict[str, Any]] = []
    new_codes: set[str] = set()
    under_new: dict[str, str] = {}  # a unit's code → its parent's code, where that parent is new
    changed: list[dict[str, Any]] = []
    for spec in parents_first(units, lambda unit: unit.code, lambda unit: unit.parent_code):  # a new parent before its children
        parent = existing.get(spec.parent_code) if spec.parent_code is not None else None
        if spec.parent_code is not None and parent is None:
            if spec.parent_code not in new_codes:
                raise ValueError(f"unit {spec.code}: parent {spec.parent_code} is neither loaded nor listed")
            under_new[spec.code] = spec.parent_code
        wanted = {
            "name": spec.name, "name_key": fold(spec.name), "kind": spec.kind, "parent_id": parent.id if parent else None, "demo": spec.demo,
            "letterhead": letterhead_json(spec.letterhead), "retired_at": None,
        }  # fmt: skip
        row = existing.get(spec.code)
        if row is None:
            new.append({"code": spec.code, "created_at": now, **wanted})
            new_codes.add(spec.code)
        elif any(getattr(row, key) != value for key, value in wanted.items()) or spec.code in under_new:
            changed.append({"b_id": row.id, **{f"b_{key}": value for key, value in wanted.items()}})
    for batch in _batches(new):
        await session.execute(insert(table), batch)
        if written is not None:
            written(len(batch))
    columns = ("name", "name_key", "kind", "parent_id", "demo", "letterhead", "retired_at")
    for batch in _batches(changed):
        await session.execute(
            update(table).where(table.c.id == bindparam("b_id")).values({key: bindparam(f"b_{key}") for key in columns}), batch
        )
        if written is not None:
            written(len(batch))
    if under_new:  # now that every new unit has its id
        ids = {code: unit_id for unit_id, code in await session.execute(select(Unit.id, Unit.code))}
        parents = [{"b_id": ids[code], "b_parent_id": ids[parent_code]} for code, parent_code in under_new.items()]
        for batch in _batches(parents):
            await session.execute(update(table).where(table.c.id == bindparam("b_id")).values(parent_id=bindparam("b_parent_id")), batch)
    if new or changed:
        await organisation_changed(session)
    return len(new) + len(changed)


def _batches(rows: list[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(rows), BATCH):
        yield rows[start : start + BATCH]


async def load_campaign(target: AsyncSession | SqlUnitOfWork, spec: CampaignSpec) -> int:
    """Upserts the campaign and its milestones, and enrols every unit a rule matches that is not
    enrolled yet; returns how many rows changed."""
    session = _session(target)
    now = datetime.now(timezone.utc)
    wanted: dict[str, Any] = {
        "title_vi": spec.title.vi,
        "title_en": spec.title.en,
        "basis": spec.basis,
        "opens": spec.opens,
        "closes": spec.closes,
        "reminders": plan_json(spec.reminders),
        "issuer": letterhead_json(spec.issuer),
    }
    changed = 0
    campaign = (
        await session.execute(
            select(Campaign.id, *(getattr(Campaign, key) for key in wanted)).where(Campaign.code == spec.code)
        )
    ).one_or_none()
    if campaign is None:
        row = Campaign(code=spec.code, created_at=now, **wanted)
        session.add(row)
        await session.flush()
        campaign_id = row.id
        changed += 1
    else:
        campaign_id = campaign.id
        if any(getattr(campaign, key) != value for key, value in wanted.items()):
            await session.execute(update(Campaign).where(Campaign.id == campaign_id).values(**wanted))
            changed += 1
    changed += await _load_milestones(session, campaign_id, spec)
    if changed:
        await organisation_changed(session)
    return changed + await _enrol(session, campaign_id, spec, now)


async def _load_milestones(session: AsyncSession, campaign_id: int, spec: CampaignSpec) -> int:
    existing = {
        row.kind: row
        for row in await session.execute(
            select(
                MilestoneRow.id, MilestoneRow.kind, MilestoneRow.due, MilestoneRow.title_vi, MilestoneRow.title_en
            ).where(MilestoneRow.campaign_id == campaign_id)
        )
    }
    changed = 0
    for milestone in spec.milestones:
        wanted = {"due": milestone.due, "title_vi": milestone.title.vi, "title_en": milestone.title.en}
        row = existing.pop(milestone.kind, None)
        if row is None:
            session.add(MilestoneRow(campaign_id=campaign_id, kind=milestone.kind, **wanted))
            changed += 1
        elif any(getattr(row, key) != value for key, value in wanted.items()):
            await session.execute(update(MilestoneRow).where(MilestoneRow.id == row.id).values(**wanted))
            changed += 1
    if existing:
        # Milestones are pure calendar data (no report hangs on them): the catalog is the truth.
        stale = [row.id for row in existing.values()]
        await session.execute(delete(MilestoneRow).where(MilestoneRow.id.in_(stale)))
        changed += len(stale)
    await session.flush()
    return changed


async def _enrol(session: AsyncSession, campaign_id: int, spec: CampaignSpec, now: datetime) -> int:
    enrolled = select(Enrolment.unit_id).where(Enrolment.campaign_id == campaign_id)
    candidates = await session.execute(
        select(Unit.id, Unit.code, Unit.kind).where(Unit.id.not_in(enrolled), Unit.retired_at.is_(None))
    )
    new = [
        Enrolment(campaign_id=campaign_id, unit_id=unit.id, form_id=form_id, created_at=now)
        for unit in candidates
        if (form_id := spec.form_for(unit.kind, unit.code)) is not None
    ]
    session.add_all(new)
    await session.flush()
    return len(new)


async def list_units(target: AsyncSession | SqlUnitOfWork) -> list[UnitRow]:
    """Every unit with its parent and forms, depth-first from the roots, siblings by code."""
    session = _session(target)
    parent = aliased(Unit)
    units = (
        await session.execute(
            select(
                Unit.id, Unit.code, Unit.name, Unit.kind, Unit.demo, Unit.parent_id, Unit.retired_at, Unit.letterhead,
                parent.code.label("parent_code"),
            )
            .outerjoin(parent, parent.id == Unit.parent_id)
            .order_by(Unit.code)
        )
    ).all()
    forms: dict[int, dict[str, str]] = {}
    for unit_id, campaign_code, form_id in await session.execute(
        select(Enrolment.unit_id, Campaign.code, Enrolment.form_id)
        .join(Campaign, Campaign.id == Enrolment.campaign_id)
        .order_by(Campaign.opens, Campaign.code)
    ):
        forms.setdefault(unit_id, {})[campaign_code] = form_id
    return [
        UnitRow(
            unit.code, unit.name, unit.kind, unit.parent_code, unit.demo, forms.get(unit.id, {}), unit.retired_at is not None,
            letterhead_of(unit.letterhead),
        )
        for unit in parents_first(units, lambda unit: unit.id, lambda unit: unit.parent_id)
    ]


async def loaded_units(target: AsyncSession | SqlUnitOfWork) -> list[LoadedUnit]:
    """Every unit with what an import of the tree compares: its parent, whether it is retired,
    whether any of its reports has been opened."""
    session = _session(target)
    with_reports = set(await session.scalars(select(Enrolment.unit_id).join(Report, Report.enrolment_id == Enrolment.id)))
    parent = aliased(Unit)
    rows = await session.execute(
        select(Unit.id, Unit.code, Unit.name, Unit.kind, Unit.demo, Unit.retired_at, Unit.letterhead, parent.code.label("parent_code"))
        .outerjoin(parent, parent.id == Unit.parent_id)
        .order_by(Unit.code)
    )
    return [
        LoadedUnit(
            row.code, row.name, row.kind, row.parent_code, row.retired_at is not None, row.id in with_reports, row.demo,
            letterhead_of(row.letterhead),
        )
        for row in rows
    ]


async def name_signers(target: AsyncSession | SqlUnitOfWork, signers: Mapping[str, tuple[str, str]]) -> None:
    """Who signs each unit's reports and as what (unit code → name, title), into what the unit's
    letterhead already says."""
    session = _session(target)
    rows = await session.execute(select(Unit.id, Unit.code, Unit.letterhead).where(Unit.code.in_(list(signers))))
    for unit_id, code, letterhead in rows.all():
        name, title = signers[code]
        signed = replace(letterhead_of(letterhead), signer_name=name, signer_title=title)
        await session.execute(update(Unit).where(Unit.id == unit_id).values(letterhead=letterhead_json(signed)))
    await organisation_changed(session)


async def retire_units(
    target: AsyncSession | SqlUnitOfWork, codes: Collection[str], now: datetime, written: Written | None = None
) -> None:
    """Marks the units retired: kept, with their reports and history, but in no new campaign.
    In batches of `BATCH` codes, each one statement; `written` is told each batch."""
    session, listed = _session(target), list(codes)
    for start in range(0, len(listed), BATCH):
        batch = listed[start : start + BATCH]
        await session.execute(update(Unit).where(Unit.code.in_(batch), Unit.retired_at.is_(None)).values(retired_at=now))
        if written is not None:
            written(len(batch))
    if listed:
        await organisation_changed(session)
