"""When reminders fall due: a campaign's reminder plan turned into dated slots.

Pure: the scheduler arms these slots, the database decides who gets each one and whether it
was already sent. Nothing is ever sent between 21:00 and 07:00 local time; a slot that falls
there waits for 07:00.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot.base.deadline import REPORT_DUE, ReminderPlan, deadline_of
from bot.delivery.lifetimes import OVERDUE_LIFETIME

__all__ = [
    "ReminderSlot",
    "SlotKind",
    "outside_quiet_hours",
    "plan_slots",
    "sending_times",
    "still_worth_sending",
]

QUIET_FROM = time(21, 0)
QUIET_UNTIL = time(7, 0)


class SlotKind(StrEnum):
    BEFORE = "before"
    OVERDUE = "overdue"


@dataclass(frozen=True)
class ReminderSlot:
    """One reminder of one campaign; `key` names it forever (job id and outbox key). Its
    `series` is the deadline it belongs to: the campaign's, or a date some units were given."""

    key: str
    series: str
    campaign_code: str
    kind: SlotKind
    due: date
    deadline: datetime
    fire_at: datetime
    days_before: int = 0

    @property
    def expires_at(self) -> datetime:
        """Until when its messages are worth sending: its deadline; an overdue notice's, a week
        after it falls due (bot/delivery/lifetimes.py)."""
        return self.fire_at + OVERDUE_LIFETIME if self.kind is SlotKind.OVERDUE else self.deadline


def outside_quiet_hours(instant: datetime, zone: ZoneInfo) -> datetime:
    """The instant itself, or 07:00 local when it falls between 21:00 and 07:00."""
    local = instant.astimezone(zone)
    if local.time() >= QUIET_FROM:
        return datetime.combine(local.date() + timedelta(days=1), QUIET_UNTIL, zone)
    if local.time() < QUIET_UNTIL:
        return datetime.combine(local.date(), QUIET_UNTIL, zone)
    return instant


def plan_slots(
    campaign_code: str, due: date, settings: ReminderPlan, zone: ZoneInfo, extended: bool = False
) -> list[ReminderSlot]:
    """Every reminder of a campaign's report deadline, in time order; `extended`: of a date to
    which units' deadlines were extended, a series of its own ("so-ket-2023/report_due@2023-12-05")."""
    deadline = deadline_of(due, zone)
    series = f"{campaign_code}/{REPORT_DUE}" + (f"@{due.isoformat()}" if extended else "")
    slots = [
        ReminderSlot(
            key=f"{series}/-{days}d",
            series=series,
            campaign_code=campaign_code,
            kind=SlotKind.BEFORE,
            due=due,
            deadline=deadline,
            fire_at=outside_quiet_hours(datetime.combine(due - timedelta(days=days), settings.at, zone), zone),
            days_before=days,
        )
        for days in sorted(set(settings.days_before), reverse=True)
    ]
    if settings.overdue_notice:
        slots.append(
            ReminderSlot(
                key=f"{series}/overdue",
                series=series,
                campaign_code=campaign_code,
                kind=SlotKind.OVERDUE,
                due=due,
                deadline=deadline,
                fire_at=outside_quiet_hours(datetime.combine(due + timedelta(days=1), settings.at, zone), zone),
            )
        )
    return sorted(slots, key=lambda slot: slot.fire_at)


def still_worth_sending(slot: ReminderSlot, now: datetime) -> bool:
    """After downtime a missed reminder still goes out while its deadline is ahead; an overdue
    notice stays useful for a week."""
    return now < slot.expires_at


def sending_times(slots: list[ReminderSlot], now: datetime, zone: ZoneInfo) -> dict[str, datetime | None]:
    """When each not-yet-fired slot goes out; None for a slot that is superseded.

    A future slot goes at its time. Of the slots that fell due while the bot was down, only
    the newest of each series is sent, at once (or at 07:00 if it is night), and not even
    that one when the series' next reminder falls on the same day: one reminder a morning
    is enough, and three stale ones at once would say nothing more.
    """
    times: dict[str, datetime | None] = {}
    newest_missed: dict[str, ReminderSlot] = {}
    next_due: dict[str, ReminderSlot] = {}
    for slot in slots:
        if slot.fire_at > now:
            times[slot.key] = slot.fire_at
            if slot.series not in next_due or slot.fire_at < next_due[slot.series].fire_at:
                next_due[slot.series] = slot
        else:
            times[slot.key] = None
            if slot.series not in newest_missed or slot.fire_at > newest_missed[slot.series].fire_at:
                newest_missed[slot.series] = slot
    for code, slot in newest_missed.items():
        when = outside_quiet_hours(now, zone)
        upcoming = next_due.get(code)
        if upcoming is None or upcoming.fire_at.astimezone(zone).date() != when.astimezone(zone).date():
            times[slot.key] = when
    return times
