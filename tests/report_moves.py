"""Reports straight through storage, for tests that set them up or look inside: moving them as
the service does (the core decides, storage records), and reading every version of an answer."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import select

from bot.base.answers import AnswerValue
from bot.base.ports import UnitOfWork
from bot.base.records import ReportRecord
from bot.base.report_status import Receipt, approval, return_for_revision, submission
from storage.models import Answer
from storage.unit_of_work import SqlUnitOfWork


async def report_of(uow: UnitOfWork, report_id: int) -> ReportRecord:
    report = await uow.reports.get(report_id)
    if report is None:
        raise LookupError(f"no report {report_id}")
    return report


async def submit(uow: UnitOfWork, report_id: int, person_id: int | None, now: datetime) -> Receipt:
    report = await report_of(uow, report_id)
    move = submission(report.id, report.status, report.submissions, person_id, now)
    await uow.reports.move(report.id, move, now)
    assert move.receipt is not None
    return move.receipt


async def approve(uow: UnitOfWork, report_id: int, person_id: int, now: datetime) -> None:
    report = await report_of(uow, report_id)
    await uow.reports.move(report.id, approval(report.id, report.status, person_id), now)


async def return_report(
    uow: UnitOfWork, report_id: int, questions: Collection[str], comment: str, person_id: int, now: datetime
) -> None:
    report = await report_of(uow, report_id)
    await uow.reports.move(report.id, return_for_revision(report.id, report.status, person_id, questions, comment), now)


async def answer_versions(uow: SqlUnitOfWork, report_id: int, question_id: str) -> list[tuple[int, AnswerValue, datetime]]:
    """Every version of one answer, oldest first: (version, value, saved at)."""
    rows = await uow.session.execute(
        select(Answer.version, Answer.value, Answer.created_at)
        .where(Answer.report_id == report_id, Answer.question_id == question_id)
        .order_by(Answer.version)
    )
    return [(row.version, row.value, row.created_at) for row in rows]
