"""The unit of work: one update, one transaction, every repository inside it.

Repositories read columns rather than ORM entities, so a row written earlier in the same
transaction is never served stale from the session's identity map.
"""

from __future__ import annotations

from types import TracebackType

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from storage.audit import SqlAudit
from storage.chats import SqlChats
from storage.database import session_factory
from storage.exports import SqlExportQueue
from storage.inbox import SqlInbox
from storage.invites import SqlInvites
from storage.message_usage import SqlUsage
from storage.outbox import SqlOutbox
from storage.people import SqlPeople
from storage.reminder_runs import SqlReminderRuns
from storage.report_counts import SqlStanding
from storage.reports import SqlReports
from storage.units import SqlUnits
from storage.updates import SqlUpdateLog
from storage.wrong_codes import SqlWrongCodes

__all__ = ["SqlUnitOfWork", "UnitOfWorkFactory"]


class SqlUnitOfWork:
    """Commits when the block succeeds and rolls back when it raises; usable once."""

    session: AsyncSession
    updates: SqlUpdateLog
    inbox: SqlInbox
    chats: SqlChats
    invites: SqlInvites
    people: SqlPeople
    units: SqlUnits
    reports: SqlReports
    standing: SqlStanding
    audit: SqlAudit
    outbox: SqlOutbox
    reminder_runs: SqlReminderRuns
    usage: SqlUsage
    wrong_codes: SqlWrongCodes
    exports: SqlExportQueue

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def __aenter__(self) -> SqlUnitOfWork:
        self.session = self._sessions()
        await self.session.begin()
        self.updates = SqlUpdateLog(self.session)
        self.inbox = SqlInbox(self.session)
        self.chats = SqlChats(self.session)
        self.invites = SqlInvites(self.session)
        self.people = SqlPeople(self.session)
        self.units = SqlUnits(self.session)
        self.reports = SqlReports(self.session)
        self.standing = SqlStanding(self.session)
        self.audit = SqlAudit(self.session)
        self.outbox = SqlOutbox(self.session)
        self.reminder_runs = SqlReminderRuns(self.session)
        self.usage = SqlUsage(self.session)
        self.wrong_codes = SqlWrongCodes(self.session)
        self.exports = SqlExportQueue(self.session)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            if exc_type is None:
                await self.session.commit()
            else:
                await self.session.rollback()
        finally:
            await self.session.close()


class UnitOfWorkFactory:
    """What the service is given: call it for a fresh unit of work per update."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._sessions = session_factory(engine)

    def __call__(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self._sessions)
