"""Alembic environment: migrates the database named by the caller or by BAOCAO_DATABASE_URL.

`storage.migrate` passes the URL its caller read from the settings in the config's attributes;
the alembic command line, run by hand, reads BAOCAO_DATABASE_URL from the environment itself, as
storage never imports the application's settings. Either way the engine comes from
`storage.database`, so migrations run under the application's SQLite settings (WAL, BEGIN
IMMEDIATE: the whole upgrade is one transaction).
"""

from __future__ import annotations

import asyncio
import os

from alembic import context
from sqlalchemy.engine import Connection

from storage.database import create_engine
from storage.schema import METADATA

URL_VARIABLE = "BAOCAO_DATABASE_URL"


def run_on(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=METADATA,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def run_with_url(url: str) -> None:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(run_on)
    finally:
        await engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline (--sql) migrations are not supported; run against a database")

def database_url() -> str:
    url = context.config.attributes.get("url") or os.environ.get(URL_VARIABLE)
    if not url:
        raise SystemExit(f"set {URL_VARIABLE} to the database to migrate")
    return url


asyncio.run(run_with_url(database_url()))
