"""A fake Zalo Official Account for end-to-end tests: the OA Open API, the OAuth v4 token endpoint
and ZNS on one real HTTP server on 127.0.0.1, plus the users in front of the OA, whose actions
reach the bot as signed webhook events (zalo_oa_push.py, zalo_oa_user.py).

Endpoints, all answering HTTP 200 with JSON:
- POST /v3.0/oa/message/cs (header `access_token`): a consultation message. Checked in this
  order: the token (-216 missing, unknown or revoked; -220 expired), the rate limit (-32), the
  recipient (-201 unknown id, -213 not a follower), a refusal the test asked for
  (`refuse_sends`: -305, -311, -211, -218...), Zalo's 7-day window since the user's last
  interaction (-230), the night (-234), the message itself (zalo_oa_wire.py). A send can be
  performed and then answered late or with a 502 (`answer_late`, `fail_after_sending`), as a
  platform that acted but whose answer never reached the bot.
- POST /v2.0/oa/upload/file and /v2.0/oa/upload/image (multipart field `file`): PDF, DOC or DOCX
  up to 5 MB for a `token`; JPG, PNG or GIF up to 1 MB for an `attachment_id`. The type is the
  name's extension, or the part's content type when the name has none. The name is kept as the
  multipart header carried it, not decoded (what Zalo would show), and recorded in `requests`
  as {"file": {"name", ...}}. A wrong type answers
  -201, too large -210 (Zalo's "parameter exceeds allowable limit"; no upload-specific code
  was found). The bytes are kept and served at /media/..., as Zalo's CDN would.
- POST /v4/oa/access_token (form app_id, refresh_token, grant_type=refresh_token; header
  `secret_key`): a new pair, `expires_in` a string of seconds; a refresh token spent twice cuts
  the OA off until authorize() — what the bot's token keeper exists to avoid (zalo_oa_tokens.py).
- POST /message/template (ZNS, header `access_token`): -124 for any token problem (expired
  too), -32, then the phone ("84" and 9 digits; Zalo also takes 0xxx, the fake does not, so
  the bot must send the international form), the template id, its data (exactly the
  template's parameters, all strings).

Times come from `clock` (seconds since the epoch): token expiry, the 7-day window and event
timestamps, which the bot compares with its own clock, so a clock far from now gets events
refused as stale. Error codes and their sources are in zalo_oa_wire.py.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from collections.abc import Callable, Container
from typing import Any, NamedTuple

from aiohttp import web

from .server import LocalServer
from .zalo_oa_push import OaWebhookPusher, PushAttempt
from .zalo_oa_tokens import OaTokens, RecordedRefresh
from .zalo_oa_uploads import BODY_LIMIT, UPLOAD_KEY, UPLOADS, of_type, picture_type
from .zalo_oa_user import DAY, FakeOaUser, new_msg_id, new_user_id
from .zalo_oa_wire import (
    NIGHT,
    NOT_FOLLOWER,
    OUTSIDE_WINDOW,
    OVER_LIMIT,
    RATE_LIMITED,
    OaRefusal,
    Upload,
    invalid,
    read_message,
    refusal,
)
from .zalo_oa_zns import check_zns, quota_after

__all__ = ["FakeOaUser", "FakeZaloOa", "PushAttempt", "RecordedOaRequest", "RecordedRefresh"]

WINDOW = 7 * DAY
"""How long after a user's last interaction the OA may still send consultation messages."""



class RecordedOaRequest(NamedTuple):
    time: float
    path: str
    body: dict[str, Any]
    """The JSON body, the form fields, or for an upload {"file": {"name", "content_type", "size"}}."""
    user_id: str | None
    """The recipient of a /message/cs call."""
    error: int
    """0 for success."""


