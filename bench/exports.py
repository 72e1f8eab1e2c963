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
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


from app.documents import FileDocuments
from bot.base.forms import Form, LocalText, QuestionKind
from bot.base.letterhead import Letterhead
from bot.base.report_status import ReportStatus
from bot.catalog.loading import load_catalog
from bot.catalog.model import CampaignSpec, EnrolRule, UnitSpec
from bot.documents.exports import (
    chart_document,
    report_document,
    summary_document,
    workbook_document,
)
from bot.organisation.units import UnitTree
from bot.reporting.prompts import Prompts
from bot.reporting.standing import standing_of
from storage.database import create_engine
from storage.migrate import upgrade
from storage.models import Answer, Campaign, Enrolment, Report
from storage.seed import load_campaign, load_units
from storage.unit_of_work import UnitOfWorkFactory

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2023, 11, 20, 9, 0, tzinfo=ZONE)
CATALOG = load_catalog()
FORM = CATALOG.form("xa-34")
CAMPAIGN = "bench-2023"
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


def province(units: int) -> list[UnitSpec]:
    """A province, a district per 100 communes, the communes."""
    districts = max(1, units // 100)
    specs = [UnitSpec("T", "Tỉnh thử nghiệm", "tinh", None, True)]
    specs += [UnitSpec(f"T-H{d:03d}", f"Huyện thử nghiệm {d}", "huyen", "T", True) for d in range(districts)]
    specs += [
        UnitSpec(f"T-H{i % districts:03d}-X{i:05d}", f"Xã thử nghiệm {i}", "xa", f"T-H{i % districts:03d}", True)
        for i in range(units - 1 - districts)
    ]
    return specs


def answers_for(number: int) -> dict[str, Any]:
    """A whole report: every criterion (the statuses in turn) and every text."""
    values: dict[str, Any] = {}
    for question in FORM:
        if question.kind is QuestionKind.CRITERION:
            status = ("dat", "chua_dat", "chua_den")[(number + (question.criterion_number or 0)) % 3]
            values[question.id] = {"status": status, "narrative": f"Đơn vị {number}: đã triển khai, kết quả cụ thể."}
        elif question.kind is QuestionKind.TEXT:
            values[question.id] = {"text": f"Đơn vị {number}, mục {question.id}: nội dung báo cáo đầy đủ và cụ thể."}
    return values


async def filled_database(folder: Path, units: int) -> str:
    """A migrated SQLite database with the province, its campaign, and every report handed in
    (written with Core inserts: the point is the exports, not filling)."""
    url = f"sqlite+aiosqlite:///{folder / 'baocao.db'}"
    await upgrade(url)
    database = create_engine(url)
    factory = UnitOfWorkFactory(database)
    spec = replace(
        CATALOG.campaigns["so-ket-2023"], code=CAMPAIGN,
        enrol=(EnrolRule("xa", "xa-34"), EnrolRule("huyen", "de-cuong")),
    )  # fmt: skip
    assert isinstance(spec, CampaignSpec)
    async with factory() as uow:
        await load_units(uow, province(units))
        await load_campaign(uow, spec)
    async with factory() as uow:
        session = uow.session
        enrolments = (
            await session.execute(
                select(Enrolment.id, Enrolment.form_id).join(Campaign, Campaign.id == Enrolment.campaign_id).where(Campaign.code == CAMPAIGN)
            )
        ).all()
        reports = [
            {"enrolment_id": row.id, "status": ReportStatus.SUBMITTED.value, "submission_count": 1, "receipt_no": f"BC-{row.id:06d}-1",
             "submitted_at": NOW, "reopened": [], "created_at": NOW, "updated_at": NOW}
            for row in enrolments
        ]  # fmt: skip
        await session.execute(insert(Report), reports)
        ids = (await session.execute(select(Report.id, Report.enrolment_id))).all()
        form_of = {row.id: row.form_id for row in enrolments}
        rows = [
            {"report_id": report_id, "question_id": question_id, "version": 1, "value": value, "author_id": None, "created_at": NOW}
            for number, (report_id, enrolment_id) in enumerate(ids)
            if form_of[enrolment_id] == "xa-34"
            for question_id, value in answers_for(number).items()
        ]
        for start in range(0, len(rows), 5000):
            await session.execute(insert(Answer), rows[start : start + 5000])
    await database.dispose()
    return url


async def measure(step: Callable[[], Awaitable[object]]) -> tuple[float, float]:
    """The step's time, then, run again, its peak memory: tracing every allocation slows a
    step several times over, so the two are never measured in the same run."""
    started = time.perf_counter()
    await step()
    seconds = time.perf_counter() - started
    tracemalloc.start()
    await step()
    peak = tracemalloc.get_traced_memory()[1] / 1e6
    tracemalloc.stop()
    return seconds, peak


async def run(units: int) -> dict[str, tuple[float, float]]:
    with tempfile.TemporaryDirectory(prefix="baocao-bench-exports-") as folder:
        url = await filled_database(Path(folder), units)
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
    print(f"{'export':<18} {'baseline s':>11} {'s':>8} {'peak MB':>8} {'per unit vs baseline':>21}")
    for name, (seconds, peak) in measured.items():
        base_seconds, _base_peak = baseline[name]
        if name in ONE_UNIT:
            print(f"{name:<18} {base_seconds:>11.3f} {seconds:>8.3f} {peak:>8.1f} {'(one unit)':>21}")
            continue
        growth = (seconds / args.units) / (base_seconds / args.baseline_units)
        print(f"{name:<18} {base_seconds:>11.3f} {seconds:>8.3f} {peak:>8.1f} {growth:>20.2f}×")
    print(f"({args.units:,} units against {args.baseline_units:,}; {len(FORM)} questions each, every report handed in)")


if __name__ == "__main__":
    main()
