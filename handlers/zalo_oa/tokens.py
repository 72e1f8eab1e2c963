"""The OA's access token: kept in the database, renewed ahead of its expiry or when Zalo calls
it invalid, by one worker at a time.

The refresh token is single-use: spent twice, the OA is cut off until a person authorises it
again. So a renewal happens under the credential's lock (storage/credentials.py), and a worker
that finds a newer pair stored than the one it holds takes that one instead of refreshing; the
new pair is stored before anyone uses it. A refresh Zalo refuses stops the OA's sending (it
would only fail again) and alerts the administrators; the keeper then looks in the database
once a minute for the pair `baocao zalo-oa authorize` stores.

Times here are the platform's, the real clock: a token expires in Zalo's time, not the business
clock a demo shifts (BAOCAO_NOW).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime, timedelta, timezone
from typing import Any

from bot.base.i18n import N_
from handlers.channel import Alert, Credentials
from handlers.zalo_oa.client import OaError, OaUnreachable, TokenPair

__all__ = ["BROKEN_RECHECK_SECONDS", "RENEW_AHEAD", "TokenKeeper", "TokensUnavailable", "credential_name"]

log = logging.getLogger(__name__)

RENEW_AHEAD = timedelta(minutes=30)
"""Renewed this long before it expires, so no call goes out with a token about to lapse."""
BROKEN_RECHECK_SECONDS = 60.0
UNREACHABLE_RETRY_SECONDS = 10.0
REFRESH_REFUSED = N_(
    "⚠️ Zalo refused to renew the access of the Official Account ({detail}). "
    "Nothing can be sent through it until an administrator authorises it again with: baocao zalo-oa authorize"
)
NOT_AUTHORISED = N_(
    "⚠️ The Zalo Official Account has not been authorised yet: nothing can be sent through it until an administrator runs: baocao zalo-oa authorize"
)


def credential_name(app_id: str) -> str:
    """Where the OA's token pair is stored (storage/credentials.py)."""
    return f"zalo_oa:{app_id}"


class TokensUnavailable(Exception):
    """No usable access token now; `retry_after` seconds until it is worth asking again, and
    what the administrators must be told (an N_ msgid and its fields), if anything."""

    def __init__(self, reason: str, retry_after: float, topic: str = "", alert: str | None = None, **fields: str) -> None:
        super().__init__(reason)
        self.retry_after = retry_after
        self.topic = topic
        self.alert = alert
        self.fields = fields


Refresh = Callable[[str, datetime], Awaitable[TokenPair]]


class TokenKeeper:
    def __init__(
        self,
        app_id: str,
        credentials: Credentials,
        refresh: Refresh,
        alert: Alert,
        first_refresh_token: str | None = None,
        now: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.name = credential_name(app_id)
        self.credentials = credentials
        self.refresh = refresh
        self.alert = alert
        self.first_refresh_token = first_refresh_token
        self.now = now
        self.monotonic = monotonic
        self.pair: TokenPair | None = None
        self.lock = asyncio.Lock()
        self.unavailable: TokensUnavailable | None = None
        self.unavailable_until = 0.0
        self.refreshes = 0

    def usable(self, pair: TokenPair | None) -> bool:
        return pair is not None and bool(pair.access_token) and pair.expires_at - RENEW_AHEAD > self.now()

    async def access_token(self) -> str:
        """A token to call with now (renewed first if it is about to expire)."""
        pair = self.pair
        if self.usable(pair):
            assert pair is not None
            return pair.access_token
        return (await self.renew(pair.access_token if pair else None)).access_token

    async def renew(self, stale: str | None) -> TokenPair:
        """A pair newer than `stale` (the token Zalo refused, or the one about to expire): the
        one another task or worker stored meanwhile, or a refreshed one."""
        async with self.lock:
            if self.usable(self.pair) and self.pair is not None and self.pair.access_token != stale:
                return self.pair
            if self.unavailable is not None and self.monotonic() < self.unavailable_until:
                raise self.unavailable
            try:
                stored = await self.credentials.renew(self.name, lambda current: self.renewed(current, stale))
            except TokensUnavailable as error:
                self.unavailable, self.unavailable_until = error, self.monotonic() + error.retry_after
                if error.alert is not None:  # after the lock is let go: the alert is a write of its own
                    await self.alert(f"{self.name}/{error.topic}", error.alert, error.fields)
                raise
            pair = TokenPair.from_json(stored)
            assert pair is not None
            self.pair, self.unavailable = pair, None
            return pair

    async def renewed(self, current: Mapping[str, Any] | None, stale: str | None) -> dict[str, str] | None:
        """Under the lock: None when the stored pair will do (someone renewed it), else a new one."""
        pair = TokenPair.from_json(current)
        if pair is None and self.first_refresh_token:
            pair = TokenPair("", self.first_refresh_token, datetime.fromtimestamp(0, timezone.utc))
        if pair is None:
            raise TokensUnavailable("the OA has not been authorised", BROKEN_RECHECK_SECONDS, "unauthorised", NOT_AUTHORISED)
        if self.usable(pair) and pair.access_token != stale:
            return None  # stored, usable, newer than the refused one (a seeded pair is never usable)
        try:
            fresh = await self.refresh(pair.refresh_token, self.now())
        except OaUnreachable as error:
            log.warning("%s: the token could not be renewed now (%s); again in %.0f s", self.name, error, UNREACHABLE_RETRY_SECONDS)
            raise TokensUnavailable(str(error), UNREACHABLE_RETRY_SECONDS) from error
        except OaError as error:
            log.error("%s: Zalo refused to renew the access token (%s); sending is paused until it is authorised again", self.name, error)
            raise TokensUnavailable(str(error), BROKEN_RECHECK_SECONDS, "refresh-refused", REFRESH_REFUSED, detail=str(error)) from error
        self.refreshes += 1
        log.info("%s: access token renewed, valid until %s", self.name, fresh.expires_at.isoformat(timespec="minutes"))
        return fresh.to_json()
