"""What supervisors read and do: the unit tree, who has reported, appraisal, people, the audit trail.

Every reading takes the unit ids of the caller's scope and returns nothing outside them; deciding
the scope is the core's business. Listings cost a fixed number of queries however many units
they cover, so a province-wide table is as cheap to build as a commune's.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Hashable, Iterable
from datetime import datetime
from typing import Any, TypeVar, cast

from sqlalchemy import ColumnElement, Row, and_, distinct, func, insert, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession

from bot.answers import AnswerValue
from bot.forms import LocalText
from bot.ports import AuditEntry, CampaignRecord, LinkedPerson, ReportRecord, ReportRow, Role, UnitRecord
from bot.report import ReportStatus
from storage.models import (
    Answer,
    AuditRow,
    Campaign,
    Chat,
    Enrolment,
    GrantRow,
    MilestoneRow,
    Person,
    Report,
    Unit,
)
from storage.reports import REPORT_DUE, create_drafts, load_records, lock_report, record_query

T = TypeVar("T")

# Where a supervisor may act: a report handed in and not yet appraised.
AWAITING_APPRAISAL = frozenset({ReportStatus.SUBMITTED, ReportStatus.RESUBMITTED})

# The synthetic history entry for one saved answer version.
ANSWER_ACTION = "answer"


class SqlSupervision:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def units(self) -> list[UnitRecord]:
        """Every unit, depth-first from the roots (a parent before its children), siblings by code."""
        rows = await self.session.execute(
            select(Unit.id, Unit.code, Unit.name, Unit.kind, Unit.parent_id, Unit.demo).order_by(Unit.code)
        )
        units = [UnitRecord(row.id, row.code, row.name, row.kind, row.parent_id, row.demo) for row in rows]
        return parents_first(units, lambda unit: unit.id, lambda unit: unit.parent_id)

    async def campaigns(self) -> list[CampaignRecord]:
        rows = await self.session.execute(
            select(Campaign.code, Campaign.title_vi, Campaign.title_en, Campaign.opens, MilestoneRow.due, Campaign.reminders)
            .outerjoin(MilestoneRow, and_(MilestoneRow.campaign_id == Campaign.id, MilestoneRow.kind == REPORT_DUE))
            .order_by(Campaign.opens, Campaign.code)
        )
        return [
            CampaignRecord(row.code, LocalText(row.title_vi, row.title_en), row.opens, row.due, row.reminders or {})
            for row in rows
        ]

    async def report_rows(self, campaign_code: str, unit_ids: Collection[int]) -> list[ReportRow]:
        """One row per enrolment of these units, by unit code, in a single query: each report's
        answered questions and newest answer come from one aggregate over the campaign's answers."""
        ids = list(unit_ids)
        if not ids:
            return []
        in_scope = (Campaign.code == campaign_code, Enrolment.unit_id.in_(ids))
        activity = (
            select(
                Answer.report_id,
                func.count(distinct(Answer.question_id)).label("answered"),
                func.max(Answer.created_at).label("last_answer"),
            )
            .join(Report, Report.id == Answer.report_id)
            .join(Enrolment, Enrolment.id == Report.enrolment_id)
            .join(Campaign, Campaign.id == Enrolment.campaign_id)
            .where(*in_scope)
            .group_by(Answer.report_id)
            .subquery()
        )
        rows = await self.session.execute(
            select(
                Enrolment.unit_id,
                Enrolment.form_id,
                Report.id.label("report_id"),
                Report.status,
                Report.submitted_at,
                Report.receipt_no,
                activity.c.answered,
                activity.c.last_answer,
            )
            .join(Campaign, Campaign.id == Enrolment.campaign_id)
            .join(Unit, Unit.id == Enrolment.unit_id)
            .outerjoin(Report, Report.enrolment_id == Enrolment.id)
            .outerjoin(activity, activity.c.report_id == Report.id)
            .where(*in_scope)
            .order_by(Unit.code)
        )
        return [
            ReportRow(
                unit_id=row.unit_id,
                form_id=row.form_id,
                report_id=row.report_id,
                status=ReportStatus(row.status) if row.status is not None else None,
                answered=row.answered or 0,
                # The officer's own doings only: a supervisor opening the unit is no activity.
                last_activity=max((t for t in (row.last_answer, row.submitted_at) if t is not None), default=None),
                submitted_at=row.submitted_at,
                receipt_no=row.receipt_no,
            )
            for row in rows
        ]

    async def report_of(self, campaign_code: str, unit_id: int, now: datetime) -> ReportRecord | None:
        """The unit's report in the campaign, its draft created (stamped `now`) if nobody opened it
        yet; None when the unit is not enrolled there."""
        enrolment = (
            select(Enrolment.id)
            .join(Campaign, Campaign.id == Enrolment.campaign_id)
            .where(Campaign.code == campaign_code, Enrolment.unit_id == unit_id)
        )
        await create_drafts(self.session, enrolment, now)
        records = await load_records(self.session, record_query().where(Report.enrolment_id.in_(enrolment)))
        return records[0] if records else None

    async def answers_to(
        self, campaign_code: str, question_id: str, unit_ids: Collection[int]
    ) -> dict[int, AnswerValue]:
        """The newest version of one answer, per unit of these that has one."""
        ids = list(unit_ids)
        if not ids:
            return {}
        newest = (
            select(Answer.report_id, func.max(Answer.version).label("version"))
            .join(Report, Report.id == Answer.report_id)
            .join(Enrolment, Enrolment.id == Report.enrolment_id)
            .join(Campaign, Campaign.id == Enrolment.campaign_id)
            .where(Answer.question_id == question_id, Campaign.code == campaign_code, Enrolment.unit_id.in_(ids))
            .group_by(Answer.report_id)
            .subquery()
        )
        rows = await self.session.execute(
            select(Enrolment.unit_id, Answer.value)
            .select_from(Answer)
            .join(
                newest,
                and_(
                    Answer.report_id == newest.c.report_id,
                    Answer.question_id == question_id,
                    Answer.version == newest.c.version,
                ),
            )
            .join(Report, Report.id == Answer.report_id)
            .join(Enrolment, Enrolment.id == Report.enrolment_id)
        )
        return {row.unit_id: row.value for row in rows}

    async def people(self, unit_ids: Collection[int]) -> list[LinkedPerson]:
        """Grants in force on these units, by unit code, role and name."""
        ids = list(unit_ids)
        if not ids:
            return []
        return await self._linked(GrantRow.unit_id.in_(ids))

    async def revoke(self, grant_id: int, now: datetime) -> LinkedPerson | None:
        """Ends the grant and returns it as it stood; None if there is no such grant in force
        (also when a concurrent revoke got there first: the UPDATE re-checks `revoked_at`)."""
        found = await self._linked(GrantRow.id == grant_id)
        if not found:
            return None
        revoked = cast(
            CursorResult[Any],
            await self.session.execute(
                update(GrantRow)
                .where(GrantRow.id == grant_id, GrantRow.revoked_at.is_(None))
                .values(revoked_at=now)
            ),
        )
        return found[0] if revoked.rowcount else None

    async def return_report(
        self, report_id: int, question_ids: Collection[str], comment: str, person_id: int, now: datetime
    ) -> None:
        """Sends a handed-in report back with only these questions reopened. Who did it is the
        caller's audit entry (`record`); the report keeps the comment and the time of the return,
        from which `needs_revision` is worked out."""
        await self._appraise(report_id, "return")
        await self.session.execute(
            update(Report)
            .where(Report.id == report_id)
            .values(
                status=ReportStatus.RETURNED.value,
                returned_at=now,
                reopened=sorted(set(question_ids)),
                return_comment=comment,
                updated_at=now,
            )
        )

    async def approve(self, report_id: int, person_id: int, now: datetime) -> None:
        await self._appraise(report_id, "approve")
        await self.session.execute(
            update(Report).where(Report.id == report_id).values(status=ReportStatus.APPROVED.value, updated_at=now)
        )

    async def record(self, entry: AuditEntry) -> None:
        """Appends to the audit trail; the actor's name is not copied, it is read from `people`."""
        await self.session.execute(
            insert(AuditRow).values(
                at=entry.at,
                action=entry.action,
                actor_id=entry.actor_id,
                unit_id=entry.unit_id,
                report_id=entry.report_id,
                details=dict(entry.details),
            )
        )

    async def history(self, report_id: int) -> list[AuditEntry]:
        """The report's audit entries and one entry per answer version (with the value it
        replaced), oldest first; at the same instant, answers come before what was done to them."""
        audit = await self.session.execute(
            select(
                AuditRow.id,
                AuditRow.at,
                AuditRow.action,
                AuditRow.actor_id,
                Person.full_name,
                AuditRow.unit_id,
                AuditRow.details,
            )
            .outerjoin(Person, Person.id == AuditRow.actor_id)
            .where(AuditRow.report_id == report_id)
        )
        versions = await self.session.execute(
            select(
                Answer.id,
                Answer.question_id,
                Answer.version,
                Answer.value,
                Answer.author_id,
                Person.full_name,
                Answer.created_at,
                Enrolment.unit_id,
            )
            .join(Report, Report.id == Answer.report_id)
            .join(Enrolment, Enrolment.id == Report.enrolment_id)
            .outerjoin(Person, Person.id == Answer.author_id)
            .where(Answer.report_id == report_id)
            .order_by(Answer.question_id, Answer.version)
        )
        keyed: list[tuple[datetime, int, int, AuditEntry]] = []
        previous: dict[str, AnswerValue] = {}
        for row in versions:
            entry = AuditEntry(
                at=row.created_at,
                action=ANSWER_ACTION,
                actor_id=row.author_id,
                actor_name=row.full_name,
                unit_id=row.unit_id,
                report_id=report_id,
                details={
                    "question_id": row.question_id,
                    "version": row.version,
                    "before": previous.get(row.question_id),
                    "after": row.value,
                },
            )
            previous[row.question_id] = row.value
            keyed.append((row.created_at, 0, row.id, entry))
        for row in audit:
            entry = AuditEntry(
                at=row.at,
                action=row.action,
                actor_id=row.actor_id,
                actor_name=row.full_name,
                unit_id=row.unit_id,
                report_id=report_id,
                details=dict(row.details),
            )
            keyed.append((row.at, 1, row.id, entry))
        keyed.sort(key=lambda item: item[:3])
        return [entry for *_, entry in keyed]

    async def _appraise(self, report_id: int, verb: str) -> None:
        """Locks the report (like a submission does) and checks it awaits appraisal."""
        report = await lock_report(self.session, report_id)
        status = ReportStatus(report.status)
        if status not in AWAITING_APPRAISAL:
            raise ValueError(f"report {report_id} is {status}: only a submitted report can be given a {verb}")

    async def _linked(self, which: ColumnElement[bool]) -> list[LinkedPerson]:
        """Grants in force matching `which`, with their person's name and chats; two queries."""
        chats = (
            select(
                Chat.person_id,
                func.count(Chat.id).label("linked_chats"),
                func.max(Chat.updated_at).label("last_seen"),
            )
            .where(Chat.person_id.in_(select(GrantRow.person_id).where(which)))
            .group_by(Chat.person_id)
            .subquery()
        )
        rows = await self.session.execute(
            select(
                GrantRow.id,
                GrantRow.person_id,
                Person.full_name,
                GrantRow.role,
                GrantRow.unit_id,
                chats.c.linked_chats,
                chats.c.last_seen,
            )
            .join(Person, Person.id == GrantRow.person_id)
            .join(Unit, Unit.id == GrantRow.unit_id)
            .outerjoin(chats, chats.c.person_id == GrantRow.person_id)
            .where(which, GrantRow.revoked_at.is_(None))
            .order_by(Unit.code, GrantRow.role, Person.full_name, GrantRow.id)
        )
        channels: dict[int, list[str]] = {}
        for person_id, channel in await self.session.execute(
            select(Chat.person_id, Chat.channel)
            .where(Chat.person_id.in_(select(GrantRow.person_id).where(which)))
            .group_by(Chat.person_id, Chat.channel)
            .order_by(Chat.person_id, func.max(Chat.updated_at).desc())
        ):
            channels.setdefault(person_id, []).append(channel)
        return [_linked_person(row, channels.get(row.person_id, ())) for row in rows]


def _linked_person(row: Row[Any], channels: Iterable[str]) -> LinkedPerson:
    return LinkedPerson(
        grant_id=row.id,
        person_id=row.person_id,
        full_name=row.full_name,
        role=Role(row.role),
        unit_id=row.unit_id,
        linked_chats=row.linked_chats or 0,
        last_seen=row.last_seen,
        channels=tuple(channels),
    )


def parents_first(items: Iterable[T], key: Callable[[T], Hashable], parent: Callable[[T], Hashable | None]) -> list[T]:
    """The items depth-first from the roots, each parent before its children, siblings in the
    order given. An item whose parent is not among them counts as a root."""
    items = list(items)
    keys = {key(item) for item in items}
    children: dict[Hashable | None, list[T]] = {}
    for item in items:
        up = parent(item)
        children.setdefault(up if up in keys else None, []).append(item)
    ordered: list[T] = []

    def walk(up: Hashable | None) -> None:
        for item in children.get(up, []):
            ordered.append(item)
            walk(key(item))

    walk(None)
    return ordered
