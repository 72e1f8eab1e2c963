"""A province for the benchmarks, made the way a province makes its own: the organisation sheet
read by `baocao units import`, a campaign file read by `baocao campaigns load`. Then every report
of the province answered in full and handed in, written straight into the tables in bulk (half a
million answers through the chat would take hours; the benchmarks measure what is read, not how
it was typed).

Beside the province (root T: a district per 100 communes, every commune on the 34-criteria form)
there may be a second one (root K) whose communes are enrolled on the same campaign but have not
started: the officers who answer during a benchmark report there, outside what T's supervisor
exports."""

from __future__ import annotations

import contextlib
import shutil
import sys
from collections.abc import AsyncIterator, Iterator
from datetime import date, datetime
from itertools import chain, islice
from pathlib import Path

from sqlalchemy import insert, select, text

sys.path.insert(0, str(Path(__file__).resolve().parent))

from measured_command import baocao_env, run_baocao
from unit_import import tree_rows, write_csv

from bot.base.answers import AnswerValue
from bot.base.forms import CriterionStatus, Form, Question, QuestionKind, number_bounds
from bot.base.report_status import ReportStatus
from bot.catalog.loading import load_catalog
from harness.bot_process import DEMO_NOW
from harness.postgres_schemas import fresh_schema
from storage.database import create_engine
from storage.models import Answer, Campaign, Enrolment, Report, Unit
from storage.unit_of_work import UnitOfWorkFactory

__all__ = [
    "CAMPAIGN", "FILED_AT", "FORM", "LOAD_ROOT", "ROOT_UNIT", "answers_for", "commune_code", "communes_in", "province_database",
    "province_rows", "units_for_communes", "vacuum_analyze",
]  # fmt: skip

ROOT_UNIT = "T"
LOAD_ROOT = "K"
CAMPAIGN = "bench-2023"
CATALOG = load_catalog()
FORM = CATALOG.form("xa-34")
COMMUNES_PER_DISTRICT = 100
FILED_AT = datetime.fromisoformat(DEMO_NOW)
BATCH = 5_000
"""Answer rows a bulk INSERT carries."""

CAMPAIGN_FILE = f"""\
code: {CAMPAIGN}
title:
  vi: Sơ kết thử tải năm 2023
  en: 2023 load-test review
basis: "Kế hoạch thử tải (dữ liệu sinh cho đo đạc)"
opens: 2023-11-01
milestones:
  - kind: report_due
    due: 2023-11-25
    title:
      vi: Hạn gửi báo cáo sơ kết
      en: Review reports due
reminders:
  days_before: [1]
  at: "08:00"
  overdue_notice: false
enrol:
  - unit_kind: xa
    form: {FORM.id}
closes: 2023-12-10
"""
"""The campaign: open on the benchmark's day (20/11/2023, DEMO_NOW), every commune on the
34-criteria form, its only reminder days after the benchmark's clock, so no reminder goes out
while anything is measured."""


def province_rows(units: int, load_units: int) -> Iterator[tuple[str, str, str, str]]:
    """The organisation sheet's rows: `units` in province T, `load_units` in province K."""
    rows = tree_rows(units, per_district=COMMUNES_PER_DISTRICT, root=ROOT_UNIT)
    if load_units:
        rows = chain(rows, tree_rows(load_units, per_district=COMMUNES_PER_DISTRICT, root=LOAD_ROOT))
    return rows


