"""The sending budget workers share: a counter per channel and second, taken one call at a time
with a single upsert, so that however many workers send, the platform sees at most its limit."""

from __future__ import annotations

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.database import session_factory
from storage.models import SendBudgetRow
from storage.upsert import insert

__all__ = ["KEPT_SECONDS", "SqlSendBudget"]

KEPT_SECONDS = 60


class SqlSendBudget:
    def __init__(self, engine: AsyncEngine) -> None:
        self.sessions = session_factory(engine)

    async def take(self, channel: str, second: int, limit: int) -> bool:
        """One call more in `second`; False (and nothing taken) when `limit` calls were made in it."""
        async with self.sessions() as session, session.begin():
            statement = insert(session, SendBudgetRow).values(channel=channel, second=second, used=1)
            statement = statement.on_conflict_do_update(
                index_elements=["channel", "second"],
                set_={"used": SendBudgetRow.used + 1},
                where=SendBudgetRow.used < limit,
            ).returning(SendBudgetRow.used)
            taken = (await session.execute(statement)).scalar_one_or_none()
            if taken is not None and second % KEPT_SECONDS == 0 and taken == 1:  # once a minute, by whoever starts it
                await session.execute(delete(SendBudgetRow).where(SendBudgetRow.channel == channel, SendBudgetRow.second < second - KEPT_SECONDS))
        return taken is not None
