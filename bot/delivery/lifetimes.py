"""How long each kind of outbox message is worth sending. Until then a message that a platform
failed (a timeout, a 5xx, an outage) is tried again; after, it is never sent and the ledger says
it expired. Each message is given its expiry when it is queued:

* a deadline reminder and a supervisors' digest: until the deadline of their slot (an overdue
  notice: OVERDUE_LIFETIME after it falls due), and the next slot of their series stops them
  sooner (bot/reminders/plan.py, ReminderSlot.expires_at; bot/reminders/composing.py);
* a reminder asked for by hand (/nhacnho): until the end of the day it was asked on;
* a notice that a report was returned or approved, or a deadline extended: NOTICE_LIFETIME;
* an alert to the administrators: ALERT_LIFETIME;
* a file someone asked for (/xuatbaocao, /xuatexcel, /bieudo): EXPORT_LIFETIME.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

__all__ = ["ALERT_LIFETIME", "EXPORT_LIFETIME", "NOTICE_LIFETIME", "OVERDUE_LIFETIME", "UNDATED_LIFETIME", "end_of_day", "expiry"]

NOTICE_LIFETIME = timedelta(days=5)
"""A report returned or approved is still news to its officer for a working week; later they
have seen it in /baocao anyway."""
ALERT_LIFETIME = timedelta(days=1)
"""An administrator is told of a fault at most once a day: the next day's alert says it again."""
EXPORT_LIFETIME = timedelta(days=1)
"""A file asked for is still wanted the next day, through a platform's outage (it is kept a week:
app/documents.py); later its asker has asked again."""
OVERDUE_LIFETIME = timedelta(days=7)
"""An overdue notice stays useful for a week after it falls due."""
UNDATED_LIFETIME = timedelta(days=1)
"""A message queued before messages carried their own expiry is worth a day from when it was queued."""


def end_of_day(instant: datetime, zone: ZoneInfo) -> datetime:
    """The midnight that ends `instant`'s day, local time: a reminder asked for by hand is one
    of that day's (the next day's /nhacnho may queue another)."""
    return datetime.combine(instant.astimezone(zone).date() + timedelta(days=1), time(0), zone)


def expiry(expires_at: datetime | None, queued_at: datetime) -> datetime:
    """When a queued message stops being worth sending: its own expiry, or UNDATED_LIFETIME after
    it was queued for one queued before messages carried an expiry."""
    return expires_at if expires_at is not None else queued_at + UNDATED_LIFETIME
