"""The reminder slots already handled (enqueued, dropped, superseded), so each fires once
across restarts and workers."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.machinery_models import ReminderRun
from storage.upsert import insert

__all__ = ["SqlReminderRuns"]


class SqlReminderRuns:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def fired(self, slot_key: str) -> bool:
        return bool(await self.session.scalar(select(exists().where(ReminderRun.slot_key == slot_key))))

    async def record(self, slot_key: str, outcome: str, now: datetime) -> bool:
        """Marks the slot handled; False if it already was (a concurrent worker waits for the
        first one's commit on PostgreSQL, then inserts nothing)."""
        statement = (
            insert(self.session, ReminderRun)
            .values(slot_key=slot_key, outcome=outcome, fired_at=now)
            .on_conflict_do_nothing(index_elements=["slot_key"])
            .returning(ReminderRun.slot_key)
        )
        return (await self.session.execute(statement)).first() is not None
