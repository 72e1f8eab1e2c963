"""Opening the database BAOCAO_DATABASE_URL names, so that what goes wrong there reads as what it
is: a URL this bot cannot drive is a setting to fix, a server that does not answer is
DatabaseUnreachable; neither is a driver's traceback."""

from __future__ import annotations

import contextlib
import re
from collections.abc import AsyncIterator
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, InvalidRequestError
from sqlalchemy.ext.asyncio import AsyncEngine

from app.settings import SettingError
from storage.database import create_engine

__all__ = ["DatabaseFolderMissing", "DatabaseUnreachable", "missing_folder", "opened_database", "without_password"]

URL_SETTING = "BAOCAO_DATABASE_URL"


class DatabaseUnreachable(RuntimeError):
    """The database refused or did not answer the first connection (the server is down, the
    password is wrong, the file cannot be opened); `url` is shown without its password."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.url = url


class DatabaseFolderMissing(RuntimeError):
    """The folder of a SQLite database file does not exist: a mistyped URL is said as such
    rather than answered with a tree of folders made on the way."""

    def __init__(self, folder: Path) -> None:
        super().__init__(str(folder))
        self.folder = folder


def missing_folder(url: str) -> Path | None:
    """The folder a SQLite database file would be in, when it does not exist; None for any other
    database, a URL this bot cannot read (opened_database says so) or a folder that is there."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return None
    database = parsed.database or ""
    if parsed.get_backend_name() != "sqlite" or database in ("", ":memory:") or database.startswith("file:"):
        return None
    folder = Path(database).parent
    return None if folder.is_dir() else folder


def without_password(url: str) -> str:
    """The URL as it may be printed: `postgresql://user:***@host/db`."""
    return re.sub(r"(://[^/:@]*:)[^/@]*@", r"\1***@", url)


@contextlib.asynccontextmanager
async def opened_database(url: str, reading: bool = False) -> AsyncIterator[AsyncEngine]:
    """An engine for `url` that has connected once, disposed of on the way out (`reading`: see
    storage.database.create_engine)."""
    if (folder := missing_folder(url)) is not None:
        raise DatabaseFolderMissing(folder)
    try:
        engine = create_engine(url, reading)
    except (ArgumentError, InvalidRequestError, ValueError) as error:  # unreadable, not async, not SQLite or PostgreSQL
        raise SettingError(URL_SETTING, without_password(url)) from error
    try:
        try:
            async with engine.connect():
                pass
        except (OSError, DBAPIError) as error:
            raise DatabaseUnreachable(without_password(url)) from error
        yield engine
    finally:
        await engine.dispose()
