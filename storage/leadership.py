"""One scheduler among several workers: the holder of a PostgreSQL advisory lock leads.

The lock lives as long as its connection, so a worker that dies hands over leadership by
itself. SQLite serves one host and one process, so there the only worker always leads.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

__all__ = ["LOCK_KEY", "Leadership"]

LOCK_KEY = int.from_bytes(hashlib.sha256(b"baocao-scheduler").digest()[:8], "big", signed=True)


class Leadership:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._connection: AsyncConnection | None = None

    @property
    def held(self) -> bool:
        return self._connection is not None or self.engine.dialect.name != "postgresql"

    async def try_acquire(self) -> bool:
        """True if this worker leads (now or already)."""
        if self.held:
            return True
        connection = await self.engine.connect()
        got = await connection.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": LOCK_KEY})
        await connection.commit()
        if got:
            self._connection = connection
            return True
        await connection.close()
        return False

    async def release(self) -> None:
        if self._connection is not None:
            await self._connection.close()
            self._connection = None
