"""A campaign's enrolments and what a supervisor's status turns count of them, read in the database.

The counts come from what each report row keeps (its answered questions and latest answer, moved by
a trigger on every answer written: migration 0020), never from the answer rows; a scope is the
subtrees of its roots, walked in the query itself (a recursive CTE over units.parent_id), so a
turn sends no list of 10,000 unit ids. Storage groups and pages; what a group counts as is the
core's (bot/base/counts.py).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import date
from typing import Any

from sqlalchemy import CTE, ColumnElement, Float, Integer, Row, Select, and_, case, cast, exists, func, literal, null, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.base.answers import AnswerValue
from bot.base.counts import CriterionAnswers, PendingPage, Share
from bot.base.forms import CriterionStatus
from bot.base.records import Enrolment as EnrolmentRecord
from bot.base.records import Role
from bot.base.report_status import LOCKED_STATUSES, ReportStatus
from storage.models import Answer, Campaign, Chat, Enrolment, GrantRow, Report, Unit
from storage.report_answers import among

__all__ = ["SqlStanding", "enrolments_of", "extensions_of"]

_ENROLMENTS, _REPORTS, _UNITS, _CAMPAIGNS = Enrolment.__table__, Report.__table__, Unit.__table__, Campaign.__table__
_GRANTS, _CHATS, _ANSWERS = GrantRow.__table__, Chat.__table__, Answer.__table__

_ANSWERED = func.coalesce(_REPORTS.c.answered, 0)
_HANDED_IN = _REPORTS.alias("handed_in")
_PENDING = ~exists().where(_HANDED_IN.c.enrolment_id == _ENROLMENTS.c.id, _HANDED_IN.c.status.in_([s.value for s in LOCKED_STATUSES]))
"""Not handed in (bot.base.records.Enrolment.handed_in), a report never opened included. Asked as
no handed-in report, not as the outer-joined report's status being NULL or open: PostgreSQL guesses
that NULL from the reports' statistics, which hold no report never opened, so with every opened
report handed in it expected one row pending, not thousands, and matched them to the scope in a
nested loop (1.2 s at 10,000 units, against 30 ms)."""
_LINKED = _ENROLMENTS.c.unit_id.in_(
    select(_GRANTS.c.unit_id)
    .join(_CHATS, _CHATS.c.person_id == _GRANTS.c.person_id)
    .where(_GRANTS.c.role == Role.REPORTER.value, _GRANTS.c.revoked_at.is_(None))
)
"""An officer who reports for the unit has a chat (bot.base.records.LinkedPerson.linked_chats)."""
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
    _REPORTS.c.criteria_met,
    _REPORTS.c.criteria_not_met,
    _REPORTS.c.criteria_not_yet_due,
)


async def enrolments_of(session: AsyncSession, campaign_code: str, unit_ids: Collection[int] | None = None) -> list[EnrolmentRecord]:
    """One row per enrolment of these units (all, given None), by unit code, in one query."""
    query = _enrolled(campaign_code).add_columns(*_ENROLMENT_COLUMNS).order_by(_UNITS.c.code)
    if unit_ids is not None:
        ids = list(unit_ids)
        if not ids:
            return []
        query = query.where(among(_ENROLMENTS.c.unit_id, ids))
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


class SqlStanding:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def shares(self, campaign_code: str, roots: Collection[int], questions: Mapping[str, int]) -> list[Share]:
        below = _below(roots)
        each = (
            _enrolled(campaign_code)
            .add_columns(
                _ENROLMENTS.c.unit_id, _UNITS.c.kind, _ENROLMENTS.c.form_id, _REPORTS.c.status, (_ANSWERED > 0).label("answering"),
                _ENROLMENTS.c.extended_to, _LINKED.label("linked"), _capped(questions).label("answered"),
            )
            .where(_ENROLMENTS.c.unit_id.in_(select(below.c.unit_id)))
            .cte("each")
        )  # fmt: skip
        alike = [each.c.kind, each.c.form_id, each.c.status, each.c.answering, each.c.extended_to, each.c.linked]
        counted = (func.count().label("units"), func.sum(each.c.answered).label("answered"))
        in_branches = (
            select(below.c.branch_id, *alike, *counted)
            .join(below, below.c.unit_id == each.c.unit_id)
            .where(below.c.branch_id.is_not(None), below.c.branch_id != below.c.unit_id)
            .group_by(below.c.branch_id, *alike)
        )
        rows = await self.session.execute(
            select(cast(null(), Integer).label("branch_id"), *alike, *counted).group_by(*alike).union_all(in_branches)
        )  # the scope as a whole (each unit once), then each branch
        return [
            Share(
                kind=row.kind, form_id=row.form_id, branch_id=row.branch_id, status=_status(row.status), answering=bool(row.answering),
                extended_to=row.extended_to, linked=bool(row.linked), units=row.units, answered=int(row.answered or 0),
            )
            for row in rows
        ]

    async def pending(
        self, campaign_code: str, roots: Collection[int], questions: Mapping[str, int], offset: int, limit: int
    ) -> PendingPage:
        pending = _enrolled(campaign_code).where(_ENROLMENTS.c.unit_id.in_(select(_below(roots).c.unit_id)), _PENDING)
        progress = cast(_capped(questions), Float) / func.nullif(_questions(questions), 0)
        rows = (
            await self.session.execute(
                pending.add_columns(*_ENROLMENT_COLUMNS, func.count().over().label("total"))
                .order_by(func.coalesce(progress, 0).desc(), _UNITS.c.name_key, _UNITS.c.code)
                .offset(offset)
                .limit(limit)
            )
        ).all()
        if rows or not offset:
            return PendingPage(rows[0].total if rows else 0, [_enrolment(row) for row in rows])
        total = await self.session.scalar(select(func.count()).select_from(pending.add_columns(_ENROLMENTS.c.id).subquery()))
        return PendingPage(total or 0, [])  # past the last page: how many there are, for the caller to go back

    async def criterion(self, campaign_code: str, roots: Collection[int], form_id: str, question_id: str, named: int) -> CriterionAnswers:
        newer = _ANSWERS.alias("newer")
        current = and_(
            _ANSWERS.c.report_id == _REPORTS.c.id,
            _ANSWERS.c.question_id == question_id,
            ~exists().where(
                newer.c.report_id == _ANSWERS.c.report_id, newer.c.question_id == _ANSWERS.c.question_id, newer.c.version > _ANSWERS.c.version
            ),
        )
        answered = (
            _enrolled(campaign_code)
            .add_columns(
                _ENROLMENTS.c.unit_id, _UNITS.c.name_key, _UNITS.c.code,
                _ANSWERS.c.criterion_status.label("status"), _ANSWERS.c.eligible.label("eligible"),
            )
            .outerjoin(_ANSWERS, current)
            .where(_ENROLMENTS.c.form_id == form_id, _ENROLMENTS.c.unit_id.in_(select(_below(roots).c.unit_id)))
            .cte("answered")
        )
        rank = func.row_number().over(partition_by=answered.c.status, order_by=(answered.c.name_key, answered.c.code))
        ranked = select(answered.c.unit_id, answered.c.status, answered.c.eligible, rank.label("rank")).subquery("ranked")
        rows = await self.session.execute(
            select(answered.c.status, answered.c.eligible, func.count().label("units"), cast(null(), Integer).label("unit_id"), literal(0).label("rank"))
            .group_by(answered.c.status, answered.c.eligible)
            .union_all(
                select(ranked.c.status, ranked.c.eligible, literal(1), ranked.c.unit_id, ranked.c.rank).where(ranked.c.rank <= named)
            )
            .order_by("rank")
        )  # one statement: the counts (no unit), then the units named, each status's first by name
        counted: list[tuple[AnswerValue | None, int]] = []
        listed: list[tuple[int, AnswerValue | None]] = []
        for row in rows:
            if row.unit_id is None:
                counted.append((_criterion_answer(row.status, row.eligible), row.units))
            else:
                listed.append((row.unit_id, _criterion_answer(row.status, row.eligible)))
        return CriterionAnswers(counted, listed)


def _below(roots: Collection[int]) -> CTE:
    """Every unit below the roots, the roots included, with the branch it lies in: the root's
    child it is or lies under (None for a root). A unit below two roots, one within the other,
    has a row for each branch it lies in."""
    child = _UNITS.alias("child")
    start = select(cast(null(), Integer).label("branch_id"), _UNITS.c.id.label("unit_id")).where(_UNITS.c.id.in_(list(roots)))
    below = start.cte("below", recursive=True)
    return below.union(
        select(func.coalesce(below.c.branch_id, child.c.id), child.c.id).where(child.c.parent_id == below.c.unit_id)
    )


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


def _questions(questions: Mapping[str, int]) -> ColumnElement[int]:
    """The enrolment's form's number of questions."""
    if not questions:
        return literal(0)
    return case(dict(questions), value=_ENROLMENTS.c.form_id, else_=0)


def _capped(questions: Mapping[str, int]) -> ColumnElement[int]:
    """The report's answered questions, no more than its form has (a unit's progress is at most whole)."""
    most = _questions(questions)
    return case((most < _ANSWERED, most), else_=_ANSWERED)


def _status(value: str | None) -> ReportStatus | None:
    return ReportStatus(value) if value is not None else None


def _criterion_answer(status: str | None, eligible: Any) -> AnswerValue | None:
    """An answer as far as counting it goes (bot.base.answers.criterion_status)."""
    return {"status": status, "eligible": bool(eligible)} if status is not None else None


def _criteria(row: Row[Any]) -> dict[CriterionStatus, int]:
    counts = (CriterionStatus.MET, row.criteria_met), (CriterionStatus.NOT_MET, row.criteria_not_met), (CriterionStatus.NOT_YET_DUE, row.criteria_not_yet_due)
    return {status: count for status, count in counts if count}


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
        criteria=_criteria(row),
    )
