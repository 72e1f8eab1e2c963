"""A fake Telegram Bot API server for tests: real HTTP on 127.0.0.1, so the real
python-telegram-bot Bot/Application runs unmodified against it.

Replies are {"ok": true, "result": ...} or {"ok": false, "error_code": ..., "description":
...[, "parameters": {"retry_after": N}]}, which PTB turns into BadRequest, Forbidden,
RetryAfter... Only private chats with FakeUsers exist, and only the methods in methods.py are
served; any other method answers 404 Not Found, as Telegram does for a method it does not know.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable
from itertools import repeat
from typing import Any, NamedTuple

from aiohttp import web

from ..waiting import EVENT_CEILING
from .chat import FakeUser
from .errors import ApiError
from .files import FileStore, StoredFile
from .lateness import LoopLateness
from .limits import FloodControl
from .methods import BotApiMethods, Handler
from .server import LocalServer
from .updates import UpdateQueue
from .webhook import WebhookPusher
from .wire import Params, chat_id_of, read_params

RATE_LIMITED = frozenset(
    {"sendMessage", "editMessageText", "editMessageReplyMarkup", "sendPhoto", "sendDocument"}
)
"""Calls that count against flood limits: the ones that put something in front of a user."""

BLOCKED = "Forbidden: bot was blocked by the user"
NEVER_STARTED = "Forbidden: bot can't initiate conversation with a user"
MAX_UPLOAD_BYTES = 50 * 1024 * 1024


class Hold:
    """Sends to one chat, or to every chat, caught in flight: each waits, undelivered, until the
    test drops it (as if the bot had died mid-request: the message never reached the user)."""

    def __init__(self) -> None:
        self.held = 0
        self._arrived = asyncio.Event()
        self._dropped = asyncio.Event()

    async def arrived(self) -> None:
        """Waits until a send is being held."""
        await asyncio.wait_for(self._arrived.wait(), EVENT_CEILING)

    def drop(self) -> None:
        """Ends the hold: the held sends fail without reaching the user; later ones go through."""
        self._dropped.set()

    async def catch(self) -> None:
        self.held += 1
        self._arrived.set()
        await self._dropped.wait()
        raise ApiError(502, "Bad Gateway")


class RecordedRequest(NamedTuple):
    time: float
    """When the request arrived, on the server's clock (time.monotonic unless replaced)."""
    method: str
    params: Params
    chat_id: int | None
    status: int
    late: float = 0.0
    """How long before `time` it may have been sent, the machine running late (harness/fakes/lateness.py)."""


