"""INSERT … ON CONFLICT for whichever database a session is bound to.

SQLite and PostgreSQL spell it the same way, but SQLAlchemy builds it from each dialect's own
`insert`; choosing here keeps the repositories free of dialect checks.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.expression import Executable

__all__ = ["Upsert", "insert", "prepared"]

Upsert = postgresql.Insert | sqlite.Insert
_INSERTS: dict[str, Callable[[Any], Upsert]] = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}
Statement = TypeVar("Statement", bound=Executable)


def insert(session: AsyncSession, model: Any) -> Upsert:
    """An INSERT into `model` that supports `on_conflict_do_nothing` / `on_conflict_do_update`."""
    return _INSERTS[_dialect(session)](model)


def prepared(build: Callable[[Callable[[Any], Upsert]], Statement]) -> Callable[[AsyncSession], Statement]:
    """A statement built once per database from `build(insert)` (with bind parameters for what
    varies), for one run on every update: it costs no building, and SQLAlchemy finds its
    compiled form at once."""
    built = {name: build(make) for name, make in _INSERTS.items()}
    return lambda session: built[_dialect(session)]


def _dialect(session: AsyncSession) -> str:
    return session.get_bind().dialect.name
