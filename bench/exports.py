"""The exports a supervisor asks for, on a generated province of 10,000 units with every report
filled and handed in, next to the same on a baseline province of 1,000 in the same run: the
status a supervisor reads (/tinhhinh's count), the compiled summary (DOCX), the workbook (XLSX),
the chart (PNG) and one unit's report (DOCX). Each row is the time to read what the export needs
from SQLite and write the file, and, in a second run of the same step, the peak memory Python
allocated for it (tracemalloc, which would slow the timed run).

    .venv/bin/python bench/exports.py                       # 10,000 against 1,000: a few minutes
    .venv/bin/python bench/exports.py --units 3000 --baseline-units 300

A table, not a test: "per unit" near the baseline's means the export grows linearly.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
for path in (ROOT, ROOT / "bench"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))


from generated_province import CAMPAIGN, CATALOG, FORM, ZONE, filled_database  # noqa: E402

from app.documents import FileDocuments  # noqa: E402
from bot.base.forms import Form, LocalText  # noqa: E402
from bot.base.letterhead import Letterhead  # noqa: E402
from bot.documents.exports import (  # noqa: E402
    chart_document,
    report_document,
    summary_document,
    workbook_document,
)
from bot.organisation.units import UnitTree  # noqa: E402
from bot.reporting.prompts import Prompts  # noqa: E402
from bot.reporting.standing import standing_of  # noqa: E402
from storage.database import create_engine  # noqa: E402
from storage.unit_of_work import UnitOfWorkFactory  # noqa: E402

ONE_UNIT = {"one unit's DOCX"}
"""Steps whose work does not grow with the province."""


@dataclass(frozen=True)
class Settings:
    """What an export needs of the composition root, as FeatureSettings gives it."""

    forms: Mapping[str, Form]
    documents: FileDocuments

    def kind_label(self, kind: str) -> LocalText:
        return CATALOG.kind_label(kind)

    def letterhead(self, kind: str) -> Letterhead:
        return CATALOG.letterhead(kind)


async def measure(step: Callable[[], Awaitable[object]]) -> tuple[float, float, float]:
    """The step's time and the CPU time this process spent on it (the machine is shared: the
    CPU time says what the step costs whatever else runs), then, run again, its peak memory:
    tracing every allocation slows a step several times over, so the two are never measured in
    the same run."""
    started, cpu = time.perf_counter(), time.process_time()
    await step()
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
    tracemalloc.start()
    await step()
    peak = tracemalloc.get_traced_memory()[1] / 1e6
    tracemalloc.stop()
    return seconds, cpu_seconds, peak


async def run(units: int) -> dict[str, tuple[float, float, float]]:
    with tempfile.TemporaryDirectory(prefix="baocao-bench-exports-") as folder:
        url = f"sqlite+aiosqlite:///{Path(folder) / 'baocao.db'}"
        await filled_database(url, units)
        database = create_engine(url)
        factory = UnitOfWorkFactory(database)
        settings = Settings(CATALOG.forms, FileDocuments(Path(folder)))
        p = Prompts("vi", ZONE)
        async with factory() as uow:
            tree = UnitTree(await uow.units.units())
            [campaign] = [c for c in await uow.units.campaigns() if c.code == CAMPAIGN]
        root = tree.by_code("T")
        assert root is not None
        scope = tree.subtree([root.id])
        today = date(2023, 11, 20)

        async def status() -> object:
            async with factory() as uow:
                rows = await uow.reports.enrolments(CAMPAIGN, scope)
            return standing_of(rows, tree, (root.id,), lambda f: len(CATALOG.form(f)), lambda f: False, {}, campaign.report_due, today)

        async def within(export: Callable[..., Awaitable[object]], *args: object) -> object:
            async with factory() as uow:
                return await export(uow, tree, *args)

        async def unit_report() -> object:
            async with factory() as uow:
                report = await uow.reports.of_unit(CAMPAIGN, tree.by_code("T-H000-X00000").id)  # type: ignore[union-attr]
                assert report is not None
                return await report_document(uow, tree, report, settings, p, today)

        steps: dict[str, Callable[[], Awaitable[object]]] = {
            "/tinhhinh count": status,
            "summary DOCX": lambda: within(summary_document, root, scope, campaign, settings, p, today),
            "workbook XLSX": lambda: within(workbook_document, root, scope, campaign, settings, p),
            "chart PNG": lambda: within(chart_document, root, scope, campaign, settings, p, today),
            "one unit's DOCX": unit_report,
        }
        results = {name: await measure(step) for name, step in steps.items()}
        await database.dispose()
        return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--units", type=int, default=10_000)
    parser.add_argument("--baseline-units", type=int, default=1_000)
    args = parser.parse_args()
    baseline = asyncio.run(run(args.baseline_units))
    measured = asyncio.run(run(args.units))
    print(f"{'export':<18} {'baseline s':>11} {'CPU s':>6} {'MB':>6} {'s':>8} {'CPU s':>6} {'peak MB':>8} {'per unit vs baseline':>21}")
    for name, (seconds, cpu, peak) in measured.items():
        base_seconds, base_cpu, base_peak = baseline[name]
        line = f"{name:<18} {base_seconds:>11.3f} {base_cpu:>6.2f} {base_peak:>6.1f} {seconds:>8.3f} {cpu:>6.2f} {peak:>8.1f}"
        if name in ONE_UNIT:
            print(f"{line} {'(one unit)':>21}")
            continue
        growth = (seconds / args.units) / (base_seconds / args.baseline_units)
        print(f"{line} {growth:>20.2f}×")
    print(f"({args.units:,} units against {args.baseline_units:,}; {len(FORM)} questions each, every report handed in)")


if __name__ == "__main__":
    main()