def _districts(units: int) -> int:
    return max(1, units // COMMUNES_PER_DISTRICT)


def communes_in(units: int) -> int:
    """The communes of a province of `units` (the rest is the province and its districts)."""
    return units - 1 - _districts(units)


def units_for_communes(communes: int) -> int:
    """The fewest units a province needs to hold `communes` communes."""
    units = communes + 2
    while communes_in(units) < communes:
        units += 1
    return units


def commune_code(root: str, units: int, number: int) -> str:
    """The code `tree_rows` gives commune `number` of a province of `units`."""
    return f"{root}-H{number % _districts(units):03d}-X{number:06d}"


def answers_for(form: Form, number: int) -> dict[str, AnswerValue]:
    """Report `number` answered in full: every criterion (the verdicts in turn), every text, the
    choice, the number and the date; an optional attachment is left out."""
    return {question.id: value for question in form if (value := _answer(question, number)) is not None}


def _answer(question: Question, number: int) -> AnswerValue | None:
    match question.kind:
        case QuestionKind.CRITERION:
            criterion = question.criterion_number or 0
            status = tuple(CriterionStatus)[(number + criterion) % len(CriterionStatus)]
            value: AnswerValue = {"status": status.value, "narrative": f"Đơn vị {number}: đã triển khai tiêu chí {criterion}, kết quả cụ thể."}
            if status is CriterionStatus.NOT_YET_DUE:
                value["eligible"] = number % 2 == 0
            return value
        case QuestionKind.TEXT:
            return {"text": f"Đơn vị {number}, mục {question.id}: nội dung báo cáo đầy đủ và cụ thể."}
        case QuestionKind.CHOICE:
            return {"choice": question.options[number % len(question.options)].code}
        case QuestionKind.NUMBER:
            low, high = number_bounds(question)
            return {"number": min(max(low, number % 50), high)}
        case QuestionKind.DATE:
            return {"date": date(2023, 11, 1 + number % 19).isoformat()}
        case _:
            return None


@contextlib.asynccontextmanager
async def province_database(postgres: str | None, workdir: Path, units: int, load_units: int = 0) -> AsyncIterator[str]:
    """A database holding the province: a SQLite file in `workdir`, or a new schema on the
    `postgres` server (dropped when the block ends). Yields its URL."""
    if postgres is None:
        yield await _fill(f"sqlite+aiosqlite:///{workdir / 'baocao.db'}", workdir, units, load_units)
        return
    async with fresh_schema(postgres, prefix="bench") as url:
        yield await _fill(url, workdir, units, load_units)


def _files(workdir: Path, units: int, load_units: int) -> tuple[Path, Path]:
    """The organisation sheet and the campaign file, written in `workdir`."""
    workdir.mkdir(parents=True, exist_ok=True)
    campaign = workdir / "dot-bao-cao.yaml"
    campaign.write_text(CAMPAIGN_FILE, encoding="utf-8")
    return write_csv(workdir / "don-vi.csv", province_rows(units, load_units)), campaign


async def _fill(url: str, workdir: Path, units: int, load_units: int) -> str:
    sheet, campaign = _files(workdir, units, load_units)
    env = baocao_env(url, BAOCAO_NOW=DEMO_NOW, BAOCAO_FILES_DIR=str(workdir / "files"))
    for args in (("db", "upgrade"), ("units", "import", str(sheet)), ("campaigns", "load", str(campaign))):
        used = run_baocao(workdir, env, *args)
        if used.code != 0:
            raise RuntimeError(f"baocao {' '.join(args[:2])} failed: {used.last_line}")
    await _hand_in_every_report(url)
    await vacuum_analyze(url)
    shutil.rmtree(workdir / "files", ignore_errors=True)
    return url


async def _hand_in_every_report(url: str) -> None:
    """Every report of province T, answered in full and handed in: Core INSERTs in bulk."""
    engine = create_engine(url)
    try:
        async with UnitOfWorkFactory(engine)() as uow:
            session = uow.session
            enrolments = (
                await session.execute(
                    select(Enrolment.id, Enrolment.form_id)
                    .join(Campaign, Campaign.id == Enrolment.campaign_id)
                    .join(Unit, Unit.id == Enrolment.unit_id)
                    .where(Campaign.code == CAMPAIGN, Unit.code.startswith(f"{ROOT_UNIT}-"))
                    .order_by(Unit.code)
                )
            ).all()
            reports = [
                {"enrolment_id": row.id, "status": ReportStatus.SUBMITTED.value, "submission_count": 1, "receipt_no": f"BC-{row.id:06d}-1",
                 "submitted_at": FILED_AT, "reopened": [], "reopened_versions": {}, "created_at": FILED_AT, "updated_at": FILED_AT}
                for row in enrolments
            ]  # fmt: skip
            if reports:
                await session.execute(insert(Report), reports)
            report_of = dict((await session.execute(select(Report.enrolment_id, Report.id))).all())
            rows = (
                {"report_id": report_of[row.id], "question_id": question_id, "version": 1, "value": value, "author_id": None, "created_at": FILED_AT}
                for number, row in enumerate(enrolments)
                for question_id, value in answers_for(CATALOG.form(row.form_id), number).items()
            )  # fmt: skip
            while batch := list(islice(rows, BATCH)):
                await session.execute(insert(Answer), batch)
    finally:
        await engine.dispose()


async def vacuum_analyze(url: str) -> None:
    """VACUUM ANALYZE the schema's tables on PostgreSQL after a bulk write, as a deployment's
    autovacuum does a while after rows come in (after inserts too, since PostgreSQL 13); the test
    server runs with autovacuum off. Without the statistics, a planner that still believes the
    tables empty picks plans that take minutes per query at 1,000 units. Without the vacuum, the
    load's dead report versions stay (the trigger that counts answers moves a report's row for each
    one: 485,000 at 10,000 units), and no page of answers is marked visible to all, so a read the
    index answers alone goes to the table for every row (/tieuchi's answers: 20,000 pages read
    instead of 232). (SQLite has nothing to refresh: its planner has no row counts unless asked.)"""
    if not url.startswith("postgresql"):
        return
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            tables = (await connection.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"))).scalars().all()
            for table in tables:
                await connection.execute(text(f'VACUUM ANALYZE "{table}"'))
    finally:
        await engine.dispose()
