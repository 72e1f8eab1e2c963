"""The OA channel sending through the fake OA, its token pair in a real database (SQLite and
PostgreSQL): a file reaches Zalo under the name the officer should see; a reply is sent again
only where Zalo cannot have acted on it (the connection never made, its -32 rate limit), never
after Zalo performed it but answered too late or with a 5xx; and each refusal Zalo answers a
send with is recorded as the ledger names it."""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from bot.base.conversation import ConversationState
from bot.base.effects import TurnResult
from bot.base.events import Attachment, Reply
from bot.base.outbox import MessageKind, OutboxMessage
from handlers.channel import Outcome, Shared
from handlers.zalo_oa.channel import QUOTA_WAIT, ZaloOaChannel, outcome_of, transient
from handlers.zalo_oa.client import OaClient, OaError, OaUnreachable, TokenPair
from handlers.zalo_oa.settings import ZaloOaSettings
from handlers.zalo_oa.tokens import credential_name
from harness.bot_process import free_port
from harness.fakes.zalo_oa import FakeZaloOa
from harness.fakes.zalo_oa_wire import (
    NO_REPLY_AFTER_48_HOURS,
    OUT_OF_QUOTA,
    OUT_OF_RECEIVING_QUOTA,
    OUT_OF_REPLY_QUOTA,
    OUTSIDE_WINDOW,
)
from storage.credentials import SqlCredentials
from storage.database import create_engine
from tests.traced_memory import peak_while

TIMEOUT = 0.5
"""The channel's time for a call to Zalo here: the fake answers "too late" after three times it."""
WORD = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
MIB = 1024 * 1024


@pytest.fixture
async def oa() -> AsyncIterator[FakeZaloOa]:
    async with FakeZaloOa() as server:
        yield server


class Alerts:
    def __init__(self) -> None:
        self.told: list[tuple[str, str, dict[str, str]]] = []

    async def __call__(self, topic: str, message: str, fields: object) -> None:
        self.told.append((topic, message, dict(fields)))  # type: ignore[call-overload]


@pytest.fixture
async def alerts() -> Alerts:
    return Alerts()


@pytest.fixture
async def channel(oa: FakeZaloOa, migrated_url: str, tmp_path: Path, alerts: Alerts) -> AsyncIterator[ZaloOaChannel]:
    """The real channel, authorised as `baocao zalo-oa authorize` leaves it."""
    database = create_engine(migrated_url)
    store = SqlCredentials(database, lambda: datetime.now(timezone.utc))
    access, refresh = oa.authorize()
    await store.store(credential_name(oa.app_id), TokenPair(access, refresh, datetime.now(timezone.utc) + timedelta(hours=25)).to_json())
    settings = ZaloOaSettings(
        ZALO_OA_APP_ID=oa.app_id, ZALO_OA_APP_SECRET=oa.app_secret, ZALO_OA_SECRET_KEY=oa.oa_secret_key,
        ZALO_OA_API_BASE_URL=oa.url, ZALO_OA_OAUTH_BASE_URL=oa.url, ZALO_ZNS_BASE_URL=oa.url,
        ZALO_OA_TIMEOUT_SECONDS=TIMEOUT, ZALO_OA_PER_CHAT_INTERVAL=0,
    )  # fmt: skip
    oa_channel = ZaloOaChannel(settings, Shared(tmp_path, 10 * 1024 * 1024, store, alerts))
    await oa_channel.start()
    yield oa_channel
    await oa_channel.stop()
    await database.dispose()


def follower(oa: FakeZaloOa, user_id: str) -> str:
    oa.user(user_id).follow()
    return user_id


def sends_to(oa: FakeZaloOa, user_id: str) -> int:
    return sum(1 for request in oa.requests if request.path == "/v3.0/oa/message/cs" and request.user_id == user_id)


