"""Guessing invite codes from many chats at once. A chat's own limit (bot/linking/chat_linking.py) stops one
chat; a guesser with sixty chats made 300 tries in 11 s, about 97,000 an hour. So wrong codes are
also counted across every chat, per channel and over all, in the database (every worker sees the
same count). While a limit holds no code is tried, a right one included: the person is told when
to send it again, and the administrators are told once a day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.base.effects import AlertAdmins
from bot.base.i18n import N_
from bot.base.ports import WrongCodeQueries

__all__ = ["GUESSING_WINDOW", "WRONG_CODES_OVERALL", "WRONG_CODES_PER_CHANNEL", "GuessingHold", "guessing_hold"]

GUESSING_WINDOW = timedelta(hours=1)
WRONG_CODES_PER_CHANNEL = 200
WRONG_CODES_OVERALL = 300
"""Wrong codes allowed in any hour: on one channel, and on all together.

A province's busiest linking morning: a few hundred officers link, up to ~300 of them in one
hour (a training session where everyone types their code at once). If one in four mistypes, twice
on average, that hour has ~150 wrong codes, all on one channel at worst: under 200. (Most codes
arrive untyped, by QR code or link, so real mornings stay far below.)

A guesser gets at most 200 tries an hour on one channel and 300 over all, against 31⁸ ≈ 8.5·10¹¹
codes (bot/base/codes.py). With even 10,000 codes valid at once, a month of guessing without pause
(216,000 tries) finds one with a chance of about 1 in 400, and the administrators hear of it
within the first hour."""


@dataclass(frozen=True)
class GuessingHold:
    """Codes are not tried until `until`, on `channel` (None: on every channel)."""

    channel: str | None
    until: datetime

    def alert(self, channel_label: str, until: str) -> AlertAdmins:
        """What the administrators are told (at most once a day for each hold's scope)."""
        if self.channel is None:
            message = N_("Warning: {count} wrong invite codes were typed within an hour, on all channels together: someone may be guessing codes. Until {time} no code is checked; people with a right code are asked to send it again then.")
            return AlertAdmins("code-guessing", message, {"count": str(WRONG_CODES_OVERALL), "time": until})
        message = N_("Warning: {count} wrong invite codes were typed on {channel} within an hour: someone may be guessing codes. Until {time} no code sent on {channel} is checked; people with a right code are asked to send it again then.")
        return AlertAdmins(f"code-guessing/{self.channel}", message, {"count": str(WRONG_CODES_PER_CHANNEL), "channel": channel_label, "time": until})


async def guessing_hold(codes: WrongCodeQueries, channel: str, now: datetime) -> GuessingHold | None:
    """The hold on codes sent on `channel` now, if a limit is reached: it lasts until the wrong
    code that reached it is an hour old (none is added meanwhile, since none is tried)."""
    since = now - GUESSING_WINDOW
    holds = [
        GuessingHold(scope, reached + GUESSING_WINDOW)
        for scope, limit in ((channel, WRONG_CODES_PER_CHANNEL), (None, WRONG_CODES_OVERALL))
        if (reached := await codes.nth_latest(limit, since, scope)) is not None
    ]
    return max(holds, key=lambda hold: hold.until, default=None)
