"""Where a campaign stands in time, and which one is meant when nobody names one.

A campaign is upcoming before it opens, open until its closing day has ended, and history
after that: a closed campaign is never chased, planned or defaulted to while another one is
open or coming. Every reminder, supervisor command and export asks here, so the rule is one.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot.base.deadline import deadline_of
from bot.base.records import CampaignRecord

__all__ = ["Phase", "default_campaign", "phase_of", "worth_sending_until"]


class Phase(StrEnum):
    UPCOMING = "upcoming"
    OPEN = "open"
    CLOSED = "closed"


def phase_of(campaign: CampaignRecord, today: date) -> Phase:
    if campaign.closed(today):
        return Phase.CLOSED
    return Phase.UPCOMING if today < campaign.opens else Phase.OPEN


def worth_sending_until(campaign: CampaignRecord, expires_at: datetime, zone: ZoneInfo) -> datetime:
    """A message about the campaign that is still waiting when its closing day ends is never
    sent: its own expiry or that moment, whichever comes first."""
    if campaign.closes is None:
        return expires_at
    return min(expires_at, deadline_of(campaign.closes, zone))


def default_campaign(campaigns: Sequence[CampaignRecord], today: date) -> CampaignRecord | None:
    """The campaign a supervisor means without naming one: the open one whose deadline is
    nearest today (past or future; on a tie the later); else the one opening next; else the
    one closed most recently. A campaign closed years ago never wins over a live one."""
    by_phase: dict[Phase, list[CampaignRecord]] = {}
    for campaign in campaigns:
        by_phase.setdefault(phase_of(campaign, today), []).append(campaign)
    if live := by_phase.get(Phase.OPEN):
        return min(live, key=lambda c: (abs((_deadline(c) - today).days), -_deadline(c).toordinal()))
    if coming := by_phase.get(Phase.UPCOMING):
        return min(coming, key=lambda c: c.opens)
    if past := by_phase.get(Phase.CLOSED):
        return max(past, key=lambda c: c.closes or c.opens)
    return None


def _deadline(campaign: CampaignRecord) -> date:
    """Its report deadline or, without one, the day it opened."""
    return campaign.report_due or campaign.opens
