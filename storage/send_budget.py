"""The sending budget workers share: a counter per channel and second, taken one call at a time
with a single upsert, so that however many workers send, the platform sees at most its limit."""

from __future__ import annotations

from sqlalchemy import bindparam, delete
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.database import session_factory
from storage.machinery_models import SendBudgetRow
from storage.upsert import prepared

__all__ = ["KEPT_SECONDS", "SqlSendBudget"]

KEPT_SECONDS = 60

_BUDGET = SendBudgetRow.__table__
_TAKE = prepared(
    lambda insert: insert(_BUDGET)
    .on_conflict_do_update(
        index_elements=["channel", "second"],
        set_={"used": _BUDGET.c.used + 1},
        where=_BUDGET.c.used < bindparam("limit"),
    )
    .returning(_BUDGET.c.used)
)
"""One call more in a second, unless `limit` were made in it: the row's count, or no row."""


class SqlSendBudget:
    def __init__(self, engine: AsyncEngine) -> None:
        self.sessions = session_factory(engine)

    async def take(self, channel: str, second: int, limit: int) -> bool:
        """One call more in `second`; False (and nothing taken) when `limit` calls were made in it."""
        async with self.sessions() as session, session.begin():
            values = {"channel": channel, "second": second, "used": 1, "limit": limit}
            taken = (await session.execute(_TAKE(session), values)).scalar_one_or_none()
            if taken is not None and second % KEPT_SECONDS == 0 and taken == 1:  # once a minute, by whoever starts it
                await session.execute(delete(SendBudgetRow).where(SendBudgetRow.channel == channel, SendBudgetRow.second < second - KEPT_SECONDS))
        return taken is not None
