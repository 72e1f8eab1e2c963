"""The audit trail: who did what to a report, when; and a report's history, read from it and
from the answer versions (each version says who changed what)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.base.answers import AnswerValue
from bot.base.records import ANSWER_ACTION, AuditEntry
from storage.models import Answer, AuditRow, Enrolment, Person, Report

__all__ = ["SqlAudit"]


class SqlAudit:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

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
