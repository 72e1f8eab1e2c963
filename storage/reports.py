"""Reports and their answers.

A report row is created lazily, the first time one of its reporters opens it, so enrolling a
whole province costs nothing until people start work. Answers are append-only versions: the
current answer is the newest version, and every earlier one stays for the record. A report
moves only as the core decided (bot/base/report_status.py), and only from where the core saw it.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import BindParameter, Row, Select, and_, bindparam, case, exists, func, or_, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession

from bot.base.answers import AnswerValue
from bot.base.deadline import REPORT_DUE
from bot.base.forms import LocalText
from bot.base.ports import ReportMoved
from bot.base.records import Enrolment as EnrolmentRecord
from bot.base.records import ReportRecord, ReportWithAnswers, Role
from bot.base.report_status import LOCKED_STATUSES, ReportStatus, Transition
from storage.models import Answer, Campaign, Enrolment, GrantRow, MilestoneRow, Report, Unit
from storage.report_answers import ReportAnswerReads
from storage.report_counts import enrolments_of, extensions_of
from storage.upsert import insert

__all__ = ["SqlReports"]


_REPORTS, _ENROLMENTS, _CAMPAIGNS = Report.__table__, Enrolment.__table__, Campaign.__table__
_GRANTS, _UNITS, _MILESTONES, _ANSWERS = GrantRow.__table__, Unit.__table__, MilestoneRow.__table__, Answer.__table__
"""The tables themselves: what a turn reads is built from them once, so running it costs no ORM
layer (the repositories read columns, never entities)."""

UNIT_DUE = func.coalesce(_ENROLMENTS.c.extended_to, _MILESTONES.c.due)
"""A unit's deadline: its own when a supervisor extended it, else the campaign's."""


class SqlReports(ReportAnswerReads):
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self._locked: set[int] = set()
        """Reports this transaction holds locked: saving their answers needs no lock of its own."""

    async def open_for(self, person_id: int, today: date, now: datetime) -> list[ReportRecord]:
        """Reports this person files in campaigns open today (opened, not closed), open ones
        first, then by deadline; missing drafts are created."""
        enrolments = _filed_by(person_id, today)
        await self._create_drafts(enrolments, now)
        locked = case((Report.status.in_([s.value for s in LOCKED_STATUSES]), 1), else_=0)
        return await self._records(
            _record_query()
            .where(Report.enrolment_id.in_(enrolments))
            .order_by(locked, UNIT_DUE.is_(None), UNIT_DUE, Report.id)
        )

    async def current_for(self, person_id: int, report_id: int, today: date) -> ReportWithAnswers | None:
        """The report and its answers, if this person still files it in a campaign open today: one
        statement (two for a report sent back for revision), for the answer that goes on with the
        report already open. The report row stays locked until commit (PostgreSQL)."""
        rows = (await self.session.execute(_CURRENT, {"report_id": report_id, "person_id": person_id, "today": today})).all()
        if not rows:
            return None
        self._locked.add(report_id)
        answers = {row.question_id: row.answer for row in rows if row.question_id is not None}
        return ReportWithAnswers(await self._record_of(rows[0]), answers)

    async def open_unit(self, campaign_code: str, unit_id: int, now: datetime) -> ReportRecord | None:
        """The unit's report in the campaign, its draft created if nobody opened it yet; None if
        the unit is not enrolled. For scripts and tests that fill reports without an officer."""
        enrolment = (
            select(Enrolment.id)
            .join(Campaign, Campaign.id == Enrolment.campaign_id)
            .where(Campaign.code == campaign_code, Enrolment.unit_id == unit_id)
        )
        await self._create_drafts(enrolment, now)
        return await self.of_unit(campaign_code, unit_id)

    async def get(self, report_id: int) -> ReportRecord | None:
        records = await self._records(_record_query().where(Report.id == report_id))
        return records[0] if records else None

    async def of_unit(self, campaign_code: str, unit_id: int) -> ReportRecord | None:
        records = await self._records(_record_query().where(Campaign.code == campaign_code, Enrolment.unit_id == unit_id))
        return records[0] if records else None

    async def enrolments(self, campaign_code: str, unit_ids: Collection[int] | None = None) -> list[EnrolmentRecord]:
        return await enrolments_of(self.session, campaign_code, unit_ids)

    async def extensions(self) -> list[tuple[str, date]]:
        return await extensions_of(self.session)

    async def extend(self, campaign_code: str, unit_id: int, due: date | None) -> None:
        campaign = select(Campaign.id).where(Campaign.code == campaign_code).scalar_subquery()
        await self.session.execute(
            update(Enrolment).where(Enrolment.campaign_id == campaign, Enrolment.unit_id == unit_id).values(extended_to=due)
        )

    async def save_answers(self, report_id: int, values: Mapping[str, AnswerValue], author_id: int | None, now: datetime) -> None:
        """Adds a version per answer, numbered in the INSERT itself. The report row is locked
        first (on PostgreSQL; by touching it, unless this transaction read it locked), so two
        concurrent saves number their versions one after the other instead of colliding."""
        if not values:
            return
        if report_id not in self._locked:
            await self.session.execute(update(Report).where(Report.id == report_id).values(updated_at=now))  # locks the row
            self._locked.add(report_id)
        await self.session.execute(
            _ADD_ANSWER,
            [
                {"report_id": report_id, "question_id": question_id, "value": dict(value), "author_id": author_id, "created_at": now}
                for question_id, value in values.items()
            ],
        )

    async def move(self, report_id: int, transition: Transition, now: datetime) -> None:
        """Records the move if the report still stands at `transition.before`: an UPDATE that
        checks the status itself, so of two concurrent moves one wins and the other fails. A
        return records the version each reopened answer stands at (bot.base.report_status.needs_revision)."""
        values: dict[str, Any] = {"status": transition.after.value, "updated_at": now}
        if transition.receipt is not None:
            values.update(
                submission_count=Report.submission_count + 1,
                receipt_no=transition.receipt.number,
                submitted_at=transition.receipt.at,
                submitted_by=transition.by,
            )
        if transition.reopened is not None:
            # A returnable report is handed in, so no turn adds versions while this one reads them.
            stood_at = (await self._versions([report_id])).get(report_id, {})
            values.update(
                returned_at=now,
                reopened=sorted(transition.reopened),
                reopened_versions={q: v for q, v in stood_at.items() if q in transition.reopened},
                return_comment=transition.comment,
            )
        moved = cast(
            CursorResult[Any],
            await self.session.execute(
                update(Report).where(Report.id == report_id, Report.status == transition.before.value).values(**values)
            ),
        )
        if moved.rowcount != 1:
            raise ReportMoved(f"report {report_id} is no longer {transition.before}")

    async def _create_drafts(self, enrolments: Select[int], now: datetime) -> None:
        """Inserts the missing report rows of these enrolments (a query of enrolment ids). Another
        transaction inserting the same ones at the same time wins quietly (ON CONFLICT DO NOTHING)
        instead of failing this one."""
        missing = (
            await self.session.scalars(enrolments.outerjoin(Report, Report.enrolment_id == Enrolment.id).where(Report.id.is_(None)))
        ).all()
        if not missing:
            return
        await self.session.execute(
            insert(self.session, Report).on_conflict_do_nothing(index_elements=["enrolment_id"]),
            [
                {"enrolment_id": enrolment_id, "status": ReportStatus.DRAFT.value, "reopened": [], "created_at": now, "updated_at": now}
                for enrolment_id in missing
            ],
        )

    async def _records(self, query: Select[Any]) -> list[ReportRecord]:
        """Runs a `_record_query()` (narrowed and ordered by the caller) and makes its rows records,
        in two queries whatever their number."""
        rows = (await self.session.execute(query)).all()
        versions = await self._versions([row.id for row in rows if _revising(row)])
        return [_record(row, versions.get(row.id, {})) for row in rows]

    async def _record_of(self, row: Row[Any]) -> ReportRecord:
        """One row of a `_record_query()` as a record (a query more for a report under revision)."""
        versions = await self._versions([row.id]) if _revising(row) else {}
        return _record(row, versions.get(row.id, {}))

    async def _versions(self, report_ids: list[int]) -> dict[int, dict[str, int]]:
        """The newest version of each answer of these reports, in one query."""
        if not report_ids:
            return {}
        rows = await self.session.execute(
            select(Answer.report_id, Answer.question_id, func.max(Answer.version).label("version"))
            .where(Answer.report_id.in_(report_ids))
            .group_by(Answer.report_id, Answer.question_id)
        )
        versions: dict[int, dict[str, int]] = {}
        for row in rows:
            versions.setdefault(row.report_id, {})[row.question_id] = row.version
        return versions


def _filed_by(person_id: int | BindParameter[int], today: date | BindParameter[date]) -> Select[int]:
    """The enrolments this person reports for, in campaigns open today."""
    return (
        select(_ENROLMENTS.c.id)
        .join(_CAMPAIGNS, _CAMPAIGNS.c.id == _ENROLMENTS.c.campaign_id)
        .join(_GRANTS, _GRANTS.c.unit_id == _ENROLMENTS.c.unit_id)
        .where(
            _GRANTS.c.person_id == person_id,
            _GRANTS.c.role == Role.REPORTER.value,
            _GRANTS.c.revoked_at.is_(None),
            _CAMPAIGNS.c.opens <= today,
            or_(_CAMPAIGNS.c.closes.is_(None), _CAMPAIGNS.c.closes >= today),
        )
    )


def _record_query() -> Select[Any]:
    """What a ReportRecord is made of: the report, its unit, campaign and deadline, in one row."""
    return (
        select(
            _REPORTS.c.id,
            _REPORTS.c.status,
            _REPORTS.c.receipt_no,
            _REPORTS.c.submitted_at,
            _REPORTS.c.submission_count,
            _REPORTS.c.returned_at,
            _REPORTS.c.reopened,
            _REPORTS.c.reopened_versions,
            _REPORTS.c.return_comment,
            _ENROLMENTS.c.unit_id,
            _ENROLMENTS.c.form_id,
            _UNITS.c.code.label("unit_code"),
            _UNITS.c.name.label("unit_name"),
            _CAMPAIGNS.c.code.label("campaign_code"),
            _CAMPAIGNS.c.title_vi,
            _CAMPAIGNS.c.title_en,
            UNIT_DUE.label("report_due"),
            _CAMPAIGNS.c.opens,
        )
        .join(_ENROLMENTS, _ENROLMENTS.c.id == _REPORTS.c.enrolment_id)
        .join(_UNITS, _UNITS.c.id == _ENROLMENTS.c.unit_id)
        .join(_CAMPAIGNS, _CAMPAIGNS.c.id == _ENROLMENTS.c.campaign_id)
        .outerjoin(_MILESTONES, and_(_MILESTONES.c.campaign_id == _CAMPAIGNS.c.id, _MILESTONES.c.kind == REPORT_DUE))
    )


_NEWER = _ANSWERS.alias("newer")
_CURRENT = (
    _record_query()
    .add_columns(_ANSWERS.c.question_id, _ANSWERS.c.value.label("answer"))
    .outerjoin(
        _ANSWERS,
        and_(
            _ANSWERS.c.report_id == _REPORTS.c.id,
            ~exists().where(
                _NEWER.c.report_id == _ANSWERS.c.report_id,
                _NEWER.c.question_id == _ANSWERS.c.question_id,
                _NEWER.c.version > _ANSWERS.c.version,
            ),
        ),
    )
    .where(
        _REPORTS.c.id == bindparam("report_id"),
        _REPORTS.c.enrolment_id.in_(_filed_by(bindparam("person_id"), bindparam("today"))),
    )
    .with_for_update(of=_REPORTS)
)
"""A report's record (repeated) with each of its newest answers, one row per answer."""


