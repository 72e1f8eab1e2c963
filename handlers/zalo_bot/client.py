"""A thin aiohttp client of the Zalo Bot Platform's Bot API: `POST {base}{token}/{method}` with a
JSON body, answered `{ok, result}` or `{ok: false, error_code, description}`.

No SDK: the one on PyPI is a trimmed python-telegram-bot fork with synchronous webhook calls.
Zalo's edge has been seen to send duplicate `Server` headers; aiohttp (3.13.5 and later)
accepts them unless Python runs in development mode, which this bot must not.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import aiohttp

__all__ = [
    "CONNECT_SECONDS",
    "TIMEOUT_SECONDS",
    "ZaloBotClient",
    "ZaloError",
    "ZaloNotSent",
    "ZaloOutcomeUnknown",
    "ZaloUnreachable",
    "not_sent",
]

log = logging.getLogger(__name__)

TIMEOUT_SECONDS = 15.0
CONNECT_SECONDS = 10.0
"""How long a connection may take to open: past it the request never left."""


class ZaloError(Exception):
    """Zalo answered `ok: false` (or an HTTP error): `code` is its error_code (or the status)."""

    def __init__(self, code: int, description: str, retry_after: float | None = None) -> None:
        super().__init__(f"{code} {description}")
        self.code = code
        self.description = description
        self.retry_after = retry_after


class ZaloUnreachable(Exception):
    """The call did not get an answer: a timeout, a refused or broken connection, a page that is
    not the API's JSON. One of the two kinds below, which a retry must tell apart."""


class ZaloNotSent(ZaloUnreachable):
    """The request never left: the connection was refused, the name did not resolve, or the
    connection took too long to open. Zalo cannot have acted on it."""


class ZaloOutcomeUnknown(ZaloUnreachable):
    """The request left but no usable answer came back (a read timeout, a connection broken
    after sending, an error page): Zalo may have acted on it."""


def not_sent(error: BaseException) -> bool:
    """Whether Zalo certainly did not act on the call: it never left, or Zalo refused it for
    rate (429). The one test for trying a send again (handlers/retrying.py)."""
    return isinstance(error, ZaloNotSent) or (isinstance(error, ZaloError) and error.code == 429)


class ZaloBotClient:
    def __init__(self, base_url: str, token: str, timeout: float = TIMEOUT_SECONDS) -> None:
        self.url = f"{base_url}{token}"
        self.timeout = timeout
        self.session: aiohttp.ClientSession | None = None

    async def open(self) -> None:
        self.session = aiohttp.ClientSession()

    async def close(self) -> None:
        if self.session is not None:
            await self.session.close()
            self.session = None

    async def call(self, method: str, params: Mapping[str, Any] | None = None, timeout: float | None = None) -> Any:
        """The method's `result` (waiting at most `timeout` seconds, the client's own by default);
        raises ZaloError for an `ok: false` answer, ZaloNotSent when the request never left,
        ZaloOutcomeUnknown when it left and no usable answer came."""
        assert self.session is not None, "open() the client first"
        total = self.timeout if timeout is None else timeout
        limits = aiohttp.ClientTimeout(total=total, sock_connect=min(CONNECT_SECONDS, total))
        try:
            async with self.session.post(f"{self.url}/{method}", json=dict(params or {}), timeout=limits) as response:
                try:
                    body = await response.json(content_type=None)
                except ValueError as error:
                    raise ZaloOutcomeUnknown(f"{method}: HTTP {response.status}, not JSON") from error
        except (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError, aiohttp.InvalidURL) as error:
            raise ZaloNotSent(f"{method}: {error!r}") from error
        except (TimeoutError, aiohttp.ClientError) as error:
            raise ZaloOutcomeUnknown(f"{method}: {error!r}") from error
        if not isinstance(body, dict):
            raise ZaloOutcomeUnknown(f"{method}: HTTP {response.status}, unexpected answer {body!r:.200}")
        if body.get("ok"):
            return body.get("result")
        code = body.get("error_code")
        parameters = body.get("parameters") or {}
        retry_after = parameters.get("retry_after") if isinstance(parameters, dict) else None
        raise ZaloError(
            int(code) if isinstance(code, int) else response.status,
            str(body.get("description", "")),
            float(retry_after) if isinstance(retry_after, int | float) else None,
        )
