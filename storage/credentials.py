"""Secrets a channel renews while it runs (an Official Account's rotating token pair), kept in the
database so that every worker uses the newest, and renewed one worker at a time.

`renew` holds the row locked for the whole renewal: on PostgreSQL with SELECT … FOR UPDATE, on
SQLite because every transaction takes the write lock with its first statement. A second worker
that wants to renew meanwhile waits, then sees the value the first one stored and can use it
instead of spending the same single-use refresh token again.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.database import session_factory
from storage.machinery_models import Credential
from storage.upsert import insert

__all__ = ["SqlCredentials"]


class SqlCredentials:
    def __init__(self, engine: AsyncEngine, clock: Callable[[], datetime]) -> None:
        self.sessions = session_factory(engine)
        self.clock = clock

    async def read(self, name: str) -> Mapping[str, Any] | None:
        async with self.sessions() as session, session.begin():
            value = await session.scalar(select(Credential.value).where(Credential.name == name))
        return dict(value) if value else None

    async def store(self, name: str, value: Mapping[str, Any]) -> None:
        """Replaces the value (a person authorised the channel anew)."""
        async with self.sessions() as session, session.begin():
            values = {"value": dict(value), "updated_at": self.clock()}
            statement = insert(session, Credential).values(name=name, **values)
            await session.execute(statement.on_conflict_do_update(index_elements=["name"], set_=values))

    async def renew(
        self, name: str, renew: Callable[[Mapping[str, Any] | None], Awaitable[Mapping[str, Any] | None]]
    ) -> Mapping[str, Any] | None:
        """Calls `renew` with the stored value (None if there is none) while no other worker can
        renew it, and stores what it returns (None: leave it as it is) before the lock is let go.
        If `renew` raises, nothing is stored and the exception goes on."""
        async with self.sessions() as session, session.begin():
            await session.execute(
                insert(session, Credential)
                .values(name=name, value={}, updated_at=self.clock())
                .on_conflict_do_nothing(index_elements=["name"])
            )
            stored = await session.scalar(select(Credential.value).where(Credential.name == name).with_for_update())
            current = dict(stored) if stored else None
            renewed = await renew(current)
            if renewed is None:
                return current
            await session.execute(
                update(Credential).where(Credential.name == name).values(value=dict(renewed), updated_at=self.clock())
            )
            return dict(renewed)
