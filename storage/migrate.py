"""Schema migrations, run from code: `baocao db upgrade` needs no alembic.ini of its own."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config

__all__ = ["MIGRATIONS", "alembic_config", "downgrade", "upgrade"]

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    """The packaged migrations, aimed at `url`."""
    config = Config(str(MIGRATIONS / "alembic.ini"))
    config.attributes["url"] = url
    return config


async def upgrade(url: str, revision: str = "head") -> None:
    """Creates the schema or brings it to the newest revision (or to `revision`); a no-op when
    already there."""
    # Alembic's env.py runs its own event loop, so it gets a thread of its own.
    await asyncio.to_thread(command.upgrade, alembic_config(url), revision)


async def downgrade(url: str, revision: str) -> None:
    """Takes the schema back to `revision` (tests check that every migration can be undone)."""
    await asyncio.to_thread(command.downgrade, alembic_config(url), revision)
