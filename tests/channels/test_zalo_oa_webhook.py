"""The Official Account's webhook: a body Zalo signed with the documented formula is accepted;
a forged, missing, re-signed-with-another-key or stale signature is not; the events the bot uses
are read and everything else (the OA's own echoes) is dropped."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta, timezone

import pytest

from handlers.zalo_oa.webhook import EventKind, OaEvent, read_event, signature_valid

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
        now = NOW + timedelta(minutes=6)
    elif case == "future":
        now = NOW - timedelta(minutes=6)
    elif case == "no timestamp":
        headers, body = signed({**TEXT, "timestamp": "x"})
    elif case == "not json":
        body = b"not json" + body
    assert not signature_valid(headers, body, app_id, SECRET, now)


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
        {**TEXT, "sender": {}},
        {**TEXT, "timestamp": "soon"},
        {**TEXT, "message": {"msg_id": "m-3"}},  # a text event without text
        [], "x", None,
    ):
        assert read_event(dropped) is None, dropped
