"""What an officer is told when the report they ask for is not open: that its campaign has
closed, and when, and what is open or opening instead, rather than a bare "nothing to file"."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from bot.base.ports import Queries
from bot.base.records import CampaignRecord
from bot.catalog.campaign_time import Phase, default_campaign, phase_of
from bot.reporting.prompts import Prompts

__all__ = ["closed_campaign_of", "nothing_open"]


async def closed_campaign_of(reads: Queries, campaigns: Sequence[CampaignRecord], report_id: int, today: date) -> CampaignRecord | None:
    """The campaign of the report, among these, if it has closed by today."""
    report = await reads.reports.get(report_id)
    if report is None:
        return None
    campaign = next((c for c in campaigns if c.code == report.campaign_code), None)
    return campaign if campaign is not None and campaign.closed(today) else None


def nothing_open(campaigns: Sequence[CampaignRecord], today: date, p: Prompts, told_closed: CampaignRecord | None = None) -> str:
    """No report of the officer's is open: of these campaigns, the one opening next, else the one
    closed last (unless the officer was just told it closed)."""
    _ = p._
    campaign = default_campaign(campaigns, today)
    phase = phase_of(campaign, today) if campaign else None
    if campaign is not None and phase is Phase.UPCOMING:
        return _("No campaign is open for your unit at the moment. The next one, “{campaign}”, opens on {day}.").format(
            campaign=campaign.title.get(p.locale), day=p.fmt.date(campaign.opens)
        )
    if campaign is not None and phase is Phase.CLOSED and campaign != told_closed:
        return p.campaign_closed(campaign) + "\n" + _("No other campaign is open for your unit at the moment.")
    if phase is Phase.CLOSED:
        return _("No other campaign is open for your unit at the moment.")
    return _("There is no report to file for your unit at the moment.")
