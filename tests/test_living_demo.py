"""The demo works on any day: `baocao seed demo` run on the real date, with no clock set, loads a
rehearsal campaign dated around that day; the README's demo commands land on it; Nghi Hải's
officer is offered the unit's filed 2023 answers to keep; seeding again changes nothing. On a
clock inside 2023 the demo is the 2023 review itself, as every test that lives there expects."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, text

from bot.base.records import CampaignRecord
from bot.base.report_status import ReportStatus
from bot.catalog.living_demo import FILED_UNITS, HISTORY_CAMPAIGN, REHEARSAL_CODE, rehearsal
from bot.catalog.loading import load_catalog
from harness.postgres_schemas import create_schema, drop_schema
from storage.database import create_engine
from storage.models import Unit
from storage.schema import METADATA
from storage.unit_of_work import UnitOfWorkFactory
from tests.cli_harness import DEMO_DAY, ENV_PREFIXES, Cli, Result
from tests.conftest import BACKENDS, POSTGRES_URL

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
README = Path(__file__).resolve().parent.parent / "README.md"
DEMO_SECTIONS = ("Supervisors", "On Zalo", "Try it on Telegram")
"""The README's sections whose `.venv/bin/baocao …` commands a newcomer runs on the demo."""
REHEARSAL_TITLE = "Diễn tập: sơ kết công tác xây dựng đơn vị điển hình, kiểu mẫu"
KEEP_OFFER = "Giữ nguyên câu trả lời này cho kỳ này, hay sửa?"
CATALOG = load_catalog()


def today() -> date:
    return datetime.now(ZONE).date()