_ADD_ANSWER = _ANSWERS.insert().values(
    report_id=bindparam("report_id"),
    question_id=bindparam("question_id"),
    version=select(func.coalesce(func.max(_ANSWERS.c.version), 0) + 1)
    .where(_ANSWERS.c.report_id == bindparam("report_id"), _ANSWERS.c.question_id == bindparam("question_id"))
    .scalar_subquery(),
    value=bindparam("value"),
    author_id=bindparam("author_id"),
    created_at=bindparam("created_at"),
)
"""A new version of an answer, numbered in the INSERT itself (one past the newest)."""


def _revising(row: Row[Any]) -> bool:
    """Whether the report was sent back with questions to revise (its record then says which
    version each answer has reached)."""
    return bool(row.reopened)


def _record(row: Row[Any], versions: Mapping[str, int]) -> ReportRecord:
    reopened = frozenset(row.reopened)
    return ReportRecord(
        id=row.id,
        unit_id=row.unit_id,
        unit_code=row.unit_code,
        unit_name=row.unit_name,
        campaign_code=row.campaign_code,
        campaign_title=LocalText(row.title_vi, row.title_en),
        form_id=row.form_id,
        status=ReportStatus(row.status),
        report_due=row.report_due,
        campaign_opens=row.opens,
        receipt_no=row.receipt_no,
        submitted_at=row.submitted_at,
        submissions=row.submission_count,
        reopened=reopened,
        returned_at=row.returned_at,
        returned_versions=dict(row.reopened_versions),
        versions={q: version for q, version in versions.items() if q in reopened},
        return_comment=row.return_comment,
    )
