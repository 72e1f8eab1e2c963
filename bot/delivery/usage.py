"""What the platforms let a province send, and how much of it this month has used.

A platform's plan may cap the messages a month (a free bot plan, an official account's package,
a budget for paid messages to phones) and the users a bot serves; another caps neither. Every
worker counts what its channels send (handlers/usage.py) into one row per channel and month; this module says what those counts
mean: the month they fall in, the thresholds the administrators are told of, the projection
to the month's end, and the lines /guitin and `baocao usage` show.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.base.i18n import N_, Formatter

__all__ = [
    "ALERT_THRESHOLDS",
    "QUOTA_ALERT",
    "ChannelUsage",
    "Quota",
    "crossed_threshold",
    "month_label",
    "month_of",
    "projected",
    "usage_line",
    "usage_of",
]

ALERT_THRESHOLDS = (80, 100)
"""Percent of a monthly quota at which the administrators are told, once each a month."""

QUOTA_ALERT = N_(
    "{channel} has sent {sent} of the {quota} messages its plan allows in {month} ({percent}%). "
    "Once it is used up, reminders wait until the next month; replies to officers still go out. "
    "Raise the plan, or ask officers to link another messenger (/lienket)."
)


@dataclass(frozen=True)
class Quota:
    """A platform's limits for one channel, as its settings give them; None: no limit."""

    monthly: int | None = None
    """Messages a calendar month."""
    max_users: int | None = None
    """People the bot may serve."""


def month_of(instant: datetime, zone: ZoneInfo) -> str:
    """The calendar month an instant is counted in, local time: "2023-11"."""
    return instant.astimezone(zone).strftime("%Y-%m")


def month_label(month: str) -> str:
    """A counted month as Vietnamese users write it: "2023-11" → "11/2023"."""
    year, number = month.split("-")
    return f"{number}/{year}"


def projected(sent: int, now: datetime, zone: ZoneInfo) -> int:
    """This month's count at the month's end, if it goes on as it went: linear on the days
    elapsed, today counted as one of them."""
    local = now.astimezone(zone)
    days = calendar.monthrange(local.year, local.month)[1]
    return round(sent * days / local.day)


def crossed_threshold(sent: int, quota: Quota, alerted_percent: int) -> int | None:
    """The highest alert threshold `sent` has reached that the administrators were not yet told
    of this month; None when there is nothing new to tell."""
    if not quota.monthly:
        return None
    reached = [threshold for threshold in ALERT_THRESHOLDS if sent * 100 >= threshold * quota.monthly]
    return reached[-1] if reached and reached[-1] > alerted_percent else None


@dataclass(frozen=True)
class ChannelUsage:
    """One channel's month: what it sent, where that leads, and how many people it serves."""

    channel: str
    label: str
    month: str
    sent: int
    projected: int
    linked: int
    quota: Quota


def usage_of(
    sent: Mapping[str, int],
    linked: Mapping[str, int],
    quotas: Mapping[str, Quota],
    label: Callable[[str], str],
    now: datetime,
    zone: ZoneInfo,
) -> list[ChannelUsage]:
    """Every channel that runs here or sent something this month, by label."""
    month = month_of(now, zone)
    channels = sorted({*quotas, *sent}, key=label)
    return [
        ChannelUsage(channel, label(channel), month, sent.get(channel, 0), projected(sent.get(channel, 0), now, zone),
                     linked.get(channel, 0), quotas.get(channel, Quota()))
        for channel in channels
    ]  # fmt: skip


def usage_line(usage: ChannelUsage, gettext: Callable[[str], str], fmt: Formatter) -> str:
    """"<label>: 2.400/3.000 messages in 12/2026 (80%) · by the month's end: 3.100 · linked users: 45/50"."""
    _ = gettext
    number = fmt.number
    month = month_label(usage.month)
    quota = usage.quota
    if quota.monthly:
        sent = _("{sent}/{quota} messages in {month} ({percent}%)").format(
            sent=number(usage.sent), quota=number(quota.monthly), month=month, percent=usage.sent * 100 // quota.monthly
        )
    else:
        sent = _("{sent} messages in {month} (no monthly quota)").format(sent=number(usage.sent), month=month)
    linked = number(usage.linked) + (f"/{number(quota.max_users)}" if quota.max_users else "")
    return " · ".join([
        f"{usage.label}: {sent}",
        _("by the month's end: {n}").format(n=number(usage.projected)),
        _("linked users: {n}").format(n=linked),
    ])  # fmt: skip
