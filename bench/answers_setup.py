"""The databases of the answer path benchmark (bench/answers.py): the demo province made once by
the real commands (a SQLite template the runs copy, or a fresh PostgreSQL schema each run),
more ward police units where a run needs more officers than the demo has units, the officers
linked straight in the database, and the reminder the demo's date has missed recorded as
superseded, so that no reminder goes out while the answers are measured."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.catalog.loading import load_catalog
from bot.catalog.model import UnitSpec
from bot.reminders.composing import ReminderService
from harness.bot_process import DEMO_NOW, DirectLink, link_directly
from harness.postgres_schemas import fresh_schema
from storage.database import create_engine
from storage.models import Campaign, Enrolment, Unit
from storage.seed import load_campaign, load_units
from storage.unit_of_work import UnitOfWorkFactory

ROOT = Path(__file__).resolve().parent.parent
CAMPAIGN = "so-ket-2023"
"""The campaign open on the demo's date: every officer answers its report."""
OFFICER_KINDS = ("cap", "xa")
"""Ward police units and communes: the units whose officers report."""
ADDED_PARENT = "NA-VINH"
ADDED_PREFIX = "CAP-BENCH-"
FIRST_USER_ID = 10_000_000
CATALOG = load_catalog()
ZONE = ZoneInfo("Asia/Ho_Chi_Minh")


@dataclass(frozen=True)
class Officer:
    """A person linked to one unit, in the private chat of fake user `user_id`."""

    user_id: int
    unit: str
    form: str


def cli(database_url: str, *args: str) -> None:
    """Runs a one-shot `baocao` command against the database, as an operator would, on the
    benchmark's day (seeded on any other, the demo would be a rehearsal with 2023 filed)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BAOCAO_", "TELEGRAM_", "ZALO_"))}
    env.update(BAOCAO_DATABASE_URL=database_url, BAOCAO_NOW=DEMO_NOW, PYTHONPATH=str(ROOT))
    subprocess.run([sys.executable, "-m", "app.cli", *args], env=env, cwd=ROOT, check=True, capture_output=True)


def make_template(path: Path) -> Path:
    """The demo province in a SQLite file, made by `baocao db upgrade` and `baocao seed demo`."""
    url = f"sqlite+aiosqlite:///{path}"
    cli(url, "db", "upgrade")
    cli(url, "seed", "demo")
    return path


@contextlib.asynccontextmanager
async def demo_database(template: Path, postgres: str | None, workdir: Path) -> AsyncIterator[str]:
    """A database holding the demo province for one run: a copy of the SQLite template, or, with
    `postgres`, a new schema (named in the URL's search_path, dropped afterwards) migrated and
    seeded by the real commands."""
    if postgres is None:
        path = workdir / "baocao.db"
        shutil.copyfile(template, path)
        yield f"sqlite+aiosqlite:///{path}"
        return
    async with fresh_schema(postgres, prefix="bench") as url:
        cli(url, "db", "upgrade")
        cli(url, "seed", "demo")
        yield url


async def officers(database_url: str, count: int) -> list[Officer]:
    """`count` officers, each linked to a unit of their own that reports on the open campaign:
    the demo's ward police and communes first, then ward police units added for the run (kind
    `cap`, enrolled by the campaign's own rules, so on the 22-criteria form)."""
    engine = create_engine(database_url)
    factory = UnitOfWorkFactory(engine)
    try:
        units = await _reporting_units(factory)
        if len(units) < count:
            added = [
                UnitSpec(f"{ADDED_PREFIX}{n:05d}", f"Công an phường thử tải {n:05d}", "cap", ADDED_PARENT, True)
                for n in range(1, count - len(units) + 1)
            ]
            async with factory() as uow:
                await load_units(uow, added)
                for spec in CATALOG.campaigns.values():
                    await load_campaign(uow, spec)
            units = await _reporting_units(factory)
        await _skip_missed_reminders(factory)
    finally:
        await engine.dispose()
    chosen = [Officer(FIRST_USER_ID + n, code, form) for n, (code, form) in enumerate(units[:count])]
    at = datetime.fromisoformat(DEMO_NOW)
    await link_directly(database_url, [DirectLink(o.user_id, f"Cán bộ {o.user_id}", (o.unit,)) for o in chosen], at)
    return chosen


async def _reporting_units(factory: UnitOfWorkFactory) -> list[tuple[str, str]]:
    """(unit code, form) of every officer's unit enrolled on the open campaign, demo units first."""
    async with factory() as uow:
        rows = await uow.session.execute(
            select(Unit.code, Enrolment.form_id)
            .join(Enrolment, Enrolment.unit_id == Unit.id)
            .join(Campaign, Campaign.id == Enrolment.campaign_id)
            .where(Campaign.code == CAMPAIGN, Unit.kind.in_(OFFICER_KINDS))
            .order_by(Unit.code.startswith(ADDED_PREFIX), Unit.kind, Unit.code)
        )
        return [(code, form) for code, form in rows]


async def _skip_missed_reminders(factory: UnitOfWorkFactory) -> None:
    """On the demo's date the 7-day reminder (18/11, 08:00) is past, so a starting bot would send
    it to every linked officer at once; recorded as superseded here, as the scheduler records
    the older ones, it is not sent, and the runs measure answers only."""
    now = datetime.fromisoformat(DEMO_NOW)
    reminders = ReminderService(factory, CATALOG.form, ZONE)
    for _campaign, slot in await reminders.slots(now):
        if slot.fire_at <= now + timedelta(hours=1):
            await reminders.skip(slot.key, now, "superseded")
