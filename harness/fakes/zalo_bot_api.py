"""A fake Zalo Bot Platform Bot API server for tests: real HTTP on 127.0.0.1, so the bot's own
Zalo client runs unmodified against it.

Calls are `POST {base_url}{token}/{method}` with a JSON object as the body (an empty body
means no parameters). Answers are {"ok": true, "result": ...} or {"ok": false, "error_code":
N, "description": ...}; the HTTP status equals error_code unless `errors_with_http_200` is set,
since it is not known which of the two Zalo's edge does and a bot should cope with both.
A wrong token answers 401, a method Zalo does not have 404, a body that is not JSON 400.

Where clients that ran against the live platform disagree, the fake can behave either way:
`webhook_info_404` answers getWebhookInfo 404 on a bot with no webhook (as zalo-bot-mcp
measured) instead of an empty url; `replay_consumed` answers an idle getUpdates at once with
the last event again (zalo-bot-mcp measured about 12 such answers a second) instead of holding
the long poll; `refuse_token(403)` answers a revoked token 403 (OpenClaw treats 401 and 403
alike as a refused token) instead of 401.

Every response carries two `Server` headers, as Zalo's edge has been seen to send. aiohttp's
client accepts that by default but refuses it in strict mode (`python -X dev`, or
PYTHONASYNCIODEBUG set), which is why some Zalo clients were written on httpx instead.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from itertools import repeat
from typing import NamedTuple

from aiohttp import web

from .lateness import LoopLateness
from .limits import FloodControl
from .server import LocalServer
from .zalo_chat import FakeZaloUser
from .zalo_errors import ZaloApiError, bad_request
from .zalo_methods import Params, ZaloBotMethods, chat_id_of
from .zalo_updates import ZaloUpdateQueue
from .zalo_webhook import ZaloWebhookPusher

COUNTED = frozenset({"sendMessage", "sendPhoto", "sendSticker"})
"""Calls that count against flood limits: the ones that put something in front of a user."""
EDGE_SERVER_HEADERS = ("nginx", "ZaloEdge")
"""Only the duplication has been reported; these values are made up."""
CLIENT_GONE = 0
"""The recorded status of a call whose client hung up before the answer."""


class RecordedZaloRequest(NamedTuple):
    time: float
    """When the request arrived, on the server's clock (time.monotonic unless replaced)."""
    method: str
    params: Params
    chat_id: str | None
    status: int
    """The HTTP status answered, or CLIENT_GONE."""
    error_code: int | None
    """The `error_code` of an {"ok": false} answer; None for success or a broken answer."""


@dataclass(frozen=True)
class BrokenAnswer:
    """An HTML error page with this HTTP status, as a proxy in front of Zalo sends one."""

    http_status: int


@dataclass(frozen=True)
class Stall:
    """Wait this long before serving the call, to outlast the client's patience."""

    seconds: float


@dataclass(frozen=True)
class LateAnswer:
    """Serve the call (a send is delivered), then wait this long before answering: a client
    that gives up first cannot know the call was carried out."""

    seconds: float


Fault = ZaloApiError | BrokenAnswer | Stall | LateAnswer


