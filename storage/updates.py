"""The update log: each platform update is applied once, however often it is delivered."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession

from storage.machinery_models import ProcessedUpdate
from storage.upsert import prepared

__all__ = ["OK", "SqlUpdateLog", "record"]

OK = "ok"


class SqlUpdateLog:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def claim(self, channel: str, update_id: str, now: datetime) -> bool:
        """Records the update; False when it was recorded before (a redelivery).

        An insert that yields to an existing row, rather than a look-up first, so two workers
        handed the same update at once cannot both see it as new.
        """
        return await record(self.session, channel, update_id, OK, now)


async def record(session: AsyncSession, channel: str, update_id: str, outcome: str, now: datetime) -> bool:
    """Logs (channel, update_id) unless already logged; True when this call logged it."""
    values = {"channel": channel, "update_id": update_id, "outcome": outcome, "processed_at": now}
    result = cast(CursorResult[Any], await session.execute(_RECORD(session), values))
    return result.rowcount == 1


_RECORD = prepared(lambda insert: insert(ProcessedUpdate.__table__).on_conflict_do_nothing(index_elements=["channel", "update_id"]))
