"""Engine and session setup: the one place that knows how each database must be driven.

SQLite is the embedded default, so it is tuned for several concurrent writers on one host:
WAL (readers never block the writer), a busy timeout, enforced foreign keys, and every
transaction opened with BEGIN IMMEDIATE. Under a deferred BEGIN a transaction that reads and
then writes fails with "database is locked" at once, whatever the busy timeout; taking the write
lock up front makes it wait its turn instead. A reader that takes long (a file made for 10,000
units) opens the database `reading`: on SQLite a deferred BEGIN and query_only, so it reads one
snapshot while officers' answers are written meanwhile, and never holds the write lock.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

__all__ = ["ASYNC_DRIVERS", "POSTGRES_SERVER_SETTINGS", "SQLITE_PRAGMAS", "create_engine", "session_factory"]

SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA busy_timeout=30000",
    "PRAGMA foreign_keys=ON",
    "PRAGMA synchronous=NORMAL",
)

SQLITE_QUEUE_SECONDS = 600
"""How long a transaction may wait for its turn on SQLite before it is given up (an error then)."""

# Query parameters of a PostgreSQL URL that are session settings rather than connect options
# (asyncpg's own DSN convention), so one URL can place a deployment or a test in its own schema.
POSTGRES_SERVER_SETTINGS = ("search_path",)


# A bare scheme gets the async driver we ship, so `postgresql://…` works as people write it.
ASYNC_DRIVERS = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+asyncpg"}


def create_engine(url: str, reading: bool = False) -> AsyncEngine:
    """An async engine for `BAOCAO_DATABASE_URL`: sqlite+aiosqlite or postgresql+asyncpg;
    `reading`: one that only reads and, on SQLite, never holds up a writer."""
    parsed = make_url(url)
    parsed = parsed.set(drivername=ASYNC_DRIVERS.get(parsed.drivername, parsed.drivername))
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(parsed, reading)
    if parsed.get_backend_name() == "postgresql":
        return _postgres_engine(parsed)
    raise ValueError(
        f"unsupported database URL {parsed.render_as_string()}: use sqlite+aiosqlite or postgresql+asyncpg"
    )


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions whose objects stay readable after commit (replies are built after it)."""
    return async_sessionmaker(engine, expire_on_commit=False)


def _sqlite_engine(url: URL, reading: bool) -> AsyncEngine:
    database = url.database or ""
    in_memory = not database or database == ":memory:"
    if not in_memory and not database.startswith("file:"):
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    # One connection: every transaction takes the write lock anyway (BEGIN IMMEDIATE), so a second
    # one only waits inside SQLite, polling, and fails after busy_timeout under load; waiting for
    # the connection instead queues the process's transactions fairly, without a timeout to hit.
    queue = {} if in_memory else {"pool_size": 1, "max_overflow": 0, "pool_timeout": SQLITE_QUEUE_SECONDS}  # in memory: one already
    engine = create_async_engine(url, **queue)
    event.listen(engine.sync_engine, "connect", _prepare_reading_connection if reading else _prepare_sqlite_connection)
    event.listen(engine.sync_engine, "begin", _begin_deferred if reading else _begin_immediate)
    return engine


def _prepare_sqlite_connection(dbapi_connection: Any, _record: Any) -> None:
    # Take BEGIN away from the driver, which would issue a deferred one lazily; see _begin_immediate.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        for pragma in SQLITE_PRAGMAS:
            cursor.execute(pragma)
    finally:
        cursor.close()


def _prepare_reading_connection(dbapi_connection: Any, record: Any) -> None:
    _prepare_sqlite_connection(dbapi_connection, record)
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA query_only=ON")
    finally:
        cursor.close()


def _begin_immediate(connection: Connection) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def _begin_deferred(connection: Connection) -> None:
    """A reader's snapshot, taken at its first read, without the write lock."""
    connection.exec_driver_sql("BEGIN")


def _postgres_engine(url: URL) -> AsyncEngine:
    settings = {key: str(url.query[key]) for key in POSTGRES_SERVER_SETTINGS if key in url.query}
    url = url.difference_update_query(POSTGRES_SERVER_SETTINGS)
    connect_args = {"server_settings": settings} if settings else {}
    return create_async_engine(url, pool_pre_ping=True, connect_args=connect_args)
