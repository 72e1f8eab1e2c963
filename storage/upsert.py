"""INSERT … ON CONFLICT for whichever database a session is bound to.

SQLite and PostgreSQL spell it the same way, but SQLAlchemy builds it from each dialect's own
`insert`; choosing here keeps the repositories free of dialect checks.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

__all__ = ["insert"]


def insert(session: AsyncSession, model: Any) -> postgresql.Insert | sqlite.Insert:
    """An INSERT into `model` that supports `on_conflict_do_nothing` / `on_conflict_do_update`."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(model)
    return sqlite.insert(model)
