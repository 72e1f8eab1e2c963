"""The messages each channel sent in each calendar month, counted across workers.

A worker counts in memory and adds its counts here every few seconds in one statement
(`SqlUsageLedger.add`, off the answer's path); what it reads back is every worker's total. The
alert thresholds already told of are claimed with a conditional update, so one worker tells.
`SqlUsage` is the read side a unit of work serves (bot.base.ports.UsageQueries).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from storage.database import session_factory
from storage.machinery_models import MessageUsage
from storage.models import Chat
from storage.upsert import insert

__all__ = ["MonthTotal", "SqlUsage", "SqlUsageLedger"]

_USAGE = MessageUsage.__table__


@dataclass(frozen=True)
class MonthTotal:
    """A channel's month as every worker has counted it so far."""

    sent: int
    alerted_percent: int


class SqlUsageLedger:
    def __init__(self, engine: AsyncEngine) -> None:
        self.sessions = session_factory(engine)

    async def add(self, counts: Mapping[tuple[str, str], int]) -> dict[tuple[str, str], MonthTotal]:
        """Adds each (channel, month)'s count (0 reads the total alone); returns the totals."""
        if not counts:
            return {}
        rows = [{"channel": channel, "month": month, "sent": sent} for (channel, month), sent in sorted(counts.items())]
        async with self.sessions() as session, session.begin():
            adding = insert(session, MessageUsage).values(rows)
            statement = adding.on_conflict_do_update(
                index_elements=["channel", "month"], set_={"sent": _USAGE.c.sent + adding.excluded.sent}
            ).returning(_USAGE.c.channel, _USAGE.c.month, _USAGE.c.sent, _USAGE.c.alerted_percent)
            result = await session.execute(statement)
            return {(channel, month): MonthTotal(sent, alerted) for channel, month, sent, alerted in result}

    async def claim_alert(self, channel: str, month: str, percent: int) -> bool:
        """Records that the administrators are told of `percent`; False when a higher or equal
        threshold was claimed already (by this worker or another)."""
        async with self.sessions() as session, session.begin():
            result = await session.execute(
                update(MessageUsage)
                .where(MessageUsage.channel == channel, MessageUsage.month == month, MessageUsage.alerted_percent < percent)
                .values(alerted_percent=percent)
            )
            return bool(result.rowcount)  # type: ignore[attr-defined]


class SqlUsage:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def sent(self, month: str) -> dict[str, int]:
        rows = await self.session.execute(select(MessageUsage.channel, MessageUsage.sent).where(MessageUsage.month == month))
        return dict(rows.all())

    async def linked_users(self) -> dict[str, int]:
        rows = await self.session.execute(
            select(Chat.channel, func.count()).where(Chat.person_id.is_not(None)).group_by(Chat.channel)
        )
        return dict(rows.all())
