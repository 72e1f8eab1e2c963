"""The supervisor's status commands on a generated province of 10,000 units, next to the same on a
baseline province of 1,000 in the same run: /tinhhinh, /chuanop (its first page), /tieuchi (one
criterion of the 34-criteria form) and /donvi (one commune by name), each a whole turn through
`ReportingService.handle` as app/runtime.py builds it, for a supervisor of the whole province.

The reports stand as a campaign's do a few days before its deadline: a tenth never opened, three
tenths drafts part answered, one returned, one approved, the rest handed in; two communes in
three have an officer linked.

    .venv/bin/python bench/status.py                       # SQLite, 10,000 against 1,000
    .venv/bin/python bench/status.py --postgres postgresql+asyncpg://postgres@127.0.0.1:5432/test
    .venv/bin/python bench/status.py --units 3000 --baseline-units 300 --runs 5

Each command is answered once to warm up (the process reads the unit tree then), then `--runs`
times, one after another; the table shows the median and the slowest. A table, not a test.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path

from sqlalchemy import text

ROOT = Path(__file__).resolve().parent.parent
for path in (ROOT, ROOT / "bench"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from generated_province import FORM, NOW, filled_database, province  # noqa: E402

from app.runtime import runtime  # noqa: E402
from app.settings import Settings  # noqa: E402
from bot.base.inputs import CommandInput  # noqa: E402
from bot.base.report_status import ReportStatus  # noqa: E402
from bot.service import Envelope  # noqa: E402
from harness.bot_process import DirectLink, link_directly  # noqa: E402
from harness.postgres_schemas import fresh_schema  # noqa: E402
from storage.database import create_engine  # noqa: E402

TARGET_MS = 300
SUPERVISOR = 1
COMMANDS = {
    "/tinhhinh": CommandInput("tinhhinh"),
    "/chuanop": CommandInput("chuanop"),
    "/tieuchi 34 5": CommandInput("tieuchi", "34 5"),
    "/donvi Xã thử nghiệm 77": CommandInput("donvi", "Xã thử nghiệm 77"),
}
ANALYSED = ("units", "campaigns", "enrolments", "reports", "answers", "people", "grants", "chats")
REFUSED = "dành cho"
"""Words of the refusal a person without a supervisor's role is given: a run that meets it measures nothing."""


def campaign_under_way(number: int) -> tuple[ReportStatus | None, int]:
    """The n-th report a few days before the deadline (see the module's docstring)."""
    share = number % 10
    if share == 0:
        return None, 0
    if share <= 3:
        return ReportStatus.DRAFT, number % len(FORM)
    if share == 4:
        return ReportStatus.RETURNED, len(FORM)
    if share == 5:
        return ReportStatus.APPROVED, len(FORM)
    return ReportStatus.SUBMITTED, len(FORM)


@contextlib.asynccontextmanager
async def database(folder: Path, postgres: str | None) -> AsyncIterator[str]:
    """A new SQLite file, or a new PostgreSQL schema dropped afterwards."""
    if postgres is None:
        yield f"sqlite+aiosqlite:///{folder / 'baocao.db'}"
        return
    async with fresh_schema(postgres, prefix="bench") as url:
        yield url


async def linked(url: str, units: int) -> None:
    """The supervisor on the province; an officer on two communes in three."""
    communes = [spec.code for spec in province(units) if spec.kind == "xa"]
    people = [DirectLink(SUPERVISOR, "Giám sát tỉnh", ("T",), role="supervisor")]
    people += [DirectLink(100 + n, f"Cán bộ {n}", (code,)) for n, code in enumerate(communes) if n % 3]
    await link_directly(url, people, NOW)


async def analysed(url: str) -> None:
    """The PostgreSQL tables as a database in use has them. The bulk load wrote every report row
    once per answer (the trigger that counts them), which leaves the table many times its size
    until the space is reused, as it is when answers come one by one; and PostgreSQL plans by
    statistics that autovacuum gathers a while after a load (without them a 1,000-unit
    /tinhhinh took over a minute). Both are settled here, before anything is timed."""
    database = create_engine(url)
    try:
        async with database.connect() as connection:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            for table in ANALYSED:
                await connection.execute(text(f"VACUUM FULL ANALYZE {table}"))
    finally:
        await database.dispose()


async def timings(units: int, runs: int, postgres: str | None) -> dict[str, list[float]]:
    """Seconds each command's turn took, per run."""
    with tempfile.TemporaryDirectory(prefix="baocao-bench-status-") as folder:
        async with database(Path(folder), postgres) as url:
            await filled_database(url, units, campaign_under_way)
            await linked(url, units)
            if postgres is not None:
                await analysed(url)
            settings = Settings(_env_file=None, BAOCAO_DATABASE_URL=url, BAOCAO_NOW=NOW.isoformat(), BAOCAO_FILES_DIR=folder)
            updates = iter(range(1, 10**9))
            taken: dict[str, list[float]] = {name: [] for name in COMMANDS}
            async with runtime(settings, plugins=()) as rt:
                for run in range(runs + 1):
                    for name, command in COMMANDS.items():
                        chat = str(SUPERVISOR)
                        started = time.perf_counter()
                        result = await rt.service.handle(Envelope("telegram", chat, command, str(next(updates)), chat, "Giám sát"))
                        seconds = time.perf_counter() - started
                        shown = "\n".join(reply.text for reply in result.replies)
                        if not shown or REFUSED in shown:
                            raise SystemExit(f"{name} was not answered as a supervisor's command: {shown[:200]!r}")
                        if run:
                            taken[name].append(seconds)
            return taken


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--units", type=int, default=10_000)
    parser.add_argument("--baseline-units", type=int, default=1_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--postgres", metavar="URL", help="a PostgreSQL server (a schema of its own is made and dropped)")
    args = parser.parse_args()
    baseline = asyncio.run(timings(args.baseline_units, args.runs, args.postgres))
    measured = asyncio.run(timings(args.units, args.runs, args.postgres))
    backend = "PostgreSQL" if args.postgres else "SQLite"
    small, large = f"{args.baseline_units:,}", f"{args.units:,}"
    print(f"{backend}: ms per turn, median and slowest of {args.runs} runs; target under {TARGET_MS} ms at {large} units")
    print(f"{'command':<26} {small + ' med':>10} {'max':>7} {large + ' med':>11} {'max':>7}  target")
    for name, seconds in measured.items():
        base = baseline[name]
        verdict = "MET" if 1000 * max(seconds) < TARGET_MS else "NOT MET"
        print(
            f"{name:<26} {1000 * statistics.median(base):>10.1f} {1000 * max(base):>7.1f}"
            f" {1000 * statistics.median(seconds):>11.1f} {1000 * max(seconds):>7.1f}  {verdict}"
        )


if __name__ == "__main__":
    main()
