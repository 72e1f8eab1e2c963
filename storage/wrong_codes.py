"""Wrong invite and link codes typed, from every chat (bot/linking/guessing.py counts them per channel
and overall). A row is kept a day, far longer than any window that counts it."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.machinery_models import WrongCode

__all__ = ["KEPT", "SqlWrongCodes"]

KEPT = timedelta(days=1)


class SqlWrongCodes:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def nth_latest(self, n: int, since: datetime, channel: str | None = None) -> datetime | None:
        """Reads at most `n` entries of an index on (channel,) typed_at."""
        query = select(WrongCode.typed_at).where(WrongCode.typed_at > since)
        if channel is not None:
            query = query.where(WrongCode.channel == channel)
        return await self.session.scalar(query.order_by(WrongCode.typed_at.desc()).offset(n - 1).limit(1))

    async def record(self, channel: str, chat_id: str, at: datetime) -> None:
        await self.session.execute(insert(WrongCode).values(channel=channel, chat_id=chat_id, typed_at=at))
        await self.session.execute(delete(WrongCode).where(WrongCode.typed_at < at - KEPT))