class FakeZaloBotApi(LocalServer):
    """The server plus the test's handle on the fake Zalo world behind it.

    `async with FakeZaloBotApi(token=...) as api:` serves until the block ends; point the bot at
    `api.base_url` (its calls then go to `{api.base_url}{token}/{method}`).
    """

    def __init__(
        self,
        token: str = "123456789:fake-zalo-bot-secret",
        *,
        bot_display_name: str = "Bot Báo Cáo",
        echo_own_messages: bool = False,
        errors_with_http_200: bool = False,
        webhook_info_404: bool = False,
        replay_consumed: bool = False,
        global_rate: float | None = None,
        per_chat_rate: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """`echo_own_messages` queues every sendMessage back as an event from the bot, as Zalo
        sometimes does; `webhook_info_404` and `replay_consumed` are the behaviours measured by
        zalo-bot-mcp (see the module's docstring); `global_rate`/`per_chat_rate` (calls a second)
        switch on flood limits;
        `clock` times requests and flood windows, and a fake one lets a test step through
        windows."""
        bot_id, _, secret = token.partition(":")
        if not bot_id.isdigit() or not secret:
            raise ValueError(f"a Zalo bot token reads <bot id>:<secret>, not {token!r}")
        self.token = token
        self.bot_info = {
            "id": bot_id,
            "account_name": f"bot.{bot_id}",
            "account_type": "BASIC",
            "can_join_groups": False,
            "display_name": bot_display_name,
        }
        self.users: dict[str, FakeZaloUser] = {}
        self.requests: list[RecordedZaloRequest] = []
        """Every call served, in the order the answers were produced."""
        self.errors_with_http_200 = errors_with_http_200
        self.token_refusal: ZaloApiError | None = None
        """While set, every call is refused with it, as after the bot's token was reset."""
        self._bot_sender = {"id": bot_id, "display_name": bot_display_name, "is_bot": True}
        self._clock = clock
        self._updates = ZaloUpdateQueue()
        self._flood = FloodControl(global_rate, per_chat_rate)  # Zalo publishes no numbers: tests choose them
        self._lateness = LoopLateness()
        self._faults: dict[str, deque[Fault]] = {}
        self.webhook = ZaloWebhookPusher(self._updates)
        """Where events go while the bot has a webhook set, and every push attempt."""
        self._methods = ZaloBotMethods(self.bot_info, self.users, self._updates, self.webhook)
        self._methods.echo_own_messages = echo_own_messages
        self._methods.webhook_info_404 = webhook_info_404
        self._methods.replay_consumed = replay_consumed
        self._handlers = self._methods.handlers()
        self._photos: dict[str, bytes] = {}
        self._runner: web.AppRunner | None = None
        self._port: int | None = None

    # --- lifecycle -------------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._serve_call)
        app.router.add_get("/photos/{name}", self._serve_photo)
        app.on_response_prepare.append(_add_edge_server_headers)
        # A client that hangs up cancels its handler, so a long poll it abandoned never takes
        # an event that nobody will read.
        self._runner = web.AppRunner(
            app, access_log=None, shutdown_timeout=1.0, handler_cancellation=True
        )
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self._port = self._runner.addresses[0][1]
        if self._clock is time.monotonic:  # a stepped clock is never late
            self._lateness.start()

    async def stop(self) -> None:
        await self.webhook.close()
        self._updates.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        await self._lateness.stop()

    @property
    def base_url(self) -> str:
        return f"{self.url}/bot"

    # --- the test's controls ---------------------------------------------------------------

    def user(
        self,
        user_id: str,
        display_name: str = "Người dùng thử",
        *,
        wrap_in_envelope: bool = False,
    ) -> FakeZaloUser:
        """The user with this id, created on first use (later calls ignore the other args)."""
        if user_id not in self.users:
            self.users[user_id] = FakeZaloUser(
                user_id,
                display_name,
                bot_sender=self._bot_sender,
                updates=self._updates,
                wrap_in_envelope=wrap_in_envelope,
            )
        return self.users[user_id]

    @property
    def echo_own_messages(self) -> bool:
        return self._methods.echo_own_messages

    @echo_own_messages.setter
    def echo_own_messages(self, enabled: bool) -> None:
        self._methods.echo_own_messages = enabled

    def host_photo(self, data: bytes) -> str:
        """Puts a picture where Zalo's CDN would, and returns its URL for `send_image`."""
        name = f"p{len(self._photos) + 1}.jpg"
        self._photos[name] = data
        return f"{self.url}/photos/{name}"

    async def _serve_photo(self, request: web.Request) -> web.Response:
        data = self._photos.get(request.match_info["name"])
        if data is None:
            return web.Response(status=404)
        return web.Response(body=data, content_type="image/jpeg")

    def redeliver(self, message_id: str) -> None:
        """Hand an event to the bot again, same message_id, to check it is applied once."""
        self._updates.redeliver(message_id)

    def block(self, user_id: str) -> None:
        """The user blocked the bot: sends to their chat get 403 until they write again."""
        self.users[user_id].blocked = True

    def refuse_token(self, status: int = 401, description: str = "Unauthorized") -> None:
        """The token was reset on Zalo's side: every call is refused until `accept_token`."""
        self.token_refusal = ZaloApiError(status, description)

    def accept_token(self) -> None:
        self.token_refusal = None

    def fail_next(
        self,
        method: str,
        error_code: int,
        description: str,
        *,
        retry_after: int | None = None,
        times: int = 1,
    ) -> None:
        """Answer the next `times` calls of `method` with this error instead of serving them."""
        self._queue_fault(method, ZaloApiError(error_code, description, retry_after), times)

    def break_next(self, method: str, http_status: int = 502, *, times: int = 1) -> None:
        """Answer the next `times` calls of `method` with an HTML error page, not JSON."""
        self._queue_fault(method, BrokenAnswer(http_status), times)

    def stall_next(self, method: str, seconds: float, *, times: int = 1) -> None:
        """Hold the next `times` calls of `method` for `seconds` before serving them."""
        self._queue_fault(method, Stall(seconds), times)

    def answer_late_next(self, method: str, seconds: float, *, times: int = 1) -> None:
        """Serve the next `times` calls of `method`, then hold the answer for `seconds`."""
        self._queue_fault(method, LateAnswer(seconds), times)

    @property
    def pending_updates(self) -> int:
        """Events not yet handed to the bot."""
        return self._updates.pending

    @property
    def violations(self) -> int:
        """Calls refused with 429 by the flood limits (injected faults are not counted)."""
        return self._flood.violations

    def _queue_fault(self, method: str, fault: Fault, times: int) -> None:
        if method not in self._handlers:
            raise ValueError(f"the fake Zalo Bot API does not serve {method!r}")
        self._faults.setdefault(method, deque()).extend(repeat(fault, times))

    # --- HTTP --------------------------------------------------------------------------------

    async def _serve_call(self, request: web.Request) -> web.Response:
        arrived, waited = self._clock(), self._lateness.now()
        method = request.match_info["method"]
        params, body_problem = await _read_params(request)
        chat_id = chat_id_of(params)
        try:
            response, error_code = await self._answer(
                request, method, params, body_problem, arrived, waited
            )
        except asyncio.CancelledError:
            self._record(arrived, method, params, chat_id, CLIENT_GONE, None)
            raise
        self._record(arrived, method, params, chat_id, response.status, error_code)
        return response

    async def _answer(
        self,
        request: web.Request,
        method: str,
        params: Params,
        body_problem: str | None,
        arrived: float,
        waited: float,
    ) -> tuple[web.Response, int | None]:
        try:
            if request.match_info["token"] != self.token:
                raise ZaloApiError(401, "Unauthorized")
            if self.token_refusal is not None:
                raise self.token_refusal
            handler = self._handlers.get(method)
            if handler is None:
                raise ZaloApiError(404, "Not Found")
            if body_problem is not None:
                raise bad_request(body_problem)
            late = 0.0
            match self._next_fault(method):
                case BrokenAnswer(http_status):
                    return _error_page(http_status), None
                case Stall(seconds):
                    await asyncio.sleep(seconds)
                case LateAnswer(seconds):
                    late = seconds
                case ZaloApiError() as error:
                    raise error
            if method in COUNTED:
                retry_after = self._flood.retry_after(chat_id_of(params), arrived, waited)
                if retry_after is not None:
                    raise ZaloApiError(429, "Quota exceeded", retry_after)
            result = await handler(params)
            await asyncio.sleep(late)
        except ZaloApiError as error:
            status = 200 if self.errors_with_http_200 else error.error_code
            return web.json_response(error.body(), status=status), error.error_code
        body = {"ok": True} if result is None else {"ok": True, "result": result}
        return web.json_response(body), None

    def _next_fault(self, method: str) -> Fault | None:
        faults = self._faults.get(method)
        return faults.popleft() if faults else None

    def _record(
        self,
        arrived: float,
        method: str,
        params: Params,
        chat_id: str | None,
        status: int,
        error_code: int | None,
    ) -> None:
        self.requests.append(
            RecordedZaloRequest(arrived, method, params, chat_id, status, error_code)
        )


async def _read_params(request: web.Request) -> tuple[Params, str | None]:
    """The call's parameters, or why the body holds none: a JSON object in the body, or the
    query string when the body is empty (the documentation's curl examples use GET)."""
    raw = await request.read()
    if not raw.strip():
        return dict(request.query), None
    try:
        params = json.loads(raw)
    except ValueError:
        return {}, "the body is not JSON"
    if not isinstance(params, dict):
        return {}, "the body is not a JSON object"
    return params, None


def _error_page(http_status: int) -> web.Response:
    return web.Response(
        status=http_status,
        text=f"<html><body><h1>{http_status}</h1></body></html>",
        content_type="text/html",
    )


async def _add_edge_server_headers(request: web.Request, response: web.StreamResponse) -> None:
    response.headers.popall("Server", None)
    for value in EDGE_SERVER_HEADERS:
        response.headers.add("Server", value)