class FakeZaloOa(LocalServer):
    """The server plus the test's handle on the Zalo world behind it.

    `async with FakeZaloOa() as zalo:` serves until the block ends; point the bot's Open API,
    OAuth and ZNS base URLs at `zalo.url`, its webhook settings at `app_id`/`oa_secret_key`,
    set `zalo.webhook_urls` to the bot's webhook, and hand the bot `zalo.authorize()`'s pair.
    """

    def __init__(
        self,
        *,
        app_id: str = "3500000000000000001",
        app_secret: str = "fake-app-secret",
        oa_secret_key: str = "fake-oa-secret-key",
        oa_id: str = "4300000000000000001",
        access_token_seconds: int = 90000,
        zns_templates: dict[str, tuple[str, ...]] | None = None,
        echo_own_messages: bool = True,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """`zns_templates` maps each approved template id to its parameter names;
        `echo_own_messages` pushes an `oa_send_*` event for every accepted send, as Zalo does."""
        self.app_id = app_id
        self.app_secret = app_secret
        self.oa_secret_key = oa_secret_key
        self.oa_id = oa_id
        self.zns_templates = dict(zns_templates or {})
        self.echo_own_messages = echo_own_messages
        self._clock = clock
        self.users: dict[str, FakeOaUser] = {}
        self.requests: list[RecordedOaRequest] = []
        self.zns_sent: list[dict[str, Any]] = []
        self.night = False
        """While True, /message/cs answers -234."""
        self.tokens = OaTokens(app_id, app_secret, access_token_seconds, clock)
        self._rate_limited = 0
        self._refusals: list[int] = []
        self._after_sending: list[float | int] = []
        """For each of the next sends performed: seconds to wait before answering (a float),
        or an HTTP status to answer instead of the result (an int)."""
        self._uploads: dict[str, dict[str, Upload]] = {"file": {}, "image": {}}
        self._media: dict[str, tuple[bytes, str]] = {}
        self._pusher = OaWebhookPusher(app_id, oa_secret_key)
        self._runner: web.AppRunner | None = None
        self._port: int | None = None

    # --- lifecycle -------------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application(client_max_size=BODY_LIMIT)
        app.router.add_post("/v3.0/oa/message/cs", self._send)
        app.router.add_post("/v2.0/oa/upload/{kind:file|image}", self._upload)
        app.router.add_post("/v4/oa/access_token", self._oauth)
        app.router.add_post("/message/template", self._zns)
        app.router.add_get("/v3.0/oa/user/detail", self._user_detail)
        app.router.add_get("/media/{name}", self._serve_media)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self._port = self._runner.addresses[0][1]
        await self._pusher.start()

    async def stop(self) -> None:
        await self._pusher.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # --- the test's controls ---------------------------------------------------------------

    def authorize(self) -> tuple[str, str]:
        """A fresh (access_token, refresh_token), as the OA's admin gets it by authorising the
        app; it ends a cut-off."""
        return self.tokens.authorize()

    def expire_access_tokens(self) -> None:
        """Every access token issued so far is now expired."""
        self.tokens.expire_access_tokens()

    @property
    def cut_off(self) -> bool:
        """A refresh token was spent twice: every token is revoked until authorize()."""
        return self.tokens.cut_off

    @property
    def refreshes(self) -> list[RecordedRefresh]:
        return self.tokens.refreshes

    def rate_limit_next(self, n: int) -> None:
        """The next `n` API calls that pass the token check answer -32."""
        self._rate_limited += n

    def refuse_sends(self, code: int, n: int = 1) -> None:
        """The next `n` /message/cs calls from a follower answer `code` (a zalo_oa_wire code)."""
        self._refusals += [code] * n

    def answer_late(self, seconds: float) -> None:
        """The next send is performed, and answered only `seconds` later."""
        self._after_sending.append(seconds)

    def fail_after_sending(self, status: int = 502) -> None:
        """The next send is performed, and answered with this HTTP status and no JSON."""
        self._after_sending.append(status)

    def user(self, user_id: str | None = None, display_name: str = "Nguyễn Văn An") -> FakeOaUser:
        """The user with this id (a new id when None), created on first use, not yet a follower;
        later calls ignore `display_name`."""
        user_id = user_id or _unused(new_user_id, self.users)
        if user_id not in self.users:
            by_app = _unused(new_user_id, {user.user_id_by_app for user in self.users.values()})
            self.users[user_id] = FakeOaUser(user_id, by_app, display_name, self)
        return self.users[user_id]

    def sent_to(self, user_id: str) -> list[dict[str, Any]]:
        """What the OA sent this user, oldest first."""
        return self.users[user_id].messages

    @property
    def webhook_urls(self) -> list[str]:
        """Where events are pushed, round-robin per event."""
        return self._pusher.urls

    @webhook_urls.setter
    def webhook_urls(self, urls: list[str]) -> None:
        self._pusher.urls = urls

    @property
    def push_attempts(self) -> list[PushAttempt]:
        return self._pusher.attempts

    async def idle(self) -> None:
        """Until every event queued so far has been pushed, or given up."""
        await self._pusher.idle()

    async def push_raw(self, body: bytes, headers: dict[str, str]) -> int:
        """POST these bytes to the first webhook URL, as a forger would; the status, or 0."""
        return await self._pusher.post(self.webhook_urls[0], body, headers)

    def sign(self, body: bytes, timestamp: str) -> str:
        """The hex digest Zalo puts after "mac=" in X-ZEvent-Signature."""
        return self._pusher.sign(body, timestamp)

    # --- what users do through the fake (zalo_oa_user.Zalo) ---------------------------------

    def now(self) -> float:
        return self._clock()

    def host_media(self, data: bytes, content_type: str | None = None) -> str:
        """Serve `data` where Zalo's CDN would; its type guessed from the bytes when not given."""
        name = secrets.token_hex(12)
        self._media[name] = (data, content_type or picture_type(data))
        return f"{self.url}/media/{name}"

    def emit(self, event_id: str, payload: dict[str, Any]) -> None:
        """Queue a webhook event, stamped now in milliseconds (a string) and with the app id."""
        self._pusher.queue(event_id, {"app_id": self.app_id, **payload, "timestamp": str(int(self._clock() * 1000))})

    def redeliver(self, event_id: str) -> None:
        """Push an event already pushed once more, byte for byte (Zalo after an outage)."""
        self._pusher.redeliver(event_id)

    @property
    def timestamp_header(self) -> bool:
        """Whether pushes carry the signed timestamp in X-ZEvent-Timestamp too."""
        return self._pusher.timestamp_header

    @timestamp_header.setter
    def timestamp_header(self, on: bool) -> None:
        self._pusher.timestamp_header = on

    # --- OAuth -------------------------------------------------------------------------------

    async def _oauth(self, request: web.Request) -> web.Response:
        arrived = self._clock()
        form = {key: str(value) for key, value in (await request.post()).items()}
        answer = self.tokens.refresh(request.headers.get("secret_key", ""), form, arrived)
        self.requests.append(RecordedOaRequest(arrived, request.path, form, None, answer.get("error", 0)))
        return web.json_response(answer)

    # --- the Open API and ZNS ----------------------------------------------------------------

    async def _send(self, request: web.Request) -> web.Response:
        body = await _json_body(request)
        recipient = body.get("recipient") if body else None
        user_id = recipient.get("user_id") if isinstance(recipient, dict) else None
        user_id = user_id if isinstance(user_id, str) else None

        def send() -> dict[str, Any]:
            user = self.users.get(user_id or "")
            if body is None or user is None:
                raise invalid("body" if body is None else "user_id")
            if not user.follower:
                raise refusal(NOT_FOLLOWER)
            if self._refusals:
                raise refusal(self._refusals.pop(0))
            if self._clock() - user.last_interaction > WINDOW:
                raise refusal(OUTSIDE_WINDOW)
            if self.night:
                raise refusal(NIGHT)
            sent = read_message(body.get("message"), self._uploads["file"], self._uploads["image"])
            message_id = new_msg_id()
            user.deliver({**sent.shown(body["message"]), "message_id": message_id})
            if self.echo_own_messages:
                name, fields = sent.echo()
                echo = {
                    "event_name": name,
                    "sender": {"id": self.oa_id},
                    "recipient": {"id": user.user_id},
                    "message": {"msg_id": message_id, **fields},
                    "user_id_by_app": user.user_id_by_app,
                }
                self.emit(message_id, echo)
            return {"message_id": message_id, "user_id": user.user_id}

        answer = self._serve(request, body or {}, send, user_id=user_id)
        if not self._after_sending or self.requests[-1].error:
            return answer
        after = self._after_sending.pop(0)
        if isinstance(after, int):
            return web.Response(status=after, text="Bad Gateway")
        await asyncio.sleep(after)
        return answer

    async def _upload(self, request: web.Request) -> web.Response:
        kind = request.match_info["kind"]
        part = (await request.post()).get("file")
        upload = part if isinstance(part, web.FileField) else None
        data = upload.file.read() if upload else b""
        recorded = {"file": {"name": upload.filename, "content_type": upload.content_type, "size": len(data)}} if upload else {}

        def store() -> dict[str, Any]:
            limit, extensions, types = UPLOADS[kind]
            if upload is None or not of_type(upload.filename, upload.content_type, extensions, types):
                raise invalid("file")
            if len(data) > limit:
                raise refusal(OVER_LIMIT)
            key = secrets.token_urlsafe(24)
            url = self.host_media(data, upload.content_type)
            self._uploads[kind][key] = Upload(upload.filename, data, upload.content_type, url)
            return {UPLOAD_KEY[kind]: key}

        return self._serve(request, recorded, store)

    async def _user_detail(self, request: web.Request) -> web.Response:
        """A follower's profile: `?data={"user_id": …}`, as Zalo takes the query."""
        try:
            query = json.loads(request.query.get("data", ""))
        except ValueError:
            query = None
        user_id = query.get("user_id") if isinstance(query, dict) else None
        user_id = user_id if isinstance(user_id, str) else None

        def detail() -> dict[str, Any]:
            user = self.users.get(user_id or "")
            if user is None:
                raise invalid("user_id")
            return {"user_id": user.user_id, "user_id_by_app": user.user_id_by_app, "display_name": user.display_name, "user_is_follower": user.follower}

        return self._serve(request, query if isinstance(query, dict) else {}, detail, user_id=user_id)

    async def _zns(self, request: web.Request) -> web.Response:
        body = await _json_body(request) or {}

        def send() -> dict[str, Any]:
            check_zns(body, self.zns_templates)
            self.zns_sent.append(body)
            return {"msg_id": secrets.token_hex(10), "sent_time": str(int(self._clock() * 1000)), "quota": quota_after(len(self.zns_sent))}

        return self._serve(request, body, send, zns=True)

    def _serve(
        self,
        request: web.Request,
        body: dict[str, Any],
        act: Callable[[], dict[str, Any]],
        *,
        user_id: str | None = None,
        zns: bool = False,
    ) -> web.Response:
        """Check the token and the rate limit, then `act`; answer and record the call."""
        arrived = self._clock()
        answer: dict[str, Any]
        try:
            self.tokens.check(request.headers.get("access_token", ""), zns)
            if self._rate_limited:
                self._rate_limited -= 1
                raise refusal(RATE_LIMITED)
            answer = {"error": 0, "message": "Success", "data": act()}
        except OaRefusal as error:
            answer = {"error": error.code, "message": error.message}
        self.requests.append(RecordedOaRequest(arrived, request.path, body, user_id, answer["error"]))
        return web.json_response(answer)

    async def _serve_media(self, request: web.Request) -> web.Response:
        media = self._media.get(request.match_info["name"])
        if media is None:
            return web.Response(status=404)
        data, content_type = media
        return web.Response(body=data, content_type=content_type)


async def _json_body(request: web.Request) -> dict[str, Any] | None:
    try:
        body = json.loads(await request.read())
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def _unused(make: Callable[[], str], taken: Container[str]) -> str:
    value = make()
    while value in taken:
        value = make()
    return value
