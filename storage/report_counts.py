"""A campaign's enrolments, read in the database with their reports' counts: what each report row
keeps (its answered questions and latest answer, moved by a trigger on every answer written:
migration 0019), never counted from the answer rows."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date
from typing import Any

from sqlalchemy import Row, Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.base.records import Enrolment as EnrolmentRecord
from bot.base.report_status import ReportStatus
from storage.models import Campaign, Enrolment, Report, Unit

__all__ = ["enrolments_of", "extensions_of"]

_ENROLMENTS, _REPORTS, _UNITS, _CAMPAIGNS = Enrolment.__table__, Report.__table__, Unit.__table__, Campaign.__table__

_ENROLMENT_COLUMNS = (
    _ENROLMENTS.c.unit_id,
    _ENROLMENTS.c.form_id,
    _REPORTS.c.id.label("report_id"),
    _REPORTS.c.status,
    _REPORTS.c.submitted_at,
    _REPORTS.c.receipt_no,
    _ENROLMENTS.c.extended_to,
    _REPORTS.c.answered,
    _REPORTS.c.answered_criteria,
    _REPORTS.c.last_answer_at,
)


async def enrolments_of(session: AsyncSession, campaign_code: str, unit_ids: Collection[int] | None = None) -> list[EnrolmentRecord]:
    """One row per enrolment of these units (all, given None), by unit code, in one query."""
    query = _enrolled(campaign_code).add_columns(*_ENROLMENT_COLUMNS).order_by(_UNITS.c.code)
    if unit_ids is not None:
        ids = list(unit_ids)
        if not ids:
            return []
        query = query.where(_ENROLMENTS.c.unit_id.in_(ids))
    rows = await session.execute(query)
    return [_enrolment(row) for row in rows]


async def extensions_of(session: AsyncSession) -> list[tuple[str, date]]:
    """Every (campaign code, date) to which some unit's deadline was extended, once each."""
    rows = await session.execute(
        select(_CAMPAIGNS.c.code, _ENROLMENTS.c.extended_to)
        .join(_CAMPAIGNS, _CAMPAIGNS.c.id == _ENROLMENTS.c.campaign_id)
        .where(_ENROLMENTS.c.extended_to.is_not(None))
        .distinct()
        .order_by(_CAMPAIGNS.c.code, _ENROLMENTS.c.extended_to)
    )
    return [(row.code, row.extended_to) for row in rows]


def _enrolled(campaign_code: str) -> Select[Any]:
    """The campaign's enrolments with their units and reports (none opened: a report of NULLs),
    columns added by the caller."""
    campaign = select(_CAMPAIGNS.c.id).where(_CAMPAIGNS.c.code == campaign_code).scalar_subquery()
    return (
        select()
        .select_from(_ENROLMENTS)
        .join(_UNITS, _UNITS.c.id == _ENROLMENTS.c.unit_id)
        .outerjoin(_REPORTS, _REPORTS.c.enrolment_id == _ENROLMENTS.c.id)
        .where(_ENROLMENTS.c.campaign_id == campaign)
    )


def _status(value: str | None) -> ReportStatus | None:
    return ReportStatus(value) if value is not None else None


def _enrolment(row: Row[Any]) -> EnrolmentRecord:
    return EnrolmentRecord(
        unit_id=row.unit_id,
        form_id=row.form_id,
        report_id=row.report_id,
        status=_status(row.status),
        answered=row.answered or 0,
        answered_criteria=row.answered_criteria or 0,
        # The officer's own doings only: a supervisor opening the unit is no activity.
        last_activity=max((t for t in (row.last_answer_at, row.submitted_at) if t is not None), default=None),
        submitted_at=row.submitted_at,
        receipt_no=row.receipt_no,
        extended_to=row.extended_to,
    )
