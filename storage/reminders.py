"""Reminders: who is still pending, who to tell, and which slots have fired (the messages
themselves go through `storage.outbox`).

Readings cost a fixed number of queries however many units they cover.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime

from sqlalchemy import ColumnElement, case, distinct, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.ports import PendingUnit, Recipient, Role
from bot.report import ReportStatus
from storage.models import Answer, Campaign, Enrolment, OutboxRow, Report, ReminderRun, Unit
from storage.people import holders
from storage.upsert import insert

# Reports a reminder is still for; a missing report (never opened) counts too.
NOT_SUBMITTED = (ReportStatus.DRAFT.value, ReportStatus.RETURNED.value)

# Criterion questions are numbered TC.1, TC.2, … in every criteria set.
CRITERION_PREFIX = "TC."


class SqlReminders:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def pending_units(self, campaign_code: str, unit_ids: Collection[int] | None = None) -> list[PendingUnit]:
        """Enrolments of the campaign whose report is missing, a draft or returned, by unit code,
        with their reporters; two queries."""
        scope: list[ColumnElement[bool]] = [Campaign.code == campaign_code]
        if unit_ids is not None:
            ids = list(unit_ids)
            if not ids:
                return []
            scope.append(Enrolment.unit_id.in_(ids))
        pending = or_(Report.id.is_(None), Report.status.in_(NOT_SUBMITTED))
        criterion = func.substr(Answer.question_id, 1, len(CRITERION_PREFIX)) == CRITERION_PREFIX
        activity = (
            select(
                Answer.report_id,
                func.count(distinct(Answer.question_id)).label("answered"),
                func.count(distinct(case((criterion, Answer.question_id)))).label("answered_criteria"),
            )
            .join(Report, Report.id == Answer.report_id)
            .join(Enrolment, Enrolment.id == Report.enrolment_id)
            .join(Campaign, Campaign.id == Enrolment.campaign_id)
            .where(*scope, Report.status.in_(NOT_SUBMITTED))
            .group_by(Answer.report_id)
            .subquery()
        )
        rows = (
            await self.session.execute(
                select(
                    Enrolment.unit_id,
                    Enrolment.form_id,
                    Report.id.label("report_id"),
                    Report.status,
                    activity.c.answered,
                    activity.c.answered_criteria,
                )
                .join(Campaign, Campaign.id == Enrolment.campaign_id)
                .join(Unit, Unit.id == Enrolment.unit_id)
                .outerjoin(Report, Report.enrolment_id == Enrolment.id)
                .outerjoin(activity, activity.c.report_id == Report.id)
                .where(*scope, pending)
                .order_by(Unit.code)
            )
        ).all()
        if not rows:
            return []
        reporters = await holders(self.session, Role.REPORTER, [row.unit_id for row in rows])
        return [
            PendingUnit(
                unit_id=row.unit_id,
                form_id=row.form_id,
                report_id=row.report_id,
                status=ReportStatus(row.status) if row.status is not None else None,
                answered=row.answered or 0,
                answered_criteria=row.answered_criteria or 0,
                reporters=tuple(reporters.get(row.unit_id, ())),
            )
            for row in rows
        ]

    async def supervisors_of(self, unit_ids: Collection[int]) -> dict[int, tuple[Recipient, ...]]:
        """Per unit, the supervisors of its nearest ancestor that has any (its parent first, then
        the parent's parent…), reachable ones only; every unit asked for is a key, with () when
        nobody above it supervises. Two queries: the tree, then the supervisors on it.

        The level is chosen by grants: when the nearest supervisors have all blocked the bot,
        the unit maps to () rather than skipping up to the level above."""
        ids = list(dict.fromkeys(unit_ids))
        if not ids:
            return {}
        parent_of: dict[int, int | None] = {
            row.id: row.parent_id for row in await self.session.execute(select(Unit.id, Unit.parent_id))
        }
        chains = {unit_id: _ancestors(unit_id, parent_of) for unit_id in ids}
        above = sorted({ancestor for chain in chains.values() for ancestor in chain})
        supervisors = await holders(self.session, Role.SUPERVISOR, above)
        nearest: dict[int, tuple[Recipient, ...]] = {}
        for unit_id, chain in chains.items():
            # The first level with a supervisor wins, even if none of them can be reached there.
            level = next((ancestor for ancestor in chain if ancestor in supervisors), None)
            nearest[unit_id] = tuple(supervisors[level]) if level is not None else ()
        return nearest

    async def fired(self, slot_key: str) -> bool:
        return bool(await self.session.scalar(select(exists().where(ReminderRun.slot_key == slot_key))))

    async def record_fire(self, slot_key: str, outcome: str, now: datetime) -> bool:
        """Marks the slot handled; False if it already was (a concurrent worker waits for the
        first one's commit on PostgreSQL, then inserts nothing)."""
        statement = (
            insert(self.session, ReminderRun)
            .values(slot_key=slot_key, outcome=outcome, fired_at=now)
            .on_conflict_do_nothing(index_elements=["slot_key"])
            .returning(ReminderRun.slot_key)
        )
        return (await self.session.execute(statement)).first() is not None

    async def reminded_today(self, unit_ids: Collection[int], day_key: str) -> frozenset[int]:
        """Those of these units with an outbox row under `day_key` (a key prefix, compared exactly:
        no LIKE wildcards, and case-sensitive on SQLite too)."""
        ids = list(unit_ids)
        if not ids:
            return frozenset()
        rows = await self.session.scalars(
            select(OutboxRow.unit_id)
            .where(OutboxRow.unit_id.in_(ids), func.substr(OutboxRow.key, 1, len(day_key)) == day_key)
            .distinct()
        )
        return frozenset(rows)



def _ancestors(unit_id: int, parent_of: Mapping[int, int | None]) -> list[int]:
    """The unit's parent, its parent's parent, … up to the root (a cycle ends the walk)."""
    chain: list[int] = []
    up = parent_of.get(unit_id)
    while up is not None and up not in chain and up != unit_id:
        chain.append(up)
        up = parent_of.get(up)
    return chain
