"""APScheduler arms the reminder plan the database holds; nothing more.

The scheduler decides when; the database decides who and whether it was already sent. Jobs
have explicit ids (the slot keys) and an explicit time zone, are re-armed at start and every
minute (so a changed campaign is picked up), and with several workers only the one holding
the leadership lock arms anything.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.base.clock import Clock
from bot.reminders.composing import ReminderService
from bot.reminders.plan import sending_times

__all__ = ["REARM_JOB", "ReminderScheduler"]

log = logging.getLogger(__name__)

REARM_JOB = "rearm-reminders"


class ReminderScheduler:
    def __init__(
        self,
        reminders: ReminderService,
        clock: Clock,
        zone: ZoneInfo,
        fired: Callable[[], None] = lambda: None,
        rearm_seconds: float = 60,
    ) -> None:
        self.reminders = reminders
        self.clock = clock
        self.zone = zone
        self.fired = fired
        self.rearm_seconds = rearm_seconds
        self.scheduler = AsyncIOScheduler(
            timezone=zone,
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
        )

    async def start(self) -> None:
        self.scheduler.start()
        await self.arm()
        self.scheduler.add_job(
            self.arm, IntervalTrigger(seconds=self.rearm_seconds, timezone=self.zone), id=REARM_JOB, replace_existing=True
        )

    def stop(self) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)

    def real_time(self, instant: datetime) -> datetime:
        """The wall-clock moment at which the bot's clock (maybe BAOCAO_NOW) reaches `instant`."""
        return datetime.now(timezone.utc) + (instant - self.clock.now())

    async def arm(self) -> None:
        now = self.clock.now()
        planned = await self.reminders.slots(now)
        unfired = [slot for _campaign, slot in planned if not await self.reminders.was_fired(slot.key)]
        wanted: set[str] = set()
        for key, when in sending_times(unfired, now, self.zone).items():
            if when is None:
                await self.reminders.skip(key, now, "superseded")
                continue
            wanted.add(key)
            self.scheduler.add_job(
                self.fire, DateTrigger(run_date=self.real_time(when), timezone=self.zone),
                id=key, args=[key], replace_existing=True,
            )
        for job in self.scheduler.get_jobs():
            if job.id != REARM_JOB and job.id not in wanted:
                job.remove()
        log.debug("reminders armed: %s", sorted(wanted))

    async def fire(self, slot_key: str) -> None:
        try:
            new = await self.reminders.fire(slot_key, self.clock.now())
        except Exception:
            log.exception("reminder %s could not be queued; it is tried again at the next re-arm", slot_key)
            return
        if new:
            self.fired()
