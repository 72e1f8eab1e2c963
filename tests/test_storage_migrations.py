"""The migrations build exactly the schema the models declare, and re-running them is harmless."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

from storage.database import create_engine
from storage.migrate import upgrade
from storage.models import Base


def _diff(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, Base.metadata))


def _tables(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names())


async def test_migrated_schema_matches_the_models(database_url: str) -> None:
    await upgrade(database_url)
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            assert await connection.run_sync(_diff) == []
            assert await connection.run_sync(_tables) == {*Base.metadata.tables, "alembic_version"}
    finally:
        await engine.dispose()


async def test_upgrading_twice_changes_nothing(database_url: str) -> None:
    await upgrade(database_url)
    engine = create_engine(database_url)
    try:
        async with engine.begin() as connection:
            await connection.execute(
                text("INSERT INTO people (full_name, created_at) VALUES ('Nguyễn Văn A', CURRENT_TIMESTAMP)")
            )
        await upgrade(database_url)
        async with engine.connect() as connection:
            assert (await connection.execute(text("SELECT version_num FROM alembic_version"))).scalars().all() == [
                "0001"
            ]
            assert (await connection.execute(text("SELECT count(*) FROM people"))).scalar_one() == 1
    finally:
        await engine.dispose()
