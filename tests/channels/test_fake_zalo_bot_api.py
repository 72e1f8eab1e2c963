"""The fake Zalo Bot API behaves like Zalo's as far as a plain HTTP client can tell."""

from __future__ import annotations

import asyncio
import os
import sys
import time
from collections import deque
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from harness.fakes.zalo_bot_api import CLIENT_GONE, FakeZaloBotApi
from harness.fakes.zalo_webhook import SECRET_HEADER, PushAttempt
from harness.waiting import EVENT_CEILING, eventually

TOKEN = "1234567890:test-zalo-secret"
SECRET = "s3cret-webhook-token"


class StepClock:
    """A server clock the test moves by hand, to cross flood windows without sleeping."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Receiver:
    """The bot's webhook endpoint: records each push and answers the queued statuses, then 200."""

    def __init__(self) -> None:
        self.pushes: list[tuple[str, Any]] = []
        """(the secret header, the JSON body) of every push received."""
        self.statuses: deque[int] = deque()
        self.url = ""

    async def handle(self, request: web.Request) -> web.Response:
        self.pushes.append((request.headers.get(SECRET_HEADER, ""), await request.json()))
        return web.Response(status=self.statuses.popleft() if self.statuses else 200)


@pytest.fixture
async def api() -> AsyncIterator[FakeZaloBotApi]:
    async with FakeZaloBotApi(token=TOKEN) as server:
        yield server


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client:
        yield client


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    endpoint = Receiver()
    app = web.Application()
    app.router.add_post("/zalo", endpoint.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    endpoint.url = f"http://127.0.0.1:{runner.addresses[0][1]}/zalo"
    yield endpoint
    await runner.cleanup()


async def call(
    session: aiohttp.ClientSession,
    api: FakeZaloBotApi,
    method: str,
    params: dict[str, Any] | None = None,
    token: str = TOKEN,
) -> tuple[int, dict[str, Any]]:
    async with session.post(f"{api.base_url}{token}/{method}", json=params or {}) as response:
        return response.status, await response.json()


async def test_get_me_describes_the_bot(
    api: FakeZaloBotApi, session: aiohttp.ClientSession
) -> None:
    status, body = await call(session, api, "getMe")

    assert status == 200
    assert body["result"] == {
        "id": "1234567890",
        "account_name": "bot.1234567890",
        "account_type": "BASIC",
        "can_join_groups": False,
        "display_name": "Bot Báo Cáo",
    }


async def test_each_get_updates_hands_out_one_event_and_it_is_gone(
    api: FakeZaloBotApi, session: aiohttp.ClientSession
) -> None:
    user = api.user("u-123", display_name="Nguyễn Văn An")
    first = user.send_text("xin chào")
    second = user.send_text("báo cáo")

    _, one = await call(session, api, "getUpdates", {"timeout": "1"})
    _, two = await call(session, api, "getUpdates", {"timeout": 1})
    status, none = await call(session, api, "getUpdates", {"timeout": 0.1})

    event = one["result"]
    assert event["event_name"] == "message.text.received"
    message = event["message"]
    assert (message["message_id"], message["text"]) == (first, "xin chào")
    assert message["from"] == {"id": "u-123", "display_name": "Nguyễn Văn An", "is_bot": False}
    assert message["chat"] == {"id": "u-123", "chat_type": "PRIVATE"}
    assert abs(message["date"] - time.time() * 1000) < 60_000
    assert two["result"]["message"]["message_id"] == second
    assert status == 408
    assert none == {"ok": False, "error_code": 408, "description": "Request timeout"}
    assert api.pending_updates == 0


async def test_an_idle_long_poll_waits_its_timeout_and_wakes_for_a_new_event(
    api: FakeZaloBotApi, session: aiohttp.ClientSession
) -> None:
    started = time.monotonic()
    status, _ = await call(session, api, "getUpdates", {"timeout": 0.3})
    idle = time.monotonic() - started

    poll = asyncio.create_task(call(session, api, "getUpdates", {"timeout": 5}))
    await asyncio.sleep(0.1)
    api.user("u-1").send_text("đây")
    woken_status, woken = await asyncio.wait_for(poll, 1.0)

    assert status == 408 and 0.3 <= idle < 1.0
    assert api.requests[0].error_code == 408
    assert (woken_status, woken["result"]["message"]["text"]) == (200, "đây")


async def test_send_message_takes_1_to_2000_characters(
    api: FakeZaloBotApi, session: aiohttp.ClientSession
) -> None:
    user = api.user("u-1")

    empty, _ = await call(session, api, "sendMessage", {"chat_id": "u-1", "text": ""})
    too_long, refusal = await call(
        session, api, "sendMessage", {"chat_id": "u-1", "text": "x" * 2001}
    )
    longest, sent = await call(session, api, "sendMessage", {"chat_id": "u-1", "text": "x" * 2000})

    assert (empty, too_long, longest) == (400, 400, 200)
    assert refusal["ok"] is False and refusal["error_code"] == 400
    assert isinstance(sent["result"]["message_id"], str) and sent["result"]["date"] > 10**12
    assert [len(message["text"]) for message in user.messages] == [2000]
    assert await user.wait_for_message(timeout=0.1) is user.messages[0]
    assert [(r.method, r.chat_id, r.status, r.error_code) for r in api.requests] == [
        ("sendMessage", "u-1", 400, 400),
        ("sendMessage", "u-1", 400, 400),
        ("sendMessage", "u-1", 200, None),
    ]


async def test_photos_stickers_and_typing_follow_zalos_rules(
    api: FakeZaloBotApi, session: aiohttp.ClientSession
) -> None:
    user = api.user("u-1")
    photo = {"chat_id": "u-1", "photo": "https://example.com/chart.png"}

    assert (await call(session, api, "sendPhoto", {**photo, "caption": "Biểu đồ"}))[0] == 200
    assert (await call(session, api, "sendPhoto", {**photo, "caption": "x" * 2001}))[0] == 400
    assert (await call(session, api, "sendPhoto", {**photo, "photo": "chart.png"}))[0] == 400
    assert (await call(session, api, "sendSticker", {"chat_id": "u-1", "sticker": "s1"}))[0] == 200
    typing = await call(session, api, "sendChatAction", {"chat_id": "u-1", "action": "typing"})
    upload = await call(
        session, api, "sendChatAction", {"chat_id": "u-1", "action": "upload_photo"}
    )

    assert typing == (200, {"ok": True})
    assert upload[0] == 400
    contents = [
        {key: value for key, value in message.items() if key not in ("message_id", "date")}
        for message in user.messages
    ]
    assert contents == [
        {"photo": "https://example.com/chart.png", "caption": "Biểu đồ"},
        {"sticker": "s1"},
    ]


async def test_users_send_images_stickers_voice_and_unsupported_messages(
    api: FakeZaloBotApi, session: aiohttp.ClientSession
) -> None:
    user = api.user("u-1")
    user.send_image("https://cdn.example/p.jpg", caption="hoá đơn")
    user.send_sticker()
    user.send_voice()
    user.send_unsupported()

    answers = [await call(session, api, "getUpdates", {"timeout": 1}) for _ in range(4)]

    events = [body["result"] for _, body in answers]
    assert [event["event_name"] for event in events] == [
        "message.image.received",
        "message.sticker.received",
        "message.voice.received",
        "message.unsupported.received",
    ]
    image, sticker, voice, unsupported = (event["message"] for event in events)
    assert (image["photo_url"], image["caption"]) == ("https://cdn.example/p.jpg", "hoá đơn")
    assert sticker["sticker"] and sticker["url"].startswith("https://")
    assert voice["voice_url"].endswith(".aac")
    assert set(unsupported) == {"message_id", "date", "from", "chat"}


async def test_unknown_methods_wrong_tokens_and_bodies_that_are_not_json_are_refused(
    api: FakeZaloBotApi, session: aiohttp.ClientSession
) -> None:
    unknown = await call(session, api, "editMessageText")
    wrong_token = await call(session, api, "getMe", token="1234567890:wrong")
    async with session.post(f"{api.base_url}{TOKEN}/getMe", data=b"chat_id=u-1") as response:
        not_json = response.status, await response.json()

    assert unknown == (404, {"ok": False, "error_code": 404, "description": "Not Found"})
    assert wrong_token == (401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
    assert not_json[0] == 400 and not_json[1]["error_code"] == 400


async def test_errors_can_come_with_http_200(session: aiohttp.ClientSession) -> None:
    async with FakeZaloBotApi(token=TOKEN, errors_with_http_200=True) as api:
        status, body = await call(session, api, "getMe", token="1234567890:wrong")

        assert (status, body["error_code"]) == (200, 401)
        assert (api.requests[0].status, api.requests[0].error_code) == (200, 401)


async def test_a_webhook_gets_each_event_with_the_secret_and_get_updates_is_refused(
    api: FakeZaloBotApi, session: aiohttp.ClientSession, receiver: Receiver
) -> None:
    short = await call(session, api, "setWebhook", {"url": receiver.url, "secret_token": "7chars!"})
    status, set_body = await call(
        session, api, "setWebhook", {"url": receiver.url, "secret_token": SECRET}
    )
    message_id = api.user("u-1").send_text("qua webhook")
    await eventually(lambda: len(receiver.pushes) == 1, "the push")
    polling, refusal = await call(session, api, "getUpdates", {"timeout": 1})
    _, info = await call(session, api, "getWebhookInfo")

    assert short[0] == 400
    assert status == 200 and set_body["result"]["url"] == receiver.url
    secret, event = receiver.pushes[0]
    assert secret == SECRET
    assert event["event_name"] == "message.text.received"
    assert event["message"]["message_id"] == message_id
    assert api.webhook.attempts == [PushAttempt(message_id, 200)]
    assert polling == 400 and refusal["error_code"] == 400
    assert info["result"]["url"] == receiver.url and info["result"]["updated_at"] > 10**12


async def test_a_refused_push_is_tried_again(
    api: FakeZaloBotApi, session: aiohttp.ClientSession, receiver: Receiver
) -> None:
    receiver.statuses.extend([500, 503])
    await call(session, api, "setWebhook", {"url": receiver.url, "secret_token": SECRET})
    message_id = api.user("u-1").send_text("thử lại")

    await eventually(lambda: len(receiver.pushes) == 3, "three pushes")

    assert [attempt.status for attempt in api.webhook.attempts] == [500, 503, 200]
    assert {attempt.message_id for attempt in api.webhook.attempts} == {message_id}


async def test_delete_webhook_brings_polling_back(
    api: FakeZaloBotApi, session: aiohttp.ClientSession, receiver: Receiver
) -> None:
    await call(session, api, "setWebhook", {"url": receiver.url, "secret_token": SECRET})
    _, deleted = await call(session, api, "deleteWebhook")
    api.user("u-1").send_text("lại polling")

    status, body = await call(session, api, "getUpdates", {"timeout": 1})

    assert deleted["result"]["url"] == ""
    assert (status, body["result"]["message"]["text"]) == (200, "lại polling")
    assert receiver.pushes == []


async def test_events_come_bare_or_wrapped_in_the_ok_result_envelope(
    api: FakeZaloBotApi, session: aiohttp.ClientSession, receiver: Receiver
) -> None:
    await call(session, api, "setWebhook", {"url": receiver.url, "secret_token": SECRET})
    api.user("bare").send_text("một")
    api.user("wrapped", wrap_in_envelope=True).send_text("hai")

    await eventually(lambda: len(receiver.pushes) == 2, "two pushes")

    bare, wrapped = (body for _, body in receiver.pushes)
    assert bare["message"]["text"] == "một" and "ok" not in bare
    assert wrapped["ok"] is True and wrapped["result"]["message"]["text"] == "hai"


async def test_redeliver_hands_out_the_same_event_again(
    api: FakeZaloBotApi, session: aiohttp.ClientSession
) -> None:
    message_id = api.user("u-1").send_text("một lần thôi")
    _, first = await call(session, api, "getUpdates", {"timeout": 1})

    api.redeliver(message_id)
    _, again = await call(session, api, "getUpdates", {"timeout": 1})

    assert again["result"] == first["result"]


async def test_a_blocked_user_refuses_sends_until_writing_again(
    api: FakeZaloBotApi, session: aiohttp.ClientSession
) -> None:
    user = api.user("u-1")
    api.block("u-1")

    blocked, refusal = await call(session, api, "sendMessage", {"chat_id": "u-1", "text": "a"})
    user.send_text("mình bỏ chặn rồi")
    unblocked, _ = await call(session, api, "sendMessage", {"chat_id": "u-1", "text": "b"})
    unknown, missing = await call(session, api, "sendMessage", {"chat_id": "nobody", "text": "c"})

    assert (blocked, refusal["error_code"]) == (403, 403)
    assert unblocked == 200 and [m["text"] for m in user.messages] == ["b"]
    assert (unknown, missing["error_code"]) == (404, 404)


async def test_the_echo_switch_sends_the_bots_own_messages_back(
    api: FakeZaloBotApi, session: aiohttp.ClientSession
) -> None:
    api.user("u-1")
    await call(session, api, "sendMessage", {"chat_id": "u-1", "text": "không vọng lại"})
    api.echo_own_messages = True
    _, sent = await call(session, api, "sendMessage", {"chat_id": "u-1", "text": "vọng lại"})

    _, echo = await call(session, api, "getUpdates", {"timeout": 1})

    message = echo["result"]["message"]
    assert message["message_id"] == sent["result"]["message_id"]
    assert message["from"] == {"id": "1234567890", "display_name": "Bot Báo Cáo", "is_bot": True}
    assert (message["chat"]["id"], message["text"]) == ("u-1", "vọng lại")
    assert api.pending_updates == 0


async def test_every_answer_has_two_server_headers_that_aiohttp_accepts(
    api: FakeZaloBotApi, session: aiohttp.ClientSession
) -> None:
    for method in ("getMe", "noSuchMethod"):
        async with session.post(f"{api.base_url}{TOKEN}/{method}", json={}) as response:
            assert response.headers.getall("Server") == ["nginx", "ZaloEdge"]
            assert "ok" in await response.json()


async def test_strict_aiohttp_refuses_the_duplicate_server_header(api: FakeZaloBotApi) -> None:
    """Under `python -X dev` or PYTHONASYNCIODEBUG, aiohttp's client parses responses strictly
    and turns two Server headers into an error: a bot on aiohttp must not run that way."""
    script = (
        "import asyncio, sys, aiohttp\n"
        "async def main():\n"
        "    async with aiohttp.ClientSession() as session:\n"
        "        async with session.post(sys.argv[1], json={}) as response:\n"
        "            await response.read()\n"
        "try:\n"
        "    asyncio.run(main())\n"
        "except aiohttp.ClientResponseError as error:\n"
        "    print(error.message)\n"
    )
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-c", script, f"{api.base_url}{TOKEN}/getMe",
        env={**os.environ, "PYTHONASYNCIODEBUG": "1"},
        stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    output, _ = await asyncio.wait_for(child.communicate(), EVENT_CEILING)

    assert "Duplicate 'Server' header" in output.decode()


async def test_fail_next_answers_the_next_calls_with_the_error(
    api: FakeZaloBotApi, session: aiohttp.ClientSession
) -> None:
    api.user("u-1")
    api.fail_next("sendMessage", 429, "Quota exceeded", retry_after=3, times=2)
    params = {"chat_id": "u-1", "text": "hi"}

    answers = [await call(session, api, "sendMessage", params) for _ in range(3)]

    assert answers[0] == answers[1] == (
        429,
        {"ok": False, "error_code": 429, "description": "Quota exceeded",
         "parameters": {"retry_after": 3}},
    )  # fmt: skip
    assert answers[2][0] == 200
    assert [r.error_code for r in api.requests] == [429, 429, None]
    with pytest.raises(ValueError, match="does not serve"):
        api.fail_next("editMessageText", 400, "no such method")


async def test_get_updates_can_answer_an_html_error_page(
    api: FakeZaloBotApi, session: aiohttp.ClientSession
) -> None:
    api.break_next("getUpdates", 502)
    api.user("u-1").send_text("chờ")

    async with session.post(f"{api.base_url}{TOKEN}/getUpdates", json={"timeout": 1}) as response:
        broken = response.status, response.content_type
    status, body = await call(session, api, "getUpdates", {"timeout": 1})

    assert broken == (502, "text/html")
    assert (status, body["result"]["message"]["text"]) == (200, "chờ")
    assert [(r.status, r.error_code) for r in api.requests] == [(502, None), (200, None)]


async def test_a_stalled_get_updates_outlasts_the_client_and_loses_no_event(
    api: FakeZaloBotApi, session: aiohttp.ClientSession
) -> None:
    api.stall_next("getUpdates", 5.0)
    api.user("u-1").send_text("đừng mất")

    with pytest.raises(TimeoutError):
        async with session.post(
            f"{api.base_url}{TOKEN}/getUpdates",
            json={"timeout": 1},
            timeout=aiohttp.ClientTimeout(total=0.3),
        ):
            pass
    await eventually(lambda: len(api.requests) == 1, "the request recorded")
    status, body = await call(session, api, "getUpdates", {"timeout": 1})

    assert api.requests[0].status == CLIENT_GONE
    assert (status, body["result"]["message"]["text"]) == (200, "đừng mất")


async def test_flood_limits_refuse_excess_sends_with_429(session: aiohttp.ClientSession) -> None:
    clock = StepClock()
    async with FakeZaloBotApi(token=TOKEN, per_chat_rate=1, clock=clock) as api:
        api.user("u-1")
        params = {"chat_id": "u-1", "text": "nhanh"}

        first, _ = await call(session, api, "sendMessage", params)
        second, refusal = await call(session, api, "sendMessage", params)
        clock.now += 1.0
        third, _ = await call(session, api, "sendMessage", params)

        assert (first, second, third) == (200, 429, 200)
        assert refusal["description"] == "Quota exceeded"
        assert refusal["parameters"]["retry_after"] >= 1
        assert api.violations == 1


async def test_get_webhook_info_can_answer_404_on_a_bot_without_a_webhook(session: aiohttp.ClientSession) -> None:
    async with FakeZaloBotApi(token=TOKEN, webhook_info_404=True) as api:
        none = await call(session, api, "getWebhookInfo")
        await call(session, api, "setWebhook", {"url": "https://example.invalid/hook", "secret_token": SECRET})
        status, body = await call(session, api, "getWebhookInfo")

    assert none == (404, {"ok": False, "error_code": 404, "description": "Not Found"})
    assert (status, body["result"]["url"]) == (200, "https://example.invalid/hook")


async def test_replaying_get_updates_answers_the_last_event_again_at_once(session: aiohttp.ClientSession) -> None:
    async with FakeZaloBotApi(token=TOKEN, replay_consumed=True) as api:
        first = api.user("u-1").send_text("một")
        _, delivered = await call(session, api, "getUpdates", {"timeout": 5})
        started = time.monotonic()
        replays = [await call(session, api, "getUpdates", {"timeout": 5}) for _ in range(3)]
        second = api.user("u-1").send_text("hai")
        _, fresh = await call(session, api, "getUpdates", {"timeout": 5})

    assert delivered["result"]["message"]["message_id"] == first
    assert all(body["result"] == delivered["result"] for _status, body in replays)
    assert time.monotonic() - started < 2  # none of them held the long poll
    assert fresh["result"]["message"]["message_id"] == second


async def test_texts_are_counted_in_utf16_code_units(api: FakeZaloBotApi, session: aiohttp.ClientSession) -> None:
    api.user("u-1")
    fits, _ = await call(session, api, "sendMessage", {"chat_id": "u-1", "text": "👍" * 1000})
    too_long, body = await call(session, api, "sendMessage", {"chat_id": "u-1", "text": "👍" * 1001})

    assert (fits, too_long) == (200, 400)
    assert body["description"] == "Bad Request: text must be 1 to 2000 characters"


async def test_a_refused_token_answers_every_call_401_or_403_until_accepted(
    api: FakeZaloBotApi, session: aiohttp.ClientSession
) -> None:
    api.user("u-1")
    api.refuse_token()
    unauthorized = await call(session, api, "getMe")
    api.refuse_token(403, "Forbidden")
    forbidden = await call(session, api, "sendMessage", {"chat_id": "u-1", "text": "a"})
    api.accept_token()
    status, _ = await call(session, api, "getMe")

    assert unauthorized == (401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
    assert forbidden == (403, {"ok": False, "error_code": 403, "description": "Forbidden"})
    assert status == 200 and api.user("u-1").messages == []


async def test_a_late_answer_delivers_the_send_though_the_client_gave_up(
    api: FakeZaloBotApi, session: aiohttp.ClientSession
) -> None:
    user = api.user("u-1")
    api.answer_late_next("sendMessage", 5.0)

    with pytest.raises(TimeoutError):
        async with session.post(
            f"{api.base_url}{TOKEN}/sendMessage",
            json={"chat_id": "u-1", "text": "đã tới"},
            timeout=aiohttp.ClientTimeout(total=0.3),
        ):
            pass
    await eventually(lambda: len(api.requests) == 1, "the request recorded")

    assert [m["text"] for m in user.messages] == ["đã tới"]
    assert api.requests[0].status == CLIENT_GONE