@pytest.fixture(params=BACKENDS)
def real_day(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Iterator[Cli]:
    """`baocao` as a newcomer runs it: no BAOCAO_NOW, the database (SQLite, or a PostgreSQL
    schema of its own) migrated."""
    cli = Cli(tmp_path, monkeypatch, capsys, now=None)
    schema = None
    if request.param == "postgresql":
        if not POSTGRES_URL:
            pytest.skip("BAOCAO_TEST_POSTGRES_URL is not set")
        schema, cli.url = asyncio.run(create_schema(POSTGRES_URL))
    try:
        assert cli("db", "upgrade").code == 0
        yield cli
    finally:
        if schema is not None and POSTGRES_URL:
            asyncio.run(drop_schema(POSTGRES_URL, schema))


def readme_demo_commands() -> list[list[str]]:
    """Every `.venv/bin/baocao …` command of the demo sections, in the README's order, once each
    (a `&&` chain split, a trailing comment dropped)."""
    sections = re.split(r"^## ", README.read_text(encoding="utf-8"), flags=re.MULTILINE)
    commands: list[list[str]] = []
    for section in sections:
        if section.split("\n", 1)[0].strip() in DEMO_SECTIONS:
            for found in re.findall(r"\.venv/bin/baocao ([^`#&\n]+)", section):
                if (words := found.split()) not in commands:
                    commands.append(words)
    return commands


def program(cli: Cli, *words: str, stdin: str = "") -> Result:
    """The installed program itself, as a newcomer types the command, with the settings of `cli`
    (the console writes to the `sys.stdout` of its start, so it runs in a process of its own)."""
    env = {name: value for name, value in os.environ.items() if not name.startswith(ENV_PREFIXES)}
    env["BAOCAO_DATABASE_URL"] = cli.url
    done = subprocess.run(
        [sys.executable, "-m", "app.cli", *words], env=env, cwd=cli.workdir, input=stdin, capture_output=True, text=True, timeout=120
    )
    return Result(done.returncode, done.stdout, done.stderr)


async def campaigns_and_history(url: str) -> tuple[dict[str, CampaignRecord], dict[str, tuple[str, int]]]:
    """The campaigns loaded, and each filed unit's 2023 report: its status and answer count."""
    engine = create_engine(url)
    try:
        async with UnitOfWorkFactory(engine)() as uow:
            campaigns = {campaign.code: campaign for campaign in await uow.units.campaigns()}
            filed = {}
            for code in FILED_UNITS:
                unit_id = await uow.session.scalar(select(Unit.id).where(Unit.code == code))
                report = await uow.reports.of_unit(HISTORY_CAMPAIGN, unit_id)
                if report is not None:
                    filed[code] = (report.status.value, len(await uow.reports.answers(report.id)))
            return campaigns, filed
    finally:
        await engine.dispose()


async def every_row(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every table's rows, sorted: what "changes nothing" is measured against."""
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            return {
                table: sorted((await connection.execute(text(f'SELECT * FROM "{table}"'))).all(), key=repr)
                for table in METADATA.tables
            }
    finally:
        await engine.dispose()


def test_seeded_on_the_real_date_the_demo_is_a_rehearsal_due_in_five_days_over_2023_history(real_day: Cli) -> None:
    seeded = real_day("seed", "demo")
    day = today()
    assert seeded.code == 0 and f"Đợt diễn tập {REHEARSAL_CODE}: mở từ {day - timedelta(days=20):%d/%m/%Y}" in seeded.out
    campaigns, filed = asyncio.run(campaigns_and_history(real_day.url))
    rehearsal_campaign = campaigns[REHEARSAL_CODE]
    assert (rehearsal_campaign.opens, rehearsal_campaign.report_due, rehearsal_campaign.closes) == (
        day - timedelta(days=20), day + timedelta(days=5), day + timedelta(days=20)
    )
    assert not rehearsal_campaign.closed(day) and rehearsal_campaign.title.vi == REHEARSAL_TITLE
    assert campaigns["so-ket-2023"].closed(day) and campaigns["so-ket-2023-2024"].closed(day)
    forms = {code: CATALOG.forms["cap-22" if code.startswith("CAP-") else "xa-34"] for code in FILED_UNITS}
    assert filed == {code: (ReportStatus.SUBMITTED.value, len(form)) for code, form in forms.items()}  # every question answered


@pytest.mark.parametrize("real_day", ["sqlite"], indirect=True)  # the database `make run` makes
def test_the_readme_demo_commands_land_on_the_rehearsal_on_the_day_they_run(real_day: Cli) -> None:
    """Each command as typed; a console with nothing typed shows its first screen and ends."""
    commands = readme_demo_commands()
    verbs = {" ".join(words[:2]) for words in commands}
    assert {"seed demo", "console --as", "export docx", "invite --unit"} <= verbs, commands
    for words in commands:
        result = program(real_day, *words) if words[0] == "console" else real_day(*words)
        assert result.code == 0, (words, result.err)
        if words[0] in ("console", "export"):
            assert REHEARSAL_TITLE in result.out, (words, result.out)
    assert (real_day.workdir / "cua-lo.docx").stat().st_size > 0


def test_nghi_hai_s_officer_is_offered_the_2023_answers_in_the_rehearsal(real_day: Cli) -> None:
    assert real_day("seed", "demo").code == 0
    typed = f"1\n{today():%d/%m/%Y}\ngiu nguyen\n"  # question 1's first choice, the day of the review, then keep
    session = program(real_day, "console", "--as", "CAP-CL-NGHIHAI", "--zalo", stdin=typed)
    assert session.code == 0, session.err
    assert f"Báo cáo của Công an phường Nghi Hải — {REHEARSAL_TITLE}" in session.out
    assert "(còn 5 ngày)" in session.out
    offer = session.out[session.out.index("📋 Câu 3/38") :]
    assert "Kỳ trước (Sơ kết công tác xây dựng đơn vị điển hình, kiểu mẫu năm 2023), đơn vị đã trả lời:" in offer
    assert KEEP_OFFER in offer and "1. Giữ nguyên" in offer
    assert "✓ Giữ nguyên như kỳ trước — Câu 3" in offer and "📋 Câu 4/38" in offer


def test_seeding_twice_the_same_day_changes_nothing(real_day: Cli) -> None:
    assert real_day("seed", "demo").code == 0
    before = asyncio.run(every_row(real_day.url))
    assert real_day("seed", "demo").code == 0
    assert asyncio.run(every_row(real_day.url)) == before


def test_seeded_on_a_later_day_the_rehearsal_moves_and_the_history_stays(real_day: Cli) -> None:
    assert real_day("seed", "demo", BAOCAO_NOW="2026-12-07T09:00:00+07:00").code == 0
    _, filed = asyncio.run(campaigns_and_history(real_day.url))
    assert real_day("seed", "demo", BAOCAO_NOW="2027-03-01T09:00:00+07:00").code == 0
    campaigns, filed_again = asyncio.run(campaigns_and_history(real_day.url))
    assert (campaigns[REHEARSAL_CODE].opens, campaigns[REHEARSAL_CODE].report_due) == (date(2027, 2, 9), date(2027, 3, 6))
    assert filed_again == filed and len(filed) == len(FILED_UNITS)


def test_on_a_clock_inside_2023_the_demo_is_the_2023_review_with_nothing_filed(real_day: Cli) -> None:
    seeded = real_day("seed", "demo", BAOCAO_NOW=DEMO_DAY)
    assert "Không nạp đợt diễn tập: vào ngày 20/11/2023" in seeded.out
    campaigns, filed = asyncio.run(campaigns_and_history(real_day.url))
    assert sorted(campaigns) == ["so-ket-2023", "so-ket-2023-2024"] and filed == {}


def test_the_rehearsal_opens_only_once_every_packaged_campaign_has_closed() -> None:
    """The 2023–2024 review closes on 15/08/2024: a rehearsal opened 20 days before the seeding
    day first fits on 05/09/2024, and keeps the 2023 review's distances to its deadline."""
    assert rehearsal(CATALOG.campaigns, date(2024, 9, 4)) is None
    spec = rehearsal(CATALOG.campaigns, date(2024, 9, 5))
    assert spec is not None and spec.code == REHEARSAL_CODE
    assert spec.opens == date(2024, 8, 16) and spec.closes == date(2024, 9, 25)
    assert [(m.kind, m.due) for m in spec.milestones] == [
        ("report_due", date(2024, 9, 10)), ("appraisal_due", date(2024, 9, 20)), ("conference", date(2024, 9, 25))
    ]  # fmt: skip
    assert all("2023" not in m.title.vi for m in spec.milestones)
    assert spec.enrol == CATALOG.campaigns[HISTORY_CAMPAIGN].enrol