class FakeBotApi(LocalServer):
    """The server plus the test's handle on the fake Telegram world behind it.

    `async with FakeBotApi() as api:` serves until the block ends; point PTB at it with
    `.base_url(api.base_url).base_file_url(api.base_file_url)`.
    """

    def __init__(
        self,
        token: str = "123:ABC",
        *,
        bot_username: str = "fake_test_bot",
        bot_first_name: str = "Fake Bot",
        global_rate: float | None = None,
        per_chat_rate: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """`global_rate`/`per_chat_rate` (calls a second) switch on flood limits; `clock` times
        requests and flood windows, and a fake one lets a test step through windows."""
        self.token = token
        self.bot_user: dict[str, Any] = {
            "id": int(token.split(":", 1)[0]),
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
        }
        self.users: dict[int, FakeUser] = {}
        self.requests: list[RecordedRequest] = []
        """Every request served, in the order the responses were produced; file downloads
        appear as method "downloadFile"."""
        self._clock = clock
        self._lateness = LoopLateness()
        self._files = FileStore()
        self._updates = UpdateQueue(on_progress=self._touch)
        self._flood = FloodControl(global_rate, per_chat_rate)
        self._faults: dict[str, deque[ApiError]] = {}
        self._holds: dict[int | None, Hold] = {}
        self._late: dict[tuple[int, str], float] = {}
        self.webhook = WebhookPusher(self._updates)
        """Where updates go while the bot has a webhook set, and every delivery attempt."""
        self._methods = BotApiMethods(self.bot_user, self.users, self._files, self._updates, self.webhook)
        # Telegram matches method names case-insensitively.
        self._handlers = {
            name.lower(): (name, handler) for name, handler in self._methods.handlers().items()
        }
        self._runner: web.AppRunner | None = None
        self._site: web.TCPSite | None = None
        self._port: int | None = None

    # --- lifecycle -------------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application(client_max_size=MAX_UPLOAD_BYTES)
        app.router.add_route("*", "/bot{token}/{method}", self._serve_call)
        app.router.add_get("/file/bot{token}/{file_path:.+}", self._serve_download)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        self._site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await self._site.start()
        self._port = self._runner.addresses[0][1]
        if self._clock is time.monotonic:  # a stepped clock is never late
            self._lateness.start()

    async def refuse_connections(self) -> None:
        """Stops listening and closes the connections open now: every call is refused before a
        byte of it is sent, as when the Bot API cannot be reached. State is kept."""
        assert self._runner is not None and self._site is not None and self._runner.server is not None
        await self._site.stop()
        await self._runner.server.shutdown(0.1)

    async def accept_connections(self) -> None:
        """Listens again, on the same port."""
        assert self._runner is not None
        self._site = web.TCPSite(self._runner, "127.0.0.1", self._port)
        await self._site.start()

    async def stop(self) -> None:
        self.webhook.stop()
        self._updates.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        await self._lateness.stop()

    @property
    def base_url(self) -> str:
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        return f"{self.url}/file/bot"

    # --- the test's controls ---------------------------------------------------------------

    def user(self, user_id: int, first_name: str = "Test", language_code: str = "vi") -> FakeUser:
        """The user with this id, created on first use (later calls ignore the other args)."""
        if user_id not in self.users:
            self.users[user_id] = FakeUser(
                user_id,
                first_name,
                language_code,
                bot_user=self.bot_user,
                updates=self._updates,
                files=self._files,
            )
        return self.users[user_id]

    def file(self, file_id: str) -> StoredFile | None:
        """A file the bot sent (sendDocument, sendPhoto), as the fake keeps it."""
        return self._files.by_id(file_id)

    def redeliver(self, update_id: int) -> None:
        """Hand an already confirmed update to the bot again, with the same update_id."""
        self._updates.redeliver(update_id)

    @property
    def pending_updates(self) -> int:
        """Updates not yet confirmed by the bot."""
        return self._updates.pending

    @property
    def confirmed_offset(self) -> int:
        """The highest offset the bot has sent: all updates below it are confirmed."""
        return self._updates.confirmed_offset

    @property
    def violations(self) -> int:
        """Calls refused with 429 by the flood limits (injected faults are not counted)."""
        return self._flood.violations

    @property
    def commands(self) -> dict[tuple[str, str], list[dict[str, str]]]:
        """setMyCommands lists by (scope, language_code); scope reads "default",
        "all_private_chats", "chat:<id>", "chat_member:<chat id>:<user id>"..."""
        return self._methods.commands

    def fail_next(
        self,
        method: str,
        status: int,
        description: str,
        retry_after: int | None = None,
        times: int = 1,
    ) -> None:
        """Answer the next `times` calls of `method` with this error instead of serving them."""
        if method.lower() not in self._handlers:
            raise ValueError(f"the fake Bot API does not serve {method!r}")
        name = self._handlers[method.lower()][0]
        error = ApiError(status, description, retry_after)
        self._faults.setdefault(name, deque()).extend(repeat(error, times))

    def hold_sends(self, user_id: int | None = None) -> Hold:
        """Catches the next sendMessage calls to this user's chat, or to every chat, in flight (see Hold)."""
        hold = self._holds[user_id] = Hold()
        return hold

    def answer_late(self, user_id: int, after: float, method: str = "sendMessage") -> None:
        """The next `method` call for this user's chat is carried out at once but answered
        `after` seconds later: a client that stops waiting sooner cannot know it landed."""
        self._late[user_id, self._handlers[method.lower()][0]] = after

    def block(self, user_id: int) -> None:
        """The user blocked the bot: calls for their chat get 403 until they write again."""
        self.users[user_id].forbidden = BLOCKED

    def never_started(self, user_id: int) -> None:
        """The user never pressed Start: calls for their chat get 403 until they write."""
        self.users[user_id].forbidden = NEVER_STARTED

    # --- HTTP --------------------------------------------------------------------------------

    async def _serve_call(self, request: web.Request) -> web.Response:
        arrived, waited = self._clock(), self._lateness.now()
        known = self._handlers.get(request.match_info["method"].lower())
        method = known[0] if known else request.match_info["method"]
        params = await read_params(request)
        chat_id = chat_id_of(params)
        try:
            if request.match_info["token"] != self.token:
                raise ApiError(401, "Unauthorized")
            if known is None:
                raise ApiError(404, "Not Found")
            result = await self._admit_and_run(method, known[1], params, chat_id, arrived, waited)
            status, body = 200, {"ok": True, "result": result}
        except ApiError as error:
            status, body = error.status, error.body()
        self.requests.append(RecordedRequest(arrived, method, params, chat_id, status, waited))
        return web.json_response(body, status=status)

    async def _serve_download(self, request: web.Request) -> web.Response:
        arrived = self._clock()
        path = request.match_info["file_path"]
        valid_token = request.match_info["token"] == self.token
        stored = self._files.by_path(path) if valid_token else None
        status = 200 if stored else 404
        self.requests.append(
            RecordedRequest(arrived, "downloadFile", {"file_path": path}, None, status)
        )
        if stored is None:
            return web.json_response(ApiError(404, "Not Found").body(), status=404)
        return web.Response(
            body=stored.data, content_type=stored.mime_type or "application/octet-stream"
        )

    async def _admit_and_run(
        self, method: str, handler: Handler, params: Params, chat_id: int | None, arrived: float, waited: float
    ) -> Any:
        faults = self._faults.get(method)
        if faults:
            raise faults.popleft()
        held = chat_id if chat_id in self._holds else None
        if chat_id is not None and method == "sendMessage" and (hold := self._holds.get(held)) is not None:
            try:
                await hold.catch()
            finally:
                self._holds.pop(held, None)
        if method in RATE_LIMITED:
            retry_after = self._flood.retry_after(chat_id, arrived, waited)
            if retry_after is not None:
                raise ApiError(429, f"Too Many Requests: retry after {retry_after}", retry_after)
        if chat_id is not None:
            self._touch(chat_id)
        result = await handler(params)
        late = self._late.pop((chat_id, method), None) if chat_id is not None else None
        if late is not None:
            await asyncio.sleep(late)
        return result

    def _touch(self, user_id: int) -> None:
        if user_id in self.users:
            self.users[user_id].touch()
