"""A report's deadline: the milestone whose date it is, the moment it passes (the end of that day,
local time), and the reminders a campaign plans before it. Campaigns, records and every feature
read it; bot/reminders/plan.py turns the plan into dated slots."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

__all__ = ["DEADLINE_TIME", "REPORT_DUE", "ReminderPlan", "deadline_of", "unit_due"]

DEADLINE_TIME = time(23, 59, 59)
REPORT_DUE = "report_due"
"""The milestone whose date is a report's deadline."""


@dataclass(frozen=True)
class ReminderPlan:
    """When to remind units before the report deadline: days before it, at a local time of day,
    and whether an overdue notice follows the day after."""

    days_before: tuple[int, ...] = (7, 3, 1, 0)
    at: time = time(8, 0)
    overdue_notice: bool = True


def deadline_of(due: date, zone: ZoneInfo) -> datetime:
    """A report due "by 25/11/2023" may come in until the end of that day, local time."""
    return datetime.combine(due, DEADLINE_TIME, zone)


def unit_due(extended_to: date | None, campaign_due: date | None) -> date | None:
    """The deadline a unit answers to: its own when a supervisor extended it, else the campaign's."""
    return extended_to or campaign_due
