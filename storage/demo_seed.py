"""The demo province as `baocao seed demo` loads it: the catalogs' units and campaigns, and, on a
day past them, the rehearsal campaign and the 2023 reports a few units filed (bot/catalog/living_demo.py).

The reports are filed through the same repositories the service uses (a draft opened, its
answers saved, the submission the core decides, its audit entry), so the demo's history reads
like any other. A unit whose 2023 report was ever opened is left as it is: seeding again changes
nothing, and never overwrites what someone did in the demo.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.base.records import AuditEntry
from bot.base.report_status import submission
from bot.catalog.living_demo import HISTORY_CAMPAIGN, Filing, history, rehearsal
from bot.catalog.loading import load_demo_units
from bot.catalog.model import CampaignSpec, Catalog
from storage.models import Campaign, Enrolment, Unit
from storage.seed import load_campaign, load_units
from storage.unit_of_work import SqlUnitOfWork

__all__ = ["file_reports", "load_demo"]


async def load_demo(uow: SqlUnitOfWork, catalog: Catalog, today: date, zone: ZoneInfo) -> CampaignSpec | None:
    """Loads the demo as it should stand on `today`, in the caller's transaction; returns the
    rehearsal campaign loaded, None on a day inside the catalog's years."""
    await load_units(uow, load_demo_units())
    for campaign in catalog.campaigns.values():
        await load_campaign(uow, campaign)
    replayed = rehearsal(catalog.campaigns, today)
    if replayed is None:
        return None
    await load_campaign(uow, replayed)
    await file_reports(uow, HISTORY_CAMPAIGN, history(catalog.forms, await _enrolled_forms(uow, HISTORY_CAMPAIGN), zone))
    return replayed


async def file_reports(uow: SqlUnitOfWork, campaign_code: str, filings: Sequence[Filing]) -> int:
    """Hands in each unit's report in the campaign with its answers, unless the unit's report
    was ever opened; returns how many were filed."""
    filed = 0
    for filing in filings:
        unit_id = await uow.session.scalar(select(Unit.id).where(Unit.code == filing.unit_code))
        if unit_id is None or await uow.reports.of_unit(campaign_code, unit_id) is not None:
            continue
        report = await uow.reports.open_unit(campaign_code, unit_id, filing.at)
        if report is None:
            continue
        await uow.reports.save_answers(report.id, filing.answers, None, filing.at)
        move = submission(report.id, report.status, report.submissions, None, filing.at)
        assert move.receipt is not None  # a draft's submission always gets a receipt
        await uow.reports.move(report.id, move, filing.at)
        await uow.audit.record(AuditEntry(filing.at, "submitted", report_id=report.id, details={"receipt": move.receipt.number}))
        filed += 1
    return filed


async def _enrolled_forms(uow: SqlUnitOfWork, campaign_code: str) -> dict[str, str]:
    """Unit code → the form it reports on in the campaign."""
    rows = await uow.session.execute(
        select(Unit.code, Enrolment.form_id)
        .join(Enrolment, Enrolment.unit_id == Unit.id)
        .join(Campaign, Campaign.id == Enrolment.campaign_id)
        .where(Campaign.code == campaign_code)
    )
    return dict(rows.all())
