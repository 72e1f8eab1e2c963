"""The fake Zalo Official Account behaves as Zalo documents it, as far as an HTTP client and a
webhook receiver can tell: the receiver here checks each push with the bot's own signature check
and reads it with the bot's own event reader."""

from __future__ import annotations

import json
from collections import deque
from collections.abc import AsyncIterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from handlers.zalo_oa.client import OaClient, OaError
from handlers.zalo_oa.webhook import EventKind, read_event, signature_valid
from harness.fakes.zalo_oa import FakeZaloOa
from harness.fakes.zalo_oa_push import NO_ANSWER

APP_ID, APP_SECRET, SECRET_KEY, OA_ID = "3500000000000000009", "app-secret", "oa-secret-key", "4300000000000000009"
TEMPLATE = "254001"
TEMPLATE_DATA = {"name": "Nguyễn Văn An", "unit": "Xã Tân Lập", "report": "Báo cáo quý", "due_date": "30/11/2026"}
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.7\n" + b"x" * 1024
BUTTONS = [
    {"title": "Có", "type": "oa.query.hide", "payload": "#step:1:yes"},
    {"title": "Không", "type": "oa.query.hide", "payload": "#step:1:no"},
]


class Receiver:
    """The bot's webhook, one path per worker: refuses what Zalo did not sign (401), records
    what it did, answers the queued statuses and then 200."""

    def __init__(self) -> None:
        self.events: list[tuple[str, dict[str, Any]]] = []
        """(path, JSON body) of every signed push."""
        self.refused = 0
        self.statuses: deque[int] = deque()
        self.base = ""

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        if not signature_valid(request.headers, body, APP_ID, SECRET_KEY, datetime.now(timezone.utc)):
            self.refused += 1
            return web.Response(status=401)
        self.events.append((request.path, json.loads(body)))
        return web.Response(status=self.statuses.popleft() if self.statuses else 200)

    def named(self, name: str) -> list[str]:
        return [payload["event_name"] for _, payload in self.events if payload["event_name"] == name]


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    endpoint = Receiver()
    app = web.Application()
    app.router.add_post("/{worker}", endpoint.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    endpoint.base = f"http://127.0.0.1:{runner.addresses[0][1]}"
    yield endpoint
    await runner.cleanup()


@pytest.fixture
async def zalo(receiver: Receiver) -> AsyncIterator[FakeZaloOa]:
    fake = FakeZaloOa(
        app_id=APP_ID,
        app_secret=APP_SECRET,
        oa_secret_key=SECRET_KEY,
        oa_id=OA_ID,
        zns_templates={TEMPLATE: tuple(TEMPLATE_DATA)},
    )
    async with fake as server:
        server.webhook_urls = [f"{receiver.base}/zalo"]
        yield server


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client:
        yield client


async def post(session: aiohttp.ClientSession, zalo: FakeZaloOa, path: str, token: str | None, **body: Any) -> dict[str, Any]:
    headers = {} if token is None else {"access_token": token}
    async with session.post(f"{zalo.url}{path}", headers=headers, **body) as response:
        assert response.status == 200
        return await response.json()


async def send(
    session: aiohttp.ClientSession, zalo: FakeZaloOa, token: str | None, user_id: str, message: dict[str, Any]
) -> dict[str, Any]:
    return await post(session, zalo, "/v3.0/oa/message/cs", token, json={"recipient": {"user_id": user_id}, "message": message})


async def refresh(
    session: aiohttp.ClientSession, zalo: FakeZaloOa, refresh_token: str, secret: str = APP_SECRET, app_id: str = APP_ID
) -> dict[str, Any]:
    form = {"app_id": app_id, "refresh_token": refresh_token, "grant_type": "refresh_token"}
    async with session.post(f"{zalo.url}/v4/oa/access_token", data=form, headers={"secret_key": secret}) as response:
        assert response.status == 200
        return await response.json()


async def upload(
    session: aiohttp.ClientSession, zalo: FakeZaloOa, token: str, kind: str, name: str, data: bytes, content_type: str
) -> dict[str, Any]:
    form = aiohttp.FormData()
    form.add_field("file", data, filename=name, content_type=content_type)
    return await post(session, zalo, f"/v2.0/oa/upload/{kind}", token, data=form)


def errors(answers: list[dict[str, Any]]) -> list[int]:
    return [answer["error"] for answer in answers]


async def test_a_refresh_rotates_the_pair_and_a_reused_refresh_token_cuts_the_oa_off(
    zalo: FakeZaloOa, session: aiohttp.ClientSession
) -> None:
    access, first_refresh = zalo.authorize()
    user = zalo.user()
    user.follow()

    renewed = await refresh(session, zalo, first_refresh)
    old_still_works = await send(session, zalo, access, user.user_id, {"text": "cũ"})
    new_works = await send(session, zalo, renewed["access_token"], user.user_id, {"text": "mới"})
    reused = await refresh(session, zalo, first_refresh)
    cut_off = zalo.cut_off
    after = [
        await refresh(session, zalo, renewed["refresh_token"]),
        await send(session, zalo, renewed["access_token"], user.user_id, {"text": "bị chặn"}),
    ]
    access_again, _ = zalo.authorize()
    restored = await send(session, zalo, access_again, user.user_id, {"text": "lại được"})

    assert set(renewed) == {"access_token", "refresh_token", "expires_in"} and renewed["expires_in"] == "90000"
    assert renewed["access_token"] != access and renewed["refresh_token"] != first_refresh
    assert errors([old_still_works, new_works]) == [0, 0]
    assert reused["error"] == -14014 and reused["error_name"] and reused["error_description"]
    assert cut_off and not zalo.cut_off
    assert (after[0]["error"], after[1]["error"]) == (-14014, -216)
    assert restored["error"] == 0
    assert [(r.refresh_token, r.outcome) for r in zalo.refreshes] == [
        (first_refresh, "ok"),
        (first_refresh, "reused"),
        (renewed["refresh_token"], "cut_off"),
    ]
    assert [message["text"] for message in user.messages] == ["cũ", "mới", "lại được"]


async def test_a_wrong_secret_or_app_id_is_refused_without_spending_the_refresh_token(
    zalo: FakeZaloOa, session: aiohttp.ClientSession
) -> None:
    _, refresh_token = zalo.authorize()

    wrong_secret = await refresh(session, zalo, refresh_token, secret="another secret")
    wrong_app = await refresh(session, zalo, refresh_token, app_id="1")
    unknown = await refresh(session, zalo, "never-issued")
    right = await refresh(session, zalo, refresh_token)

    assert errors([wrong_secret, wrong_app, unknown]) == [-14003, -14003, -14014]
    assert "access_token" in right and not zalo.cut_off
    assert [r.outcome for r in zalo.refreshes] == ["bad_secret", "bad_secret", "unknown", "ok"]


async def test_an_expired_token_answers_220_and_an_unknown_or_missing_one_216(
    zalo: FakeZaloOa, session: aiohttp.ClientSession
) -> None:
    access, refresh_token = zalo.authorize()
    user = zalo.user()
    user.follow()
    zalo.expire_access_tokens()

    expired = await send(session, zalo, access, user.user_id, {"text": "x"})
    unknown = await send(session, zalo, "not-a-token", user.user_id, {"text": "x"})
    missing = await send(session, zalo, None, user.user_id, {"text": "x"})
    zns_expired = await post(session, zalo, "/message/template", access, json={})
    fresh = (await refresh(session, zalo, refresh_token))["access_token"]
    works = await send(session, zalo, fresh, user.user_id, {"text": "x"})

    assert (expired["error"], expired["message"]) == (-220, "access_token is expired or removed")
    assert errors([unknown, missing, zns_expired, works]) == [-216, -216, -124, 0]
    assert [r.error for r in zalo.requests if r.path == "/v3.0/oa/message/cs"] == [-220, -216, -216, 0]


async def test_a_pressed_button_sends_its_payload_back_as_the_users_text(
    zalo: FakeZaloOa, session: aiohttp.ClientSession, receiver: Receiver
) -> None:
    access, _ = zalo.authorize()
    user = zalo.user(display_name="Trần Thị Bình")
    user.follow()

    answer = await send(
        session,
        zalo,
        access,
        user.user_id,
        {"text": "Đã xong chưa?", "attachment": {"type": "template", "payload": {"buttons": BUTTONS}}},
    )
    shown = await user.wait_for_message(lambda message: bool(message["buttons"]))
    pressed = user.press("Không")
    await zalo.idle()

    assert answer["error"] == 0 and answer["data"] == {"message_id": shown["message_id"], "user_id": user.user_id}
    assert shown["text"] == "Đã xong chưa?" and shown["buttons"] == [
        {"title": "Có", "payload": "#step:1:yes"},
        {"title": "Không", "payload": "#step:1:no"},
    ]
    names = [payload["event_name"] for _, payload in receiver.events]
    assert names == ["follow", "oa_send_text", "user_send_text"] and receiver.refused == 0
    follow, echo, press = (payload for _, payload in receiver.events)
    assert follow == {
        "app_id": APP_ID, "oa_id": OA_ID, "event_name": "follow", "follower": {"id": user.user_id}, "source": "oa_profile",
        "user_id_by_app": user.user_id_by_app, "timestamp": follow["timestamp"],
    }  # fmt: skip
    assert (echo["sender"], echo["recipient"], echo["message"]["msg_id"]) == (
        {"id": OA_ID},
        {"id": user.user_id},
        shown["message_id"],
    )
    assert read_event(echo) is None, "the bot drops the OA's own echo"
    event = read_event(press)
    assert event is not None and (event.kind, event.user_id, event.text, event.message_id) == (
        EventKind.TEXT,
        user.user_id,
        "#step:1:no",
        pressed,
    )
    assert abs(event.sent_at - datetime.now(timezone.utc)) < timedelta(seconds=5)
    with pytest.raises(AssertionError, match="Muộn"):
        user.press("Muộn")


async def test_a_message_breaking_zalos_rules_is_refused(zalo: FakeZaloOa, session: aiohttp.ClientSession) -> None:
    access, _ = zalo.authorize()
    user = zalo.user()
    user.follow()

    def with_buttons(buttons: list[dict[str, Any]]) -> dict[str, Any]:
        return {"text": "Chọn", "attachment": {"type": "template", "payload": {"buttons": buttons}}}

    answers = [
        await send(session, zalo, access, user.user_id, {"text": "x" * 2000}),
        await send(session, zalo, access, user.user_id, {"text": "x" * 2001}),
        await send(session, zalo, access, user.user_id, with_buttons([{**BUTTONS[0], "title": f"{i}"} for i in range(5)])),
        await send(session, zalo, access, user.user_id, with_buttons([{**BUTTONS[0], "title": f"{i}"} for i in range(6)])),
        await send(session, zalo, access, user.user_id, with_buttons([{**BUTTONS[0], "type": "oa.query.maybe"}])),
        await send(session, zalo, access, user.user_id, with_buttons([{**BUTTONS[0], "payload": ""}])),
        await send(session, zalo, access, user.user_id, with_buttons([{**BUTTONS[0], "title": ""}])),
        await send(session, zalo, access, user.user_id, {"attachment": {"type": "template", "payload": {"buttons": BUTTONS}}}),
        await send(session, zalo, access, user.user_id, {"attachment": {"type": "file", "payload": {"token": "not-uploaded"}}}),
        await send(session, zalo, access, user.user_id, {}),
    ]

    assert errors(answers) == [0, -210, 0, -210, -201, -201, -201, -201, -201, -201]
    assert answers[4]["message"] == "button.type is invalid!"
    assert [len(message["buttons"]) for message in user.messages] == [0, 5]


async def test_a_user_must_follow_and_have_written_within_7_days(zalo: FakeZaloOa, session: aiohttp.ClientSession) -> None:
    access, _ = zalo.authorize()
    user = zalo.user()

    not_following = await send(session, zalo, access, user.user_id, {"text": "x"})
    unknown = await send(session, zalo, access, "1234", {"text": "x"})
    user.follow()
    user.silent_for(8)
    silent = await send(session, zalo, access, user.user_id, {"text": "x"})
    user.silent_for(6.9)
    within = await send(session, zalo, access, user.user_id, {"text": "x"})
    user.silent_for(8)
    user.send_text("tôi đây")
    written = await send(session, zalo, access, user.user_id, {"text": "x"})

    assert errors([not_following, unknown, silent, within, written]) == [-213, -201, -230, 0, 0]
    assert [r.user_id for r in zalo.requests] == [user.user_id, "1234", user.user_id, user.user_id, user.user_id]


async def test_at_night_and_over_the_rate_limit_sends_are_refused(zalo: FakeZaloOa, session: aiohttp.ClientSession) -> None:
    access, _ = zalo.authorize()
    user = zalo.user()
    user.follow()

    zalo.night = True
    night = await send(session, zalo, access, user.user_id, {"text": "x"})
    zalo.night = False
    zalo.rate_limit_next(2)
    bad_token = await send(session, zalo, "not-a-token", user.user_id, {"text": "x"})
    limited = [await send(session, zalo, access, user.user_id, {"text": "x"}) for _ in range(2)]
    after = await send(session, zalo, access, user.user_id, {"text": "x"})

    assert (night["error"], night["message"]) == (-234, "Message cannot be sent at night (10PM - 6AM)")
    assert errors([bad_token, *limited, after]) == [-216, -32, -32, 0]
    assert len(user.messages) == 1


async def test_uploaded_files_and_pictures_are_sent_by_their_token(
    zalo: FakeZaloOa, session: aiohttp.ClientSession, receiver: Receiver
) -> None:
    access, _ = zalo.authorize()
    user = zalo.user()
    user.follow()

    token = (await upload(session, zalo, access, "file", "bao-cao.pdf", PDF, "application/pdf"))["data"]["token"]
    attachment_id = (await upload(session, zalo, access, "image", "bieu-do.png", PNG, "image/png"))["data"]["attachment_id"]
    file_sent = await send(session, zalo, access, user.user_id, {"attachment": {"type": "file", "payload": {"token": token}}})
    media = {"template_type": "media", "elements": [{"media_type": "image", "attachment_id": attachment_id}]}
    image_sent = await send(session, zalo, access, user.user_id, {"attachment": {"type": "template", "payload": media}})
    await zalo.idle()
    file_echo = next(payload for _, payload in receiver.events if payload["event_name"] == "oa_send_file")
    async with session.get(file_echo["message"]["attachments"][0]["payload"]["url"]) as served:
        served_bytes = await served.read()

    assert errors([file_sent, image_sent]) == [0, 0]
    file_message, image_message = zalo.sent_to(user.user_id)
    assert file_message["file"] == {"name": "bao-cao.pdf", "data": PDF} and file_message["image"] is None
    assert image_message["image"] == PNG and image_message["file"] is None
    assert served_bytes == PDF
    assert receiver.named("oa_send_image") == ["oa_send_image"]
    assert zalo.requests[0].body == {"file": {"name": "bao-cao.pdf", "content_type": "application/pdf", "size": len(PDF)}}


async def test_uploads_over_zalos_limits_or_of_other_types_are_refused(zalo: FakeZaloOa, session: aiohttp.ClientSession) -> None:
    access, _ = zalo.authorize()
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

    answers = [
        await upload(session, zalo, access, "file", "lon.pdf", b"x" * (5 * 1024 * 1024 + 1), "application/pdf"),
        await upload(session, zalo, access, "file", "vua.pdf", b"x" * (5 * 1024 * 1024), "application/pdf"),
        await upload(session, zalo, access, "file", "bang.xlsx", PDF, xlsx),
        await upload(session, zalo, access, "file", "ten-khong-duoi", PDF, "application/pdf"),
        await upload(session, zalo, access, "image", "lon.png", PNG + b"\x00" * (1024 * 1024), "image/png"),
        await upload(session, zalo, access, "image", "anh.webp", PNG, "image/webp"),
        await upload(session, zalo, "not-a-token", "file", "bao-cao.pdf", PDF, "application/pdf"),
    ]

    assert errors(answers) == [-210, 0, -201, 0, -210, -201, -216]


async def test_zns_takes_a_vietnamese_phone_and_exactly_the_templates_parameters(
    zalo: FakeZaloOa, session: aiohttp.ClientSession
) -> None:
    access, _ = zalo.authorize()
    body = {"phone": "84912345678", "template_id": TEMPLATE, "template_data": TEMPLATE_DATA, "tracking_id": "p1:r1"}

    async def zns(**changes: Any) -> dict[str, Any]:
        return await post(session, zalo, "/message/template", access, json={**body, **changes})

    accepted = await zns()
    refused = [
        await zns(phone="0912345678"),
        await zns(phone="8491234567"),
        await zns(template_id="999"),
        await zns(template_data={}),
        await zns(template_data={**TEMPLATE_DATA, "extra": "x"}),
        await zns(template_data={key: value for key, value in TEMPLATE_DATA.items() if key != "unit"}),
        await zns(template_data={**TEMPLATE_DATA, "due_date": 30}),
    ]

    assert accepted["error"] == 0 and accepted["message"] == "Success"
    data = accepted["data"]
    assert isinstance(data["msg_id"], str) and data["sent_time"].isdigit()
    assert data["quota"] == {"dailyQuota": "500", "remainingQuota": "499"}
    assert errors(refused) == [-108, -108, -109, -111, -112, -112, -112]
    assert zalo.zns_sent == [body]


async def test_user_events_are_signed_read_by_the_bot_and_go_round_robin(
    zalo: FakeZaloOa, session: aiohttp.ClientSession, receiver: Receiver
) -> None:
    zalo.webhook_urls = [f"{receiver.base}/worker-1", f"{receiver.base}/worker-2"]
    user = zalo.user("5550000000000000001")

    user.follow()
    image_id = user.send_image(PNG)
    user.submit_info("84912345678")
    user.unfollow()
    await zalo.idle()

    paths = [path for path, _ in receiver.events]
    events = [read_event(payload) for _, payload in receiver.events]
    assert paths == ["/worker-1", "/worker-2", "/worker-1", "/worker-2"] and receiver.refused == 0
    assert [event.kind if event else None for event in events] == [
        EventKind.FOLLOW,
        EventKind.IMAGE,
        EventKind.SUBMIT_INFO,
        EventKind.UNFOLLOW,
    ]
    assert len({event.user_id for event in events if event}) == 1
    image, info = events[1], events[2]
    assert image is not None and image.message_id == image_id
    async with session.get(image.image_urls[0]) as served:
        assert (await served.read(), served.content_type) == (PNG, "image/png")
    assert info is not None and info.phone == "84912345678"
    submitted = receiver.events[2][1]
    assert submitted["info"] == {
        "name": "Nguyễn Văn An",
        "phone": "84912345678",
        "address": "",
        "city": "",
        "district": "",
        "ward": "",
    }
    assert all(isinstance(payload["timestamp"], str) for _, payload in receiver.events)
    assert [(a.event_id, a.status) for a in zalo.push_attempts] == [
        ("follow", 200), (image_id, 200), ("user_submit_info", 200), ("unfollow", 200),
    ]  # fmt: skip
    assert user.follower is False


async def test_a_refused_push_is_tried_three_times_then_dropped_and_forgeries_are_caught(
    zalo: FakeZaloOa, receiver: Receiver
) -> None:
    user = zalo.user()
    receiver.statuses.extend([500, 503, 502])

    dropped = user.send_text("mất")
    kept = user.send_text("đến nơi")
    await zalo.idle()
    zalo.webhook_urls = ["http://127.0.0.1:1/unreachable"]
    unreachable = user.send_text("không ai nghe")
    await zalo.idle()
    zalo.webhook_urls = [f"{receiver.base}/zalo"]
    body = json.dumps({"app_id": APP_ID, "event_name": "user_send_text", "timestamp": "1", "message": {"text": "giả"}}).encode()
    forged = await zalo.push_raw(body, {"X-ZEvent-Signature": "mac=" + "0" * 64})
    stamp = str(int(datetime.now(timezone.utc).timestamp() * 1000))
    signed = json.dumps({"app_id": APP_ID, "event_name": "x", "timestamp": stamp}).encode()
    genuine = await zalo.push_raw(signed, {"X-ZEvent-Signature": f"mac={zalo.sign(signed, stamp)}"})

    attempts = [(a.event_id, a.status) for a in zalo.push_attempts]
    assert attempts == [(dropped, 500), (dropped, 503), (dropped, 502), (kept, 200), *[(unreachable, NO_ANSWER)] * 3]
    assert [payload["message"]["text"] for _, payload in receiver.events[:3]] == ["mất", "mất", "mất"]
    assert receiver.events[3][1]["message"]["msg_id"] == kept
    assert (forged, genuine, receiver.refused) == (401, 200, 1)
    assert all(attempt.seconds < 5 for attempt in zalo.push_attempts)


async def test_waiting_returns_each_message_once_and_times_out(zalo: FakeZaloOa, session: aiohttp.ClientSession) -> None:
    access, _ = zalo.authorize()
    user = zalo.user()
    user.follow()
    for text in ("một", "hai", "ba"):
        await send(session, zalo, access, user.user_id, {"text": text})

    second = await user.wait_for_message(lambda message: message["text"] == "hai", timeout=0.1)
    third = await user.wait_for_message(lambda message: True, timeout=0.1)

    assert (second["text"], third["text"]) == ("hai", "ba")
    with pytest.raises(TimeoutError, match="một"):
        await user.wait_for_message(lambda message: message["text"] == "một", timeout=0.1)


async def test_the_bots_own_client_works_against_the_fake(zalo: FakeZaloOa, tmp_path: Path) -> None:
    _, refresh_token = zalo.authorize()
    user = zalo.user()
    user.follow()
    client = OaClient(zalo.url, zalo.url, zalo.url)
    await client.open()
    try:
        now = datetime.now(timezone.utc)
        pair = await client.refresh(APP_ID, APP_SECRET, refresh_token, now)
        report = tmp_path / "bao-cao.pdf"
        report.write_bytes(PDF)
        uploaded = await client.upload(pair.access_token, "file", report, "bao-cao.pdf", "application/pdf")
        sent = await client.send(
            pair.access_token, user.user_id, {"attachment": {"type": "file", "payload": {"token": uploaded["token"]}}}
        )
        await client.zns(pair.access_token, {"phone": "84912345678", "template_id": TEMPLATE, "template_data": TEMPLATE_DATA})
        with pytest.raises(OaError) as reused:
            await client.refresh(APP_ID, APP_SECRET, refresh_token, now)
    finally:
        await client.close()

    assert pair.expires_at == now + timedelta(seconds=90000)
    assert sent["message_id"] == user.messages[0]["message_id"] and user.messages[0]["file"]["name"] == "bao-cao.pdf"
    assert len(zalo.zns_sent) == 1
    assert reused.value.code == -14014 and zalo.cut_off
