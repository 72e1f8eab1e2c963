"""Reports and their answers.

A report row is created lazily, the first time one of its reporters opens it, so enrolling a
whole province costs nothing until people start work. Answers are append-only versions: the
current answer is the newest version, and every earlier one stays for the record.

The module functions (drafts, records, the row lock) are shared with `storage.supervision`,
which opens, reads and moves reports on a supervisor's behalf.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from sqlalchemy import Row, Select, and_, case, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.answers import AnswerValue
from bot.forms import LocalText
from bot.ports import Receipt, ReportRecord, Role
from bot.report import LOCKED_STATUSES, ReportStatus
from storage.models import Answer, Campaign, Enrolment, GrantRow, MilestoneRow, Report, Unit
from storage.upsert import insert

# The milestone whose date is a report's deadline (see bot.catalog.CampaignSpec.report_due).
REPORT_DUE = "report_due"


def receipt_number(report_id: int, submission: int) -> str:
    """Stable and readable over the phone: the report, then which submission of it."""
    return f"BC-{report_id:06d}-{submission}"


class SqlReports:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def open_for(self, person_id: int, today: date, now: datetime) -> list[ReportRecord]:
        """Reports this person files, open ones first, then by deadline; missing drafts are created."""
        enrolments = (
            select(Enrolment.id)
            .join(Campaign, Campaign.id == Enrolment.campaign_id)
            .join(GrantRow, GrantRow.unit_id == Enrolment.unit_id)
            .where(
                GrantRow.person_id == person_id,
                GrantRow.role == Role.REPORTER.value,
                GrantRow.revoked_at.is_(None),
                Campaign.opens <= today,
            )
        )
        await create_drafts(self.session, enrolments, now)
        locked = case((Report.status.in_([s.value for s in LOCKED_STATUSES]), 1), else_=0)
        return await load_records(
            self.session,
            record_query()
            .where(Report.enrolment_id.in_(enrolments))
            .order_by(locked, MilestoneRow.due.is_(None), MilestoneRow.due, Report.id),
        )

    async def get(self, report_id: int) -> ReportRecord | None:
        records = await load_records(self.session, record_query().where(Report.id == report_id))
        return records[0] if records else None

    async def answers(self, report_id: int) -> dict[str, AnswerValue]:
        """The newest version of each answer."""
        newest = (
            select(Answer.question_id, func.max(Answer.version).label("version"))
            .where(Answer.report_id == report_id)
            .group_by(Answer.question_id)
            .subquery()
        )
        rows = await self.session.execute(
            select(Answer.question_id, Answer.value).join(
                newest,
                and_(
                    Answer.report_id == report_id,
                    Answer.question_id == newest.c.question_id,
                    Answer.version == newest.c.version,
                ),
            )
        )
        return {row.question_id: row.value for row in rows}

    async def history(self, report_id: int, question_id: str) -> list[tuple[int, AnswerValue, datetime]]:
        """Every version of one answer, oldest first: (version, value, saved at)."""
        rows = await self.session.execute(
            select(Answer.version, Answer.value, Answer.created_at)
            .where(Answer.report_id == report_id, Answer.question_id == question_id)
            .order_by(Answer.version)
        )
        return [(row.version, row.value, row.created_at) for row in rows]

    async def save_answers(
        self, report_id: int, values: Mapping[str, AnswerValue], author_id: int | None, now: datetime
    ) -> None:
        """Adds a version per answer. The report row is locked first (on PostgreSQL), so two
        concurrent saves number their versions one after the other instead of colliding."""
        if not values:
            return
        await lock_report(self.session, report_id)
        newest = await self.session.execute(
            select(Answer.question_id, func.max(Answer.version))
            .where(Answer.report_id == report_id, Answer.question_id.in_(values))
            .group_by(Answer.question_id)
        )
        current = {question_id: version for question_id, version in newest}
        await self.session.execute(
            insert(self.session, Answer),
            [
                {
                    "report_id": report_id,
                    "question_id": question_id,
                    "version": current.get(question_id, 0) + 1,
                    "value": dict(value),
                    "author_id": author_id,
                    "created_at": now,
                }
                for question_id, value in values.items()
            ],
        )
        await self.session.execute(update(Report).where(Report.id == report_id).values(updated_at=now))

    async def submit(self, report_id: int, person_id: int | None, now: datetime) -> Receipt:
        """Locks the report and numbers the submission; refuses a report already locked."""
        report = await lock_report(self.session, report_id)
        status = ReportStatus(report.status)
        if status is ReportStatus.DRAFT:
            new_status = ReportStatus.SUBMITTED
        elif status is ReportStatus.RETURNED:
            new_status = ReportStatus.RESUBMITTED
        else:
            raise ValueError(f"report {report_id} is {status}, not open for submission")
        submission = report.submission_count + 1
        number = receipt_number(report_id, submission)
        await self.session.execute(
            update(Report)
            .where(Report.id == report_id)
            .values(
                status=new_status.value,
                submission_count=submission,
                receipt_no=number,
                submitted_at=now,
                submitted_by=person_id,
                updated_at=now,
            )
        )
        return Receipt(number, now)


async def lock_report(session: AsyncSession, report_id: int) -> Row[str, int]:
    """The report's status and submission count, its row locked until commit (on PostgreSQL) so
    that transitions of one report happen one after the other."""
    row = (
        await session.execute(
            select(Report.status, Report.submission_count).where(Report.id == report_id).with_for_update()
        )
    ).one_or_none()
    if row is None:
        raise LookupError(f"no report {report_id}")
    return row


async def create_drafts(session: AsyncSession, enrolments: Select[int], now: datetime) -> None:
    """Inserts the missing report rows of these enrolments (a query of enrolment ids). Another
    transaction inserting the same ones at the same time wins quietly (ON CONFLICT DO NOTHING)
    instead of failing this one."""
    missing = (
        await session.scalars(
            enrolments.outerjoin(Report, Report.enrolment_id == Enrolment.id).where(Report.id.is_(None))
        )
    ).all()
    if not missing:
        return
    await session.execute(
        insert(session, Report).on_conflict_do_nothing(index_elements=["enrolment_id"]),
        [
            {
                "enrolment_id": enrolment_id,
                "status": ReportStatus.DRAFT.value,
                "reopened": [],
                "created_at": now,
                "updated_at": now,
            }
            for enrolment_id in missing
        ],
    )


async def load_records(session: AsyncSession, query: Select[*tuple[Any, ...]]) -> list[ReportRecord]:
    """Runs a `record_query()` (narrowed and ordered by the caller) and makes its rows records,
    in two queries whatever their number."""
    rows = (await session.execute(query)).all()
    revising = [row.id for row in rows if row.returned_at is not None and row.reopened]
    touched = await _last_saved(session, revising)
    return [_record(row, touched) for row in rows]


async def _last_saved(session: AsyncSession, report_ids: list[int]) -> dict[tuple[int, str], datetime]:
    """When each answer of these reports was last saved, in one query."""
    if not report_ids:
        return {}
    rows = await session.execute(
        select(Answer.report_id, Answer.question_id, func.max(Answer.created_at).label("at"))
        .where(Answer.report_id.in_(report_ids))
        .group_by(Answer.report_id, Answer.question_id)
    )
    return {(row.report_id, row.question_id): row.at for row in rows}


def record_query() -> Select[*tuple[Any, ...]]:
    """What a ReportRecord is made of: the report, its unit, campaign and deadline, in one row."""
    return (
        select(
            Report.id,
            Report.status,
            Report.receipt_no,
            Report.submitted_at,
            Report.returned_at,
            Report.reopened,
            Report.return_comment,
            Enrolment.unit_id,
            Enrolment.form_id,
            Unit.code.label("unit_code"),
            Unit.name.label("unit_name"),
            Campaign.code.label("campaign_code"),
            Campaign.title_vi,
            Campaign.title_en,
            MilestoneRow.due.label("report_due"),
        )
        .join(Enrolment, Enrolment.id == Report.enrolment_id)
        .join(Unit, Unit.id == Enrolment.unit_id)
        .join(Campaign, Campaign.id == Enrolment.campaign_id)
        .outerjoin(MilestoneRow, and_(MilestoneRow.campaign_id == Campaign.id, MilestoneRow.kind == REPORT_DUE))
    )


def _record(row: Row[Any], last_saved: Mapping[tuple[int, str], datetime]) -> ReportRecord:
    reopened = frozenset(row.reopened)
    needs_revision: frozenset[str] = frozenset()
    if row.returned_at is not None:
        # Sent back and not touched since: reopened questions with no answer saved after the return.
        needs_revision = frozenset(
            q for q in reopened if (saved := last_saved.get((row.id, q))) is None or saved < row.returned_at
        )
    return ReportRecord(
        id=row.id,
        unit_code=row.unit_code,
        unit_name=row.unit_name,
        campaign_code=row.campaign_code,
        campaign_title=LocalText(row.title_vi, row.title_en),
        form_id=row.form_id,
        status=ReportStatus(row.status),
        report_due=row.report_due,
        receipt_no=row.receipt_no,
        submitted_at=row.submitted_at,
        reopened=reopened,
        needs_revision=needs_revision,
        return_comment=row.return_comment,
        unit_id=row.unit_id,
    )
