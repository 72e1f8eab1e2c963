"""One `baocao` command in a child process of its own, as an operator runs it, with what it cost:
the wall time, the CPU time and the peak RSS of that process alone (`os.wait4` gives the
resource usage of exactly the child it waited for, so nothing else on the machine counts)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

__all__ = ["ROOT", "Usage", "baocao_env", "run_baocao"]

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Usage:
    """What one command cost, and how it ended."""

    seconds: float
    cpu_seconds: float
    """User plus system CPU time of the process."""
    peak_mb: float
    """Peak resident set size (ru_maxrss) in MiB."""
    code: int
    last_line: str
    """The error it printed, or else the last line of its output."""


def baocao_env(database_url: str, **settings: str) -> dict[str, str]:
    """This environment without any baocao, Telegram or Zalo setting of its own, pointed at the
    database, with `settings` (BAOCAO_NOW=…) added."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BAOCAO_", "TELEGRAM_", "ZALO_"))}
    env.update(BAOCAO_DATABASE_URL=database_url, PYTHONPATH=str(ROOT), **settings)
    return env


LAUNCHER = """
import json, os, sys, time
started = time.perf_counter()
pid = os.fork()
if pid == 0:
    os.execv(sys.executable, [sys.executable, "-m", "app.cli", *sys.argv[2:]])
_pid, status, usage = os.wait4(pid, 0)
with open(sys.argv[1], "w") as file:
    json.dump([time.perf_counter() - started, usage.ru_utime + usage.ru_stime, usage.ru_maxrss, os.waitstatus_to_exitcode(status)], file)
"""
"""Starts the command from a bare interpreter (`python -S`, a few MB) and waits for it alone.
Linux carries the peak RSS of the process that forks into the child's ru_maxrss, so spawned
straight from this program, whose own RSS is a hundred MB, every command would seem to need at
least that much."""


def run_baocao(workdir: Path, env: dict[str, str], *args: str) -> Usage:
    """`baocao ARGS` (as `python -m app.cli`) in `workdir`, waited for alone."""
    out, err, usage = workdir / "out.txt", workdir / "err.txt", workdir / "usage.json"
    with out.open("wb") as stdout, err.open("wb") as stderr:
        subprocess.run([sys.executable, "-S", "-c", LAUNCHER, str(usage), *args], cwd=workdir, env=env, stdout=stdout, stderr=stderr, check=True)
    seconds, cpu_seconds, max_rss_kb, code = json.loads(usage.read_text())
    error = err.read_text(encoding="utf-8", errors="replace").strip()
    lines = out.read_text(encoding="utf-8", errors="replace").splitlines()
    return Usage(seconds, cpu_seconds, max_rss_kb / 1024, code, error.splitlines()[-1] if error else (lines[-1] if lines else ""))
