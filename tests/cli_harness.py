"""`baocao ARGS` run in the test's own process over a database file of its own: the `cli`
fixture (a fresh folder) and `demo` (the demo province, seeded once per test module and copied).
tests/conftest.py makes them fixtures of every test."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from app.cli import main

__all__ = ["DEMO_DAY", "ENV_PREFIXES", "Cli", "Result", "cli", "demo", "seeded_database"]

ENV_PREFIXES = ("BAOCAO_", "TELEGRAM_", "ZALO_")
DEMO_DAY = "2023-11-20T08:00:00+07:00"
"""The day these tests live on: the 2023 review is open, so the demo holds no rehearsal."""


@dataclass
class Result:
    code: int
    out: str
    err: str


class Cli:
    """`baocao ARGS` with only these settings in the environment, in a working folder of its own;
    on the clock `now` (None: the real date, as a person runs it)."""

    def __init__(
        self, workdir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], now: str | None = DEMO_DAY
    ) -> None:
        self.workdir = workdir
        self.url = f"sqlite+aiosqlite:///{workdir / 'baocao.db'}"
        self.monkeypatch = monkeypatch
        self.capsys = capsys
        self.now = now

    def __call__(self, *args: str, **env: str) -> Result:
        with self.monkeypatch.context() as patch:
            for name in [name for name in os.environ if name.startswith(ENV_PREFIXES)]:
                patch.delenv(name)
            clock = {"BAOCAO_NOW": self.now} if self.now is not None else {}
            for name, value in {"BAOCAO_DATABASE_URL": self.url, **clock, **env}.items():
                patch.setenv(name, value)
            patch.chdir(self.workdir)
            self.capsys.readouterr()
            try:
                code = main(list(args))
            except SystemExit as exit:  # argparse's way out
                code = int(exit.code or 0)
            out, err = self.capsys.readouterr()
        return Result(code, out, err)


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Cli:
    return Cli(tmp_path, monkeypatch, capsys)


@pytest.fixture(scope="module")
def seeded_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo province in a database file, made once and copied for each test, seeded on the
    day the tests live on."""
    workdir = tmp_path_factory.mktemp("seeded")
    with pytest.MonkeyPatch.context() as monkeypatch:
        for name in [name for name in os.environ if name.startswith(ENV_PREFIXES)]:
            monkeypatch.delenv(name)
        monkeypatch.setenv("BAOCAO_DATABASE_URL", f"sqlite+aiosqlite:///{workdir / 'baocao.db'}")
        monkeypatch.setenv("BAOCAO_NOW", DEMO_DAY)
        assert main(["db", "upgrade"]) == 0 and main(["seed", "demo"]) == 0
    return workdir / "baocao.db"


@pytest.fixture
def demo(cli: Cli, seeded_database: Path) -> Cli:
    shutil.copyfile(seeded_database, cli.workdir / "baocao.db")
    return cli
