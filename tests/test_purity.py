"""The core imports no platform or database library (DESIGN.md, principle 1)."""

from __future__ import annotations

import pkgutil
import subprocess
import sys
from pathlib import Path

import bot

FORBIDDEN = ("telegram", "aiohttp", "sqlalchemy", "aiosqlite", "asyncpg", "alembic", "apscheduler")


def test_importing_every_core_module_loads_no_platform_or_database_library() -> None:
    modules = [f"bot.{m.name}" for m in pkgutil.iter_modules(bot.__path__)]
    assert "bot.engine" in modules and "bot.service" in modules
    program = (
        "import importlib, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        f"print(sorted({{m.split('.')[0] for m in sys.modules}} & set({FORBIDDEN!r})))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, check=True,
        cwd=Path(bot.__file__).resolve().parent.parent,
    )
    assert result.stdout.strip() == "[]", result.stdout
