"""The queue of files asked for in chats (bot.base.exports.ExportQueue): a row per request,
claimed by one worker at a time. A claim is a name the worker gives it; only the claim that
holds a row may renew or finish it, so a worker that was thought dead, and whose request was
taken over, cannot send a second copy. On PostgreSQL claims skip rows another worker is taking
(FOR UPDATE SKIP LOCKED); on SQLite every transaction holds the write lock anyway."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.base.exports import Backlog, ExportJob, ExportKind, ExportRequest, ExportState
from storage.machinery_models import ExportRequestRow

__all__ = ["SqlExportQueue"]

UNFINISHED = (ExportState.WAITING.value, ExportState.RUNNING.value)


class SqlExportQueue:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def backlog(self) -> Backlog:
        rows = await self.session.execute(
            select(ExportRequestRow.state, func.count()).where(ExportRequestRow.state.in_(UNFINISHED)).group_by(ExportRequestRow.state)
        )
        counts: dict[str, int] = dict(rows.all())
        return Backlog(running=counts.get(ExportState.RUNNING.value, 0), waiting=counts.get(ExportState.WAITING.value, 0))

    async def request(self, request: ExportRequest, now: datetime) -> int:
        row = ExportRequestRow(
            kind=request.kind.value, unit_id=request.unit_id, campaign_code=request.campaign_code, person_id=request.person_id,
            channel=request.channel, chat_id=request.chat_id, locale=request.locale, takes_files=request.takes_files,
            state=ExportState.WAITING.value, requested_at=now, attempts=0,
        )  # fmt: skip
        self.session.add(row)
        await self.session.flush()
        return row.id

    async def claim(self, now: datetime, lease: timedelta, claim: str) -> ExportJob | None:
        row = (
            await self.session.execute(
                select(ExportRequestRow)
                .where(
                    or_(
                        ExportRequestRow.state == ExportState.WAITING.value,
                        (ExportRequestRow.state == ExportState.RUNNING.value) & (ExportRequestRow.claimed_at < now - lease),
                    )
                )
                .order_by(ExportRequestRow.id)
                .limit(1)
                .with_for_update(skip_locked=True)
            )
        ).scalar_one_or_none()
        if row is None:
            return None
        row.state, row.claim, row.claimed_at, row.attempts = ExportState.RUNNING.value, claim, now, row.attempts + 1
        await self.session.flush()
        return _job(row)

    async def renew(self, job: ExportJob, now: datetime) -> bool:
        return await self._update(job, claimed_at=now)

    async def release(self, job: ExportJob) -> bool:
        return await self._update(
            job, state=ExportState.WAITING.value, claim=None, claimed_at=None, attempts=ExportRequestRow.attempts - 1
        )

    async def finish(self, job: ExportJob, state: ExportState, now: datetime, error: str | None = None) -> bool:
        assert state in (ExportState.DONE, ExportState.FAILED), state
        return await self._update(job, state=state.value, finished_at=now, error=error)

    async def _update(self, job: ExportJob, **values: object) -> bool:
        """Changes the row only while `job`'s claim holds it."""
        result = await self.session.execute(
            update(ExportRequestRow)
            .where(
                ExportRequestRow.id == job.id,
                ExportRequestRow.claim == job.claim,
                ExportRequestRow.state == ExportState.RUNNING.value,
            )
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        return bool(getattr(result, "rowcount", 0))


def _job(row: ExportRequestRow) -> ExportJob:
    assert row.claim is not None
    request = ExportRequest(
        ExportKind(row.kind), row.unit_id, row.campaign_code, row.person_id, row.channel, row.chat_id, row.locale, row.takes_files
    )
    return ExportJob(row.id, request, row.requested_at, row.attempts, row.claim)
