"""SQLite databases made once per process and copied: a test, or a bot process under test, gets a
database of its own for the price of a file copy, however long making its content took
(migrating, seeding the demo province).
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from collections.abc import Awaitable, Callable, Hashable
from pathlib import Path

from storage.migrate import upgrade

__all__ = ["copy_of_template", "migrated_copy", "sqlite_url"]

_templates: dict[Hashable, Path] = {}


def sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


async def copy_of_template(key: Hashable, make: Callable[[Path], Awaitable[None]], destination: Path) -> str:
    """A database at `destination` holding what `make` writes into an empty file, the template
    `key` names: made by the first call in this process, copied by every call. `make` must close
    every connection it opens, so that the file alone holds everything (no write-ahead log
    beside it). Returns the copy's URL."""
    template = _templates.get(key)
    if template is None:
        folder = Path(tempfile.mkdtemp(prefix="baocao-template-"))
        atexit.register(shutil.rmtree, folder, True)
        template = folder / "baocao.db"
        await make(template)
        _templates[key] = template
    destination.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(template, destination)
    return sqlite_url(destination)


async def migrated_copy(destination: Path) -> str:
    """An empty database at the newest schema, at `destination`; returns its URL."""
    return await copy_of_template("migrated", _migrate, destination)


async def _migrate(template: Path) -> None:
    await upgrade(sqlite_url(template))
