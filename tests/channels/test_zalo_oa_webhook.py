"""The Official Account's webhook: a body Zalo signed with the documented formula is accepted,
its timestamp from X-ZEvent-Timestamp or else the body, up to the age the inbox remembers ids
for; a forged, missing, re-signed-with-another-key or too old signature is not; a call without
an event is Zalo checking the URL; the events the bot uses are read (several pictures unpacked
one per update), what no question takes is read as such, and the OA's own echoes are dropped."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta, timezone

import pytest

from handlers.inbox import KEEP_HANDLED
from handlers.zalo_oa.webhook import MAX_AGE, EventKind, OaEvent, SentFile, is_url_check, read_event, signature_valid, unpacked

APP_ID, SECRET = "4321987654", "oa-secret-key"
NOW = datetime(2026, 11, 29, 2, 0, tzinfo=timezone.utc)
STAMP = str(int(NOW.timestamp() * 1000))


def signed(payload: dict, secret: str = SECRET, prefix: str = "mac=") -> tuple[dict[str, str], bytes]:
    """A body and its header, as Zalo signs them: sha256(app_id + body + timestamp + secret key)."""
    body = json.dumps(payload, ensure_ascii=False).encode()
    digest = hashlib.sha256(APP_ID.encode() + body + payload["timestamp"].encode() + secret.encode()).hexdigest()
    return {"X-ZEvent-Signature": prefix + digest}, body


TEXT = {
    "app_id": APP_ID, "event_name": "user_send_text", "timestamp": STAMP,
    "sender": {"id": "246810"}, "recipient": {"id": "oa-1"},
    "message": {"text": "Tiêu chí 3: đã hoàn thành", "msg_id": "m-1"},
}  # fmt: skip


def test_a_body_zalo_signed_is_accepted_with_or_without_mac() -> None:
    for prefix in ("mac=", ""):
        headers, body = signed(TEXT, prefix=prefix)
        assert signature_valid(headers, body, APP_ID, SECRET, NOW)
    headers, body = signed(TEXT)
    assert signature_valid({"X-ZEvent-Signature": headers["X-ZEvent-Signature"].upper()}, body, APP_ID, SECRET, NOW)


@pytest.mark.parametrize("case", ["missing", "other key", "body changed", "other app", "stale", "future", "no timestamp", "not json"])
def test_forged_altered_and_stale_calls_are_refused(case: str) -> None:
    headers, body = signed(TEXT, secret="another OA's key" if case == "other key" else SECRET)
    app_id, now = APP_ID, NOW
    if case == "missing":
        headers = {}
    elif case == "body changed":
        body = body.replace("đã hoàn thành".encode(), "chưa làm".encode())
    elif case == "other app":
        app_id = "1111"
    elif case == "stale":
        now = NOW + MAX_AGE + timedelta(minutes=1)
    elif case == "future":
        now = NOW - timedelta(minutes=6)
    elif case == "no timestamp":
        headers, body = signed({**TEXT, "timestamp": "x"})
    elif case == "not json":
        body = b"not json" + body
    assert not signature_valid(headers, body, app_id, SECRET, now)


def test_a_redelivered_event_is_taken_up_to_the_age_its_id_is_remembered() -> None:
    assert MAX_AGE == KEEP_HANDLED >= timedelta(days=7)
    headers, body = signed(TEXT)
    for late in (timedelta(minutes=6), timedelta(hours=5), MAX_AGE):
        assert signature_valid(headers, body, APP_ID, SECRET, NOW + late)


def test_the_timestamp_signed_is_the_headers_when_there_is_one() -> None:
    """Other verifiers read X-ZEvent-Timestamp; the body's `timestamp` is read only without it."""
    body = json.dumps({**TEXT, "timestamp": "1"}).encode()  # the body's would be far too old
    digest = hashlib.sha256(APP_ID.encode() + body + STAMP.encode() + SECRET.encode()).hexdigest()
    headers = {"X-ZEvent-Signature": f"mac={digest}", "X-ZEvent-Timestamp": STAMP}
    assert signature_valid(headers, body, APP_ID, SECRET, NOW)
    assert not signature_valid({**headers, "X-ZEvent-Timestamp": "1"}, body, APP_ID, SECRET, NOW)
    assert not signature_valid({"X-ZEvent-Signature": f"mac={digest}"}, body, APP_ID, SECRET, NOW)


