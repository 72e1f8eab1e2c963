"""Schema migrations, run from code: `baocao db upgrade` needs no alembic.ini of its own."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.database import create_engine

__all__ = ["MIGRATIONS", "DatabaseNotReady", "alembic_config", "current_revision", "downgrade", "ensure_current", "head_revision", "upgrade"]


class DatabaseNotReady(RuntimeError):
    """The database has no schema yet, or an older one: `baocao db upgrade` is needed."""

    def __init__(self, current: str | None, head: str) -> None:
        super().__init__(f"database at revision {current or 'none'}, the code needs {head}")
        self.current = current
        self.head = head

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    """The packaged migrations, aimed at `url`."""
    config = Config(str(MIGRATIONS / "alembic.ini"))
    config.attributes["url"] = url
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config("")).get_current_head()
    assert head is not None, "no migrations packaged"
    return head


async def current_revision(engine: AsyncEngine) -> str | None:
    """The revision the database is at; None for a database without the schema."""
    async with engine.connect() as connection:
        return await connection.run_sync(lambda sync: MigrationContext.configure(sync).get_current_revision())


async def ensure_current(engine: AsyncEngine) -> None:
    """DatabaseNotReady unless the schema is the one this code was written for."""
    current, head = await current_revision(engine), head_revision()
    if current != head:
        raise DatabaseNotReady(current, head)


async def upgrade(url: str, revision: str = "head") -> tuple[str | None, str | None]:
    """Creates the schema or brings it to the newest revision (or to `revision`); a no-op when
    already there. Returns the revisions before and after, so the caller can say which it was."""
    engine = create_engine(url)
    try:
        before = await current_revision(engine)
        # Alembic's env.py runs its own event loop, so it gets a thread of its own.
        await asyncio.to_thread(command.upgrade, alembic_config(url), revision)
        return before, await current_revision(engine)
    finally:
        await engine.dispose()


async def downgrade(url: str, revision: str) -> None:
    """Takes the schema back to `revision` (tests check that every migration can be undone)."""
    await asyncio.to_thread(command.downgrade, alembic_config(url), revision)
