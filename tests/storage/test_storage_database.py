"""Engine setup: SQLite is tuned for concurrent writers, and instants come back aware UTC."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import select, text

from storage.database import create_engine
from storage.models import Person
from storage.unit_of_work import UnitOfWorkFactory

HANOI = timezone(timedelta(hours=7))


async def test_sqlite_connections_are_tuned(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'new' / 'dir' / 'baocao.db'}")
    try:
        async with engine.connect() as connection:
            pragmas = {
                name: (await connection.exec_driver_sql(f"PRAGMA {name}")).scalar_one()
                for name in ("journal_mode", "busy_timeout", "foreign_keys", "synchronous")
            }
        assert pragmas == {"journal_mode": "wal", "busy_timeout": 30000, "foreign_keys": 1, "synchronous": 1}
        assert (tmp_path / "new" / "dir" / "baocao.db").exists()
    finally:
        await engine.dispose()


async def test_sqlite_transactions_take_the_write_lock_up_front(tmp_path: Path) -> None:
    path = tmp_path / "baocao.db"
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    other = sqlite3.connect(path, timeout=0.05, isolation_level=None)
    try:
        async with engine.begin() as connection:
            await connection.execute(text("SELECT 1"))  # only a read, yet the write lock is held
            with pytest.raises(sqlite3.OperationalError, match="database is locked"):
                other.execute("BEGIN IMMEDIATE")
        other.execute("BEGIN IMMEDIATE")  # free again once the transaction ends
    finally:
        other.close()
        await engine.dispose()


def test_a_bare_scheme_gets_the_async_driver() -> None:
    assert create_engine("sqlite:///baocao.db").dialect.driver == "aiosqlite"
    assert create_engine("postgresql://postgres@127.0.0.1/test").dialect.driver == "asyncpg"


def test_unsupported_databases_are_refused() -> None:
    with pytest.raises(ValueError, match="unsupported database URL"):
        create_engine("mysql+aiomysql://localhost/baocao")


async def test_instants_come_back_aware_in_utc(uow_factory: UnitOfWorkFactory) -> None:
    saved = datetime(2023, 11, 25, 23, 59, 59, 123456, tzinfo=HANOI)
    async with uow_factory() as uow:
        uow.session.add(Person(full_name="Trần Thị B", created_at=saved))
    async with uow_factory() as uow:
        loaded = await uow.session.scalar(select(Person.created_at))
    assert loaded == saved
    assert loaded is not None and loaded.utcoffset() == timedelta(0)


async def test_naive_instants_are_refused(uow_factory: UnitOfWorkFactory) -> None:
    with pytest.raises(Exception, match="naive datetime"):
        async with uow_factory() as uow:
            uow.session.add(Person(full_name="Lê Văn C", created_at=datetime(2023, 11, 25, 8, 0)))
            await uow.session.flush()
