"""A PostgreSQL schema of one's own: each test run or benchmark row works in a new schema, named
in the URL's `search_path` and dropped afterwards, so it never sees another run's rows."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

__all__ = ["create_schema", "drop_schema", "fresh_schema"]


async def create_schema(server_url: str, prefix: str = "test") -> tuple[str, str]:
    """A new schema on the server: its name, and a URL that works inside it."""
    schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
    await _run(server_url, f'CREATE SCHEMA "{schema}"')
    return schema, make_url(server_url).update_query_dict({"search_path": schema}).render_as_string(hide_password=False)


async def drop_schema(server_url: str, schema: str) -> None:
    await _run(server_url, f'DROP SCHEMA "{schema}" CASCADE')


@contextlib.asynccontextmanager
async def fresh_schema(server_url: str, prefix: str = "test") -> AsyncIterator[str]:
    """A URL inside a new schema, dropped when the block ends."""
    schema, url = await create_schema(server_url, prefix)
    try:
        yield url
    finally:
        await drop_schema(server_url, schema)


async def _run(server_url: str, statement: str) -> None:
    admin = create_async_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as connection:
            await connection.execute(text(statement))
    finally:
        await admin.dispose()
