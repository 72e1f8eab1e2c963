"""Database fixtures: every storage test runs on SQLite and, when configured, on PostgreSQL.

PostgreSQL runs only when BAOCAO_TEST_POSTGRES_URL is set (CI always sets it); tests then work
in schemas of their own, named in the URL's `search_path`, and never see other runs' rows.
Migrating costs a few hundred milliseconds, so `uow_factory` migrates once per test process:
SQLite tests get a copy of a migrated template (harness/sqlite_templates.py), PostgreSQL tests
share one migrated schema, emptied before each test.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from harness.postgres_schemas import create_schema, drop_schema, fresh_schema
from harness.sqlite_templates import migrated_copy, sqlite_url
from storage.database import create_engine
from storage.migrate import upgrade
from storage.schema import METADATA
from storage.unit_of_work import UnitOfWorkFactory
from tests.service_harness import Harness

pytest_plugins = ["tests.cli_harness"]  # `cli` and `demo`: the command line over a database of its own

POSTGRES_URL = os.environ.get("BAOCAO_TEST_POSTGRES_URL")
BACKENDS = ["sqlite", "postgresql"]


@contextlib.asynccontextmanager
async def own_postgres_schema() -> AsyncIterator[str]:
    """A URL inside a new schema on the test server, dropped afterwards; the test is skipped
    when no server is configured."""
    if not POSTGRES_URL:
        pytest.skip("BAOCAO_TEST_POSTGRES_URL is not set")
    async with fresh_schema(POSTGRES_URL) as url:
        yield url


@pytest.fixture(params=BACKENDS)
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """An empty database, not even migrated: a temporary SQLite file, or a new PostgreSQL schema."""
    if request.param == "sqlite":
        yield sqlite_url(tmp_path / "baocao.db")
        return
    async with own_postgres_schema() as url:
        yield url


@pytest.fixture(scope="session")
def migrated_postgres_url() -> Iterator[str]:
    if not POSTGRES_URL:
        pytest.skip("BAOCAO_TEST_POSTGRES_URL is not set")
    schema, url = asyncio.run(create_schema(POSTGRES_URL))
    try:
        asyncio.run(upgrade(url))
        yield url
    finally:
        asyncio.run(drop_schema(POSTGRES_URL, schema))


@pytest.fixture(params=BACKENDS)
def migrated_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated database; on PostgreSQL it may still hold an earlier test's rows."""
    if request.param == "sqlite":
        return asyncio.run(migrated_copy(tmp_path / "baocao.db"))
    return str(request.getfixturevalue("migrated_postgres_url"))


@pytest.fixture
async def uow_factory(migrated_url: str) -> AsyncIterator[UnitOfWorkFactory]:
    """Units of work over a migrated, empty database."""
    engine = create_engine(migrated_url)
    if engine.dialect.name == "postgresql":
        tables = ", ".join(f'"{table}"' for table in METADATA.tables)
        async with engine.begin() as connection:
            await connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    try:
        yield UnitOfWorkFactory(engine)
    finally:
        await engine.dispose()


@pytest.fixture
async def harness(uow_factory: UnitOfWorkFactory) -> Harness:
    """The service over a migrated database seeded with the demo province."""
    harness = Harness(uow_factory)
    await harness.seed()
    return harness


@pytest.fixture
def ptb_timedelta(monkeypatch: pytest.MonkeyPatch) -> None:
    """PTB 22 warns when RetryAfter.retry_after is read as int; opt in to timedelta."""
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
