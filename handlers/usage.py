"""Counting what each channel sends against its platform's monthly quota, in one worker.

Every chat-bound call a channel makes goes through its pacer (a reply noted, an outbox piece
acquired), and the pacer counts it here: in memory, so a reply costs no statement. Every
FLUSH_SECONDS, and when the worker stops, the counts are added to the database in one upsert
(storage/message_usage.py) that reads back every worker's totals; a worker that crashes loses
the counts of its last few seconds, nothing else. Crossing 80 % and 100 % of a quota tells the
administrators once a month each, whichever worker sees it first.

At 100 % reminders wait (`held`), checked again every RECHECK, until the month turns or the
quota is raised; replies to officers, notices and alerts go on.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from bot.base.clock import Clock
from bot.base.outbox import REMINDER_KINDS, OutboxMessage
from bot.delivery.usage import QUOTA_ALERT, Quota, crossed_threshold, month_label, month_of

__all__ = ["FLUSH_SECONDS", "RECHECK", "UsageCounter", "UsageLedger"]

log = logging.getLogger(__name__)

FLUSH_SECONDS = 5.0
RECHECK = timedelta(minutes=15)
"""How long a reminder held by the quota waits before it is looked at again."""


class MonthTotalRow(Protocol):
    @property
    def sent(self) -> int: ...

    @property
    def alerted_percent(self) -> int: ...


class UsageLedger(Protocol):
    """Where the workers' counts meet (storage/message_usage.py)."""

    async def add(self, counts: Mapping[tuple[str, str], int]) -> Mapping[tuple[str, str], MonthTotalRow]: ...

    async def claim_alert(self, channel: str, month: str, percent: int) -> bool: ...


class UsageCounter:
    def __init__(
        self, ledger: UsageLedger, clock: Clock, zone: ZoneInfo, alert: Callable[[str, str, Mapping[str, str]], Awaitable[None]]
    ) -> None:
        self.ledger = ledger
        self.clock = clock
        self.zone = zone
        self.alert = alert  # as handlers.channel.Alert: each topic told once
        self.quotas: dict[str, Quota] = {}
        self.labels: dict[str, str] = {}
        self._unflushed: Counter[tuple[str, str]] = Counter()
        self._totals: dict[tuple[str, str], int] = {}

    def meter(self, channel: str, label: str, quota: Quota) -> Callable[[], None]:
        """Registers a channel and its quota; returns what counts one of its messages."""
        self.quotas[channel] = quota
        self.labels[channel] = label
        return lambda: self.count(channel)

    def count(self, channel: str) -> None:
        self._unflushed[(channel, month_of(self.clock.now(), self.zone))] += 1

    def sent(self, channel: str, now: datetime) -> int:
        """This month's messages as far as this worker knows: every worker's at the last flush,
        and its own since."""
        key = (channel, month_of(now, self.zone))
        return self._totals.get(key, 0) + self._unflushed[key]

    def held(self, message: OutboxMessage) -> timedelta | None:
        """How long a reminder must wait because its channel used up its month; None: send it."""
        quota = self.quotas.get(message.channel)
        if message.kind not in REMINDER_KINDS or quota is None or not quota.monthly:
            return None
        now = self.clock.now()
        if self.sent(message.channel, now) < quota.monthly:
            return None
        local = now.astimezone(self.zone)
        next_month = (local.replace(day=28) + timedelta(days=4)).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        return min(RECHECK, next_month - local)

    async def run(self) -> None:
        """Flushes every FLUSH_SECONDS until cancelled."""
        while True:
            await asyncio.sleep(FLUSH_SECONDS)
            await self.flush()

    async def flush(self) -> None:
        """Adds this worker's counts to the database and learns every worker's totals; a failure
        keeps the counts for the next flush."""
        month = month_of(self.clock.now(), self.zone)
        counts, self._unflushed = self._unflushed, Counter()
        for channel in self.quotas:
            counts[(channel, month)] += 0  # read even when this worker sent nothing
        try:
            totals = await self.ledger.add(counts)
        except Exception:
            log.exception("could not record %d messages sent; kept for the next try", sum(counts.values()))
            self._unflushed.update(counts)
            return
        self._totals = {key: total.sent for key, total in totals.items()}
        for (channel, counted), total in totals.items():
            quota = self.quotas.get(channel, Quota())
            threshold = crossed_threshold(total.sent, quota, total.alerted_percent)
            if threshold is not None and await self.ledger.claim_alert(channel, counted, threshold):
                await self.tell(channel, counted, total.sent, threshold, quota)

    async def tell(self, channel: str, month: str, sent: int, threshold: int, quota: Quota) -> None:
        label = self.labels.get(channel, channel)
        log.warning("%s: %d of %s messages sent in %s (%d%% of its quota)", label, sent, quota.monthly, month, threshold)
        fields = {
            "channel": label, "sent": str(sent), "quota": str(quota.monthly), "percent": str(threshold),
            "month": month_label(month),
        }  # fmt: skip
        try:
            await self.alert(f"quota/{channel}/{month}/{threshold}", QUOTA_ALERT, fields)
        except Exception:
            log.exception("could not tell the administrators that %s reached %d%% of its quota", label, threshold)
