"""A thin aiohttp client of the Zalo OA Open API, its OAuth token endpoint and ZNS.

The Open API answers HTTP 200 with `{"error": 0, "message", "data"}`, or a negative `error` and
its message; the OAuth endpoint answers the token pair itself, or `{"error", "error_name",
"error_description"}`. Secrets (tokens, the app secret) travel in headers and form fields and
never appear in an exception's text, so they cannot reach a log.

A call that gets no usable answer says whether Zalo may have acted on it (`may_have_acted`):
not when the connection was never made, so it can be made again; yes after a read timeout, a
connection broken once the request was sent, or a 5xx, so a message is not sent twice.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp

__all__ = ["CONNECT_SECONDS", "TIMEOUT_SECONDS", "OaClient", "OaError", "OaUnreachable", "TokenPair", "plain_filename"]

log = logging.getLogger(__name__)

TIMEOUT_SECONDS = 15.0
CONNECT_SECONDS = 5.0
"""Within the whole call's time: a connection not made by then is a request that never left."""
UNSAFE_IN_FILENAME = dict.fromkeys(map(ord, '"\\\r\n'))


class OaError(Exception):
    """Zalo refused the call: `code` is its (negative) error code."""

    def __init__(self, code: int, description: str) -> None:
        super().__init__(f"{code} {description}")
        self.code = code
        self.description = description


class OaUnreachable(Exception):
    """No usable answer: a timeout, a broken connection, a page that is not the API's JSON;
    `may_have_acted` unless the request never reached Zalo."""

    def __init__(self, description: str, may_have_acted: bool = True) -> None:
        super().__init__(description)
        self.may_have_acted = may_have_acted


@dataclass(frozen=True)
class TokenPair:
    """What the OA may call with, until `expires_at`, and the single-use token that renews it."""

    access_token: str
    refresh_token: str
    expires_at: datetime

    def to_json(self) -> dict[str, str]:
        return {"access_token": self.access_token, "refresh_token": self.refresh_token, "expires_at": self.expires_at.isoformat()}

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> TokenPair | None:
        if not data or not data.get("refresh_token"):
            return None
        return cls(str(data.get("access_token") or ""), str(data["refresh_token"]), datetime.fromisoformat(str(data["expires_at"])))


class OaClient:
    def __init__(self, api_url: str, oauth_url: str, zns_url: str, timeout: float = TIMEOUT_SECONDS) -> None:
        self.api_url = api_url.rstrip("/")
        self.oauth_url = oauth_url.rstrip("/")
        self.zns_url = zns_url.rstrip("/")
        self.timeout = aiohttp.ClientTimeout(total=timeout, connect=min(CONNECT_SECONDS, timeout))
        self.session: aiohttp.ClientSession | None = None

    async def open(self) -> None:
        self.session = aiohttp.ClientSession(timeout=self.timeout)

    async def close(self) -> None:
        if self.session is not None:
            await self.session.close()
            self.session = None

    async def send(self, access_token: str, user_id: str, message: Mapping[str, Any]) -> Any:
        """A consultation message (`/v3.0/oa/message/cs`) to one follower."""
        return await self.api("/v3.0/oa/message/cs", access_token, json={"recipient": {"user_id": user_id}, "message": message})

    async def display_name(self, access_token: str, user_id: str) -> str:
        """The follower's name on Zalo (`/v3.0/oa/user/detail`)."""
        assert self.session is not None, "open() the client first"
        query = {"data": json.dumps({"user_id": user_id})}
        try:
            async with self.session.get(f"{self.api_url}/v3.0/oa/user/detail", params=query, headers={"access_token": access_token}) as response:
                answer = await response.json(content_type=None)
        except (TimeoutError, aiohttp.ClientError, ValueError) as error:
            raise OaUnreachable(f"user/detail: {error!r}") from error
        if not isinstance(answer, dict) or answer.get("error") not in (0, None):
            raise OaError(int(answer.get("error", -1)) if isinstance(answer, dict) else -1, "user/detail refused")
        data = answer.get("data")
        return str(data.get("display_name") or "") if isinstance(data, dict) else ""

    async def upload(self, access_token: str, kind: str, path: Path, name: str, media_type: str) -> Any:
        """A file ("file": PDF/DOC/DOCX) or picture ("image") uploaded to be sent by its token,
        under `name` as the officer should see it (plain_filename); aiohttp reads it from disk a
        chunk at a time as it goes out (in a thread), so it is never held whole."""
        content = await asyncio.to_thread(path.open, "rb")
        with content:
            form = aiohttp.FormData(quote_fields=False)
            form.add_field("file", content, filename=plain_filename(name), content_type=media_type)
            return await self.api(f"/v2.0/oa/upload/{kind}", access_token, data=form)

    async def zns(self, access_token: str, body: Mapping[str, Any]) -> Any:
        return await self.call(f"{self.zns_url}/message/template", {"access_token": access_token}, json=body)

    async def api(self, path: str, access_token: str, **body: Any) -> Any:
        return await self.call(f"{self.api_url}{path}", {"access_token": access_token}, **body)

    async def call(self, url: str, headers: Mapping[str, str], **body: Any) -> Any:
        """The answer's `data`; OaError for a refusal, OaUnreachable for no usable answer."""
        answer = await self.post(url, headers, **body)
        code = answer.get("error")
        if code not in (0, None):
            raise OaError(int(code) if isinstance(code, int) else -1, str(answer.get("message", "")))
        return answer.get("data")

    async def refresh(self, app_id: str, app_secret: str, refresh_token: str, now: datetime) -> TokenPair:
        """A new pair for the refresh token, which is spent whatever the outcome."""
        form = {"app_id": app_id, "refresh_token": refresh_token, "grant_type": "refresh_token"}
        answer = await self.post(f"{self.oauth_url}/v4/oa/access_token", {"secret_key": app_secret}, data=form)
        try:
            seconds = int(str(answer["expires_in"]))
            return TokenPair(str(answer["access_token"]), str(answer["refresh_token"]), now + timedelta(seconds=seconds))
        except (KeyError, ValueError) as error:
            code = answer.get("error")
            why = answer.get("error_name") or answer.get("error_description") or "no token in the answer"
            raise OaError(int(code) if isinstance(code, int) else -1, str(why)) from error

    async def post(self, url: str, headers: Mapping[str, str], **body: Any) -> dict[str, Any]:
        assert self.session is not None, "open() the client first"
        try:
            async with self.session.post(url, headers=dict(headers), **body) as response:
                if response.status >= 500:
                    raise OaUnreachable(f"{url}: HTTP {response.status}")
                try:
                    answer = await response.json(content_type=None)
                except ValueError as error:
                    raise OaUnreachable(f"{url}: HTTP {response.status}, not JSON") from error
        except (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError) as error:
            raise OaUnreachable(f"{url}: not sent: {error!r}", may_have_acted=False) from error
        except (TimeoutError, aiohttp.ClientError) as error:
            raise OaUnreachable(f"{url}: sent, no answer: {error!r}") from error
        if not isinstance(answer, dict):
            raise OaUnreachable(f"{url}: HTTP {response.status}, unexpected answer")
        return answer


def plain_filename(name: str) -> str:
    """The name as the officer should see it, in plain UTF-8 as zalo-sdk's uploads send it (not
    percent-encoded, which Zalo would show as such); only what would break the header goes."""
    return name.translate(UNSAFE_IN_FILENAME).strip() or "file"