async def test_a_file_reaches_zalo_whole_under_the_name_the_officer_should_see(oa: FakeZaloOa, channel: ZaloOaChannel, tmp_path: Path) -> None:
    user = follower(oa, "9001")
    path = tmp_path / "x.docx"
    content = b"PK\x03\x04" + os.urandom(4 * MIB)  # near Zalo's 5 MB: many chunks
    path.write_bytes(content)
    reply = Reply("Báo cáo của đơn vị:", attachment=Attachment(str(path), "Báo cáo sơ kết.docx", WORD))
    _, peak = await peak_while(channel.render(user, TurnResult(ConversationState(), [reply])))
    [upload] = [request for request in oa.requests if request.path == "/v2.0/oa/upload/file"]
    assert upload.body["file"]["name"] == "Báo cáo sơ kết.docx"  # as the multipart header carried it
    [document] = [message for message in oa.sent_to(user) if message["file"]]
    assert document["file"] == {"name": "Báo cáo sơ kết.docx", "data": content}
    # The fake keeps the one copy it received; aiohttp reads the file a chunk at a time.
    assert peak < 1.25 * len(content), f"{peak / MIB:.1f} MiB held at once for {len(content) / MIB:.0f} MiB"


@pytest.mark.parametrize("failure", ["answered too late", "answered 502"])
async def test_a_reply_zalo_performed_but_did_not_answer_in_time_is_not_sent_twice(
    oa: FakeZaloOa, channel: ZaloOaChannel, caplog: pytest.LogCaptureFixture, failure: str
) -> None:
    user = follower(oa, "9002")
    if failure == "answered too late":
        oa.answer_late(3 * TIMEOUT)
    else:
        oa.fail_after_sending(502)
    with caplog.at_level(logging.WARNING, "handlers.retrying"), pytest.raises(OaUnreachable) as raised:
        await channel.reply(user, {"text": "Câu 5/38: Kết quả tuần tra"})
    assert raised.value.may_have_acted and not transient(raised.value)
    await oa.idle()
    assert sends_to(oa, user) == 1 and [m["text"] for m in oa.sent_to(user)] == ["Câu 5/38: Kết quả tuần tra"]
    [logged] = [record for record in caplog.records if "not sent again" in record.getMessage()]
    assert f"reply to {user}" in logged.getMessage() and "Câu 5/38" in logged.getMessage()


async def test_a_reply_zalo_refused_for_rate_is_sent_again_once(oa: FakeZaloOa, channel: ZaloOaChannel) -> None:
    user = follower(oa, "9003")
    oa.rate_limit_next(1)
    await channel.reply(user, {"text": "Đã lưu."})
    assert sends_to(oa, user) == 2 and [m["text"] for m in oa.sent_to(user)] == ["Đã lưu."]


async def test_a_call_whose_connection_is_never_made_is_known_not_sent() -> None:
    client = OaClient(f"http://127.0.0.1:{free_port()}", "http://127.0.0.1:1", "http://127.0.0.1:1", timeout=TIMEOUT)
    await client.open()
    try:
        with pytest.raises(OaUnreachable) as raised:
            await client.send("token", "9004", {"text": "x"})
    finally:
        await client.close()
    assert not raised.value.may_have_acted and transient(raised.value)


def message(user: str) -> OutboxMessage:
    return OutboxMessage(key="reminder:1", person_id=1, channel="zalo_oa", chat_id=user, reply=Reply("⏰ Nhắc hạn"), kind=MessageKind.REMINDER)


@pytest.mark.parametrize(
    ("code", "outcome", "alerted"),
    [
        (OUTSIDE_WINDOW, Outcome.OUTSIDE_WINDOW, False),
        (NO_REPLY_AFTER_48_HOURS, Outcome.OUTSIDE_WINDOW, False),
        (OUT_OF_REPLY_QUOTA, Outcome.OUTSIDE_WINDOW, False),
        (OUT_OF_QUOTA, Outcome.THROTTLED, True),
        (OUT_OF_RECEIVING_QUOTA, Outcome.TRANSIENT, True),
    ],
)
async def test_each_refusal_of_a_send_is_recorded_as_the_ledger_names_it(
    oa: FakeZaloOa, channel: ZaloOaChannel, alerts: Alerts, code: int, outcome: Outcome, alerted: bool
) -> None:
    user = follower(oa, "9005")
    oa.refuse_sends(code)
    result = await channel.send(message(user))
    assert result.outcome is outcome and str(code) in result.detail
    assert result.retry_after == (QUOTA_WAIT if alerted else None)
    assert [topic for topic, _message, _fields in alerts.told] == ([f"zalo_oa:{oa.app_id}/quota{code}"] if alerted else [])
    assert outcome_of(OaError(code, "x"), datetime.now(timezone.utc)).outcome is outcome
    assert (await channel.send(message(user))).outcome is Outcome.DELIVERED  # the fake refused once