def test_a_call_without_an_event_is_a_url_check() -> None:
    for body in (b"", b"  ", b"{}", b'{"app_id": "1", "timestamp": "2"}'):
        assert is_url_check(body), body
    for body in (json.dumps(TEXT).encode(), b'{"event_name": null}', b"[]", b"not json"):
        assert not is_url_check(body), body


def test_several_pictures_in_one_event_are_one_update_each_under_ids_a_redelivery_repeats() -> None:
    images = [{"type": "image", "payload": {"url": f"https://zalo.example/{n}.jpg"}} for n in range(3)]
    event = {**TEXT, "event_name": "user_send_image", "message": {"msg_id": "m-9", "attachments": images}}
    parts = unpacked(event)
    assert [read_event(part).image_urls for part in parts] == [(image["payload"]["url"],) for image in images]  # type: ignore[union-attr]
    assert [read_event(part).message_id for part in parts] == ["m-9", "m-9.1", "m-9.2"]  # type: ignore[union-attr]
    assert unpacked(json.loads(json.dumps(event))) == parts and unpacked(TEXT) == [TEXT]


def test_what_a_person_sends_that_no_question_takes_is_read_as_such() -> None:
    file = {"type": "file", "payload": {"url": "https://zalo.example/f", "name": "Báo cáo.xlsx", "size": "2048"}}
    sent = read_event({**TEXT, "event_name": "user_send_file", "message": {"msg_id": "m-4", "attachments": [file]}})
    assert sent == OaEvent(EventKind.FILE, "246810", "m-4", NOW, file=SentFile("https://zalo.example/f", "Báo cáo.xlsx", 2048))
    for name, what in (("user_send_sticker", "sticker"), ("user_send_audio", "voice"), ("user_send_location", "location"),
                       ("user_send_link", "link"), ("user_send_business_card", "contact"), ("user_send_poll", "poll")):  # fmt: skip
        event = read_event({**TEXT, "event_name": name, "message": {"msg_id": "m-5"}})
        assert event is not None and (event.kind, event.what) == (EventKind.UNSUPPORTED, what), name
    link = read_event({**TEXT, "event_name": "user_send_link", "message": {"msg_id": "m-6", "text": "xem https://a.vn"}})
    assert link is not None and (link.kind, link.text) == (EventKind.TEXT, "xem https://a.vn")


def test_the_events_the_bot_uses_are_read_and_echoes_dropped() -> None:
    assert read_event(TEXT) == OaEvent(EventKind.TEXT, "246810", "m-1", NOW, text="Tiêu chí 3: đã hoàn thành")
    image = {**TEXT, "event_name": "user_send_image", "message": {
        "msg_id": "m-2", "attachments": [{"type": "image", "payload": {"url": "https://zalo.example/a.jpg"}}],
    }}  # fmt: skip
    assert read_event(image) == OaEvent(EventKind.IMAGE, "246810", "m-2", NOW, image_urls=("https://zalo.example/a.jpg",))
    follow = {"app_id": APP_ID, "event_name": "follow", "timestamp": STAMP, "follower": {"id": "246810"}, "oa_id": "oa-1"}
    assert read_event(follow) == OaEvent(EventKind.FOLLOW, "246810", f"follow:246810:{STAMP}", NOW)
    info = {**TEXT, "event_name": "user_submit_info", "info": {"phone": "84912345678", "name": "An"}, "message": {}}
    assert read_event(info) is not None and read_event(info).phone == "84912345678"  # type: ignore[union-attr]
    for dropped in (
        {**TEXT, "event_name": "oa_send_text"},  # the OA's own message, echoed
        {**TEXT, "event_name": "user_received_message"},
        {**TEXT, "event_name": "user_seen_message"},
        {**TEXT, "sender": {}},
        {**TEXT, "timestamp": "soon"},
        {**TEXT, "message": {"msg_id": "m-3"}},  # a text event without text
        [], "x", None,
    ):
        assert read_event(dropped) is None, dropped
