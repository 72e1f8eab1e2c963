"""The core names no platform, database or outer layer (ARCHITECTURE.md, "Layers").

The check reads the source of every module under `bot/`, so an import inside a function (which
importing the module would never run) is caught as surely as one at the top.
"""

from __future__ import annotations

import ast
from pathlib import Path

import bot

FORBIDDEN = (
    "telegram", "aiohttp", "sqlalchemy", "aiosqlite", "asyncpg", "alembic", "apscheduler",
    "handlers", "storage", "app", "scheduler",
)  # fmt: skip
CORE = Path(bot.__file__).resolve().parent


def forbidden_imports(source: str) -> list[str]:
    """Every module the source imports, anywhere in it, whose top-level package is forbidden."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        found += [name for name in names if name.split(".")[0] in FORBIDDEN]
    return found


def core_modules(root: Path = CORE) -> list[Path]:
    return sorted(root.rglob("*.py"))


def offenders(root: Path) -> dict[str, list[str]]:
    """The modules under `root` that import something forbidden, with what they import."""
    return {
        str(path.relative_to(root)): names
        for path in core_modules(root)
        if (names := forbidden_imports(path.read_text(encoding="utf-8")))
    }


def test_no_core_module_imports_a_platform_a_database_or_an_outer_layer() -> None:
    modules = core_modules()
    assert CORE / "reporting" / "engine.py" in modules and CORE / "service.py" in modules
    assert offenders(CORE) == {}


def test_an_import_hidden_inside_a_function_is_caught(tmp_path: Path) -> None:
    """A copy of the core plus one module that reaches for storage only when called."""
    core = tmp_path / "bot"
    core.mkdir()
    for path in core_modules():
        target = core / path.relative_to(CORE)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    (core / "sneaky.py").write_text(
        '"""Looks pure at import time."""\n\n'
        "def load() -> None:\n"
        "    import storage\n"
        "    from bot.base.forms import Form  # the core itself is fine\n",
        encoding="utf-8",
    )
    assert offenders(core) == {"sneaky.py": ["storage"]}


def test_the_core_names_no_channel() -> None:
    """Telegram, Zalo and their links belong to their channels' folders."""
    mentions = {
        str(path.relative_to(CORE)): line.strip()
        for path in core_modules()
        for line in path.read_text(encoding="utf-8").splitlines()
        if any(word in line.lower() for word in ("telegram", "zalo", "t.me/"))
    }
    assert mentions == {}
