"""Invites in bulk, for the sheet a district prints or forwards: who gets a fresh code and how long
it lives. One rule for the command line (`baocao invites issue`) and the supervisor's
“/moi tất cả”."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.base.deadline import deadline_of
from bot.base.ports import Queries
from bot.base.records import CampaignRecord, Role, UnitRecord

__all__ = ["BulkPlan", "Wanted", "bulk_expiry", "plan_bulk"]


@dataclass(frozen=True)
class Wanted:
    """One invite to issue: for a named person, or for a unit nobody reports for yet."""

    unit: UnitRecord
    full_name: str = ""
    phone: str = ""


@dataclass(frozen=True)
class BulkPlan:
    withdraw: tuple[str, ...]
    """The codes issued before in the scope for the role: withdrawn, so only the newest sheet works."""
    wanted: tuple[Wanted, ...]

    @property
    def named(self) -> int:
        return sum(1 for wanted in self.wanted if wanted.full_name)


async def plan_bulk(
    reads: Queries, campaigns: Sequence[CampaignRecord], units: Mapping[int, UnitRecord], role: Role, now: datetime, zone: ZoneInfo
) -> BulkPlan:
    """A fresh code for every named person in these units and, for officers, for every unit
    enrolled in one of the campaigns not yet closed that has neither a named person nor a linked
    officer."""
    ids = list(units)
    pending = [invite for invite in await reads.invites.pending(ids, now) if invite.role is role]
    wanted = [Wanted(units[invite.unit_id], invite.full_name, invite.phone) for invite in pending if invite.full_name]
    if role is Role.REPORTER:
        covered = {wanted_one.unit.id for wanted_one in wanted}
        covered |= {person.unit_id for person in await reads.people.linked(ids) if person.role is role}
        today = now.astimezone(zone).date()
        running = [campaign for campaign in campaigns if not campaign.closed(today)]
        reporting = {row.unit_id for campaign in running for row in await reads.reports.enrolments(campaign.code, ids)}
        wanted += [Wanted(unit) for unit in units.values() if unit.id in reporting - covered]
    return BulkPlan(tuple(invite.code for invite in pending), tuple(wanted))


def bulk_expiry(campaigns: Sequence[CampaignRecord], now: datetime, zone: ZoneInfo, invite_days: int) -> datetime:
    """Bulk invites live until the last open campaign closes (the end of that day), or for the
    usual invite days where no campaign has a closing date."""
    today = now.astimezone(zone).date()
    closing = [c.closes for c in campaigns if c.closes is not None and not c.closed(today)]
    return deadline_of(max(closing), zone) if closing else now + timedelta(days=invite_days)
