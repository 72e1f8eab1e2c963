"""A generated province for the benchmarks that read a whole campaign (exports.py, status.py): a
province, a district per 100 communes, the communes on the 34-criteria form, each report filled
as `Filling` says, written with Core inserts (the point is what reads them, not filling)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from province_data import answers_for
from sqlalchemy import insert, select

from bot.base.report_status import ReportStatus
from bot.catalog.loading import load_catalog
from bot.catalog.model import CampaignSpec, EnrolRule, UnitSpec
from storage.database import create_engine
from storage.migrate import upgrade
from storage.models import Answer, Campaign, Enrolment, Report
from storage.seed import load_campaign, load_units
from storage.unit_of_work import UnitOfWorkFactory

__all__ = ["CAMPAIGN", "CATALOG", "FORM", "NOW", "ZONE", "Filling", "all_handed_in", "filled_database", "province"]

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2023, 11, 20, 9, 0, tzinfo=ZONE)
CATALOG = load_catalog()
FORM = CATALOG.form("xa-34")
CAMPAIGN = "bench-2023"

Filling = Callable[[int], tuple[ReportStatus | None, int]]
"""The n-th report's status (None: never opened) and how many of its questions are answered."""


def all_handed_in(number: int) -> tuple[ReportStatus | None, int]:
    """Every report answered in full and handed in."""
    return ReportStatus.SUBMITTED, len(FORM)


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


async def filled_database(url: str, units: int, filling: Filling = all_handed_in) -> None:
    """Migrates the database at `url` and writes the province, its campaign, and the reports."""
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
                select(Enrolment.id, Enrolment.form_id)
                .join(Campaign, Campaign.id == Enrolment.campaign_id)
                .where(Campaign.code == CAMPAIGN)
                .order_by(Enrolment.id)
            )
        ).all()
        filled = [(row, *filling(number)) for number, row in enumerate(enrolments)]
        reports = [report_row(row.id, status) for row, status, _answered in filled if status is not None]
        if reports:
            await session.execute(insert(Report), reports)
        report_of = dict((await session.execute(select(Report.enrolment_id, Report.id))).all())
        rows = [
            {"report_id": report_of[row.id], "question_id": question_id, "version": 1, "value": value, "author_id": None, "created_at": NOW}
            for number, (row, status, answered) in enumerate(filled)
            if status is not None and row.form_id == "xa-34"
            for question_id, value in list(answers_for(FORM, number).items())[:answered]
        ]
        for start in range(0, len(rows), 5000):
            await session.execute(insert(Answer), rows[start : start + 5000])
    await database.dispose()


def report_row(enrolment_id: int, status: ReportStatus) -> dict[str, Any]:
    """A report at `status`; handed in once unless still a draft."""
    submitted = status is not ReportStatus.DRAFT
    return {
        "enrolment_id": enrolment_id, "status": status.value, "submission_count": int(submitted),
        "submitted_at": NOW if submitted else None, "receipt_no": f"BC-{enrolment_id:06d}-1" if submitted else None,
        "reopened": [], "created_at": NOW, "updated_at": NOW,
    }  # fmt: skip
