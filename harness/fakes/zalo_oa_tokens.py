"""The fake OA's OAuth v4 tokens: which access and refresh tokens are live, what a refresh
answers, and the cut-off a refresh token spent twice causes (the endpoint is in zalo_oa.py).

A refresh token is single-use; the access token it replaces stays valid until its own expiry
(nothing says Zalo revokes it). Spending a refresh token a second time revokes every token and
refuses every refresh until the OA is authorised again."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any, NamedTuple

from .zalo_oa_wire import (
    OAUTH_INVALID_REFRESH_TOKEN,
    OAUTH_INVALID_REQUEST,
    TOKEN_EXPIRED,
    TOKEN_INVALID,
    ZNS_MESSAGES,
    ZNS_TOKEN_INVALID,
    refusal,
)

__all__ = ["OaTokens", "RecordedRefresh"]


class RecordedRefresh(NamedTuple):
    time: float
    refresh_token: str
    outcome: str
    """One of: ok; reused (the OA is now cut off); unknown; cut_off (refused after a reuse);
    bad_secret (wrong app id or secret key); bad_request."""


class OaTokens:
    def __init__(self, app_id: str, app_secret: str, access_token_seconds: int, clock: Callable[[], float]) -> None:
        self.app_id = app_id
        self.app_secret = app_secret
        self.access_token_seconds = access_token_seconds
        self._clock = clock
        self.cut_off = False
        self.refreshes: list[RecordedRefresh] = []
        self._access: dict[str, float] = {}
        """Every live access token and when it expires."""
        self._refresh: dict[str, bool] = {}
        """Every live refresh token and whether it is spent."""

    def authorize(self) -> tuple[str, str]:
        """A fresh pair, as the OA's admin gets by authorising the app; it ends a cut-off."""
        self.cut_off = False
        return self._issue()

    def expire_access_tokens(self) -> None:
        now = self._clock()
        self._access = {token: min(expiry, now) for token, expiry in self._access.items()}

    def check(self, token: str, zns: bool) -> None:
        """Raises the refusal the Open API (or ZNS, which has one code for every token problem)
        answers a token that is unknown, revoked or expired."""
        expiry = self._access.get(token)
        if expiry is not None and expiry > self._clock():
            return
        if zns:
            raise refusal(ZNS_TOKEN_INVALID, ZNS_MESSAGES)
        raise refusal(TOKEN_INVALID if expiry is None else TOKEN_EXPIRED)

    def refresh(self, secret_key: str, form: dict[str, str], arrived: float) -> dict[str, Any]:
        """The answer to POST /v4/oa/access_token, recorded in `refreshes`."""
        outcome, answer = self._refreshed(secret_key, form)
        self.refreshes.append(RecordedRefresh(arrived, form.get("refresh_token", ""), outcome))
        return answer

    def _refreshed(self, secret_key: str, form: dict[str, str]) -> tuple[str, dict[str, Any]]:
        if form.get("app_id") != self.app_id or secret_key != self.app_secret:
            return "bad_secret", _oauth_error(OAUTH_INVALID_REQUEST, "Invalid app_id or secret_key")
        token = form.get("refresh_token", "")
        if form.get("grant_type") != "refresh_token" or not token:
            return "bad_request", _oauth_error(OAUTH_INVALID_REQUEST, "grant_type must be refresh_token, with a refresh_token")
        if self.cut_off:
            return "cut_off", _oauth_error(OAUTH_INVALID_REFRESH_TOKEN, "The OA must be authorised again")
        spent = self._refresh.get(token)
        if spent is None:
            return "unknown", _oauth_error(OAUTH_INVALID_REFRESH_TOKEN, "Refresh token is invalid")
        if spent:
            self.cut_off = True
            self._access.clear()
            self._refresh.clear()
            return "reused", _oauth_error(OAUTH_INVALID_REFRESH_TOKEN, "Refresh token was already used")
        self._refresh[token] = True
        access, refresh = self._issue()
        return "ok", {"access_token": access, "refresh_token": refresh, "expires_in": str(self.access_token_seconds)}

    def _issue(self) -> tuple[str, str]:
        access, refresh = secrets.token_urlsafe(48), secrets.token_urlsafe(48)
        self._access[access] = self._clock() + self.access_token_seconds
        self._refresh[refresh] = False
        return access, refresh


def _oauth_error(code: int, description: str) -> dict[str, Any]:
    names = {OAUTH_INVALID_REQUEST: "Invalid parameter", OAUTH_INVALID_REFRESH_TOKEN: "Invalid refresh token"}
    return {"error": code, "error_name": names[code], "error_description": description}
