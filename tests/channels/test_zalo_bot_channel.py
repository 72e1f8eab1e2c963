"""The Zalo bot's channel and client, in process, against the fake Zalo Bot API: what each
refusal means for the ledger (a refused token, 401 or 403, is told to the administrators once
and lets messages wait; a blocked person and a chat never started are told apart), texts cut in
UTF-16 code units, "not sent" told from "outcome unknown", and a poller that meets replayed
updates passes each to the intake once."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Mapping, Sequence
from pathlib import Path

import pytest

from bot.base.events import Reply
from bot.base.outbox import MessageKind, OutboxMessage
from bot.base.text import utf16_length
from handlers.channel import Outcome, Payload, Shared
from handlers.zalo_bot.channel import TOKEN_RECHECK_SECONDS, TOKEN_REFUSED_ALERT, ZaloBotChannel
from handlers.zalo_bot.client import ZaloBotClient, ZaloNotSent, ZaloOutcomeUnknown, not_sent
from handlers.zalo_bot.settings import ZaloBotSettings
from harness.bot_process import free_port
from harness.fakes.zalo_bot_api import FakeZaloBotApi

TOKEN = "888000111:channel-secret"


class Alerts:
    """What the administrators were told, as the composition root's alert port receives it."""

    def __init__(self) -> None:
        self.told: list[tuple[str, str, Mapping[str, str]]] = []

    async def __call__(self, topic: str, message: str, fields: Mapping[str, str]) -> None:
        self.told.append((topic, message, fields))


@pytest.fixture
async def zalo() -> AsyncIterator[FakeZaloBotApi]:
    async with FakeZaloBotApi(token=TOKEN) as server:
        yield server


@pytest.fixture
async def channel(zalo: FakeZaloBotApi, tmp_path: Path) -> AsyncIterator[ZaloBotChannel]:
    settings = ZaloBotSettings(_env_file=None, ZALO_BOT_TOKEN=TOKEN, ZALO_BOT_API_BASE_URL=zalo.base_url, ZALO_BOT_PER_CHAT_INTERVAL=0)
    bot = ZaloBotChannel(settings, Shared(files_dir=tmp_path, max_file_bytes=1 << 20, alert=Alerts()))
    await bot.start()
    yield bot
    await bot.stop()


def message(chat_id: str, text: str = "⏰ Còn 3 ngày đến hạn nộp báo cáo.") -> OutboxMessage:
    return OutboxMessage(key=f"test/{chat_id}", person_id=1, channel="zalo_bot", chat_id=chat_id, reply=Reply(text), kind=MessageKind.REMINDER)


def told(channel: ZaloBotChannel) -> list[tuple[str, str, Mapping[str, str]]]:
    assert isinstance(channel.alert, Alerts)
    return channel.alert.told


async def test_a_refused_token_alerts_once_and_lets_messages_wait(
    zalo: FakeZaloBotApi, channel: ZaloBotChannel, caplog: pytest.LogCaptureFixture
) -> None:
    zalo.user("z-1")
    zalo.refuse_token(401)
    with caplog.at_level(logging.ERROR):
        first, second = await channel.send(message("z-1")), await channel.send(message("z-1"))

    assert first.outcome is Outcome.THROTTLED and first.retry_after == TOKEN_RECHECK_SECONDS
    assert first.detail == "token refused: 401 Unauthorized" and second == first
    assert told(channel) == [("zalo_bot/token-refused", TOKEN_REFUSED_ALERT, {"detail": "401 Unauthorized"})]
    assert "Zalo refused the bot's token (401 Unauthorized)" in caplog.text

    zalo.accept_token()
    assert (await channel.send(message("z-1"))).outcome is Outcome.DELIVERED
    zalo.refuse_token(401)
    await channel.send(message("z-1"))
    assert len(told(channel)) == 2  # refused again after it was accepted: told again


@pytest.mark.parametrize(
    ("refusal", "outcome", "checked_with_get_me"),
    [
        ("the token, 403 as OpenClaw reads it", Outcome.THROTTLED, True),
        ("the token, named in the 403", Outcome.THROTTLED, False),
        ("the person blocked the bot", Outcome.BLOCKED, True),
        ("a chat the bot may not open", Outcome.NEVER_STARTED, False),
    ],
)
async def test_403_and_404_are_told_apart(
    zalo: FakeZaloBotApi, channel: ZaloBotChannel, refusal: str, outcome: Outcome, checked_with_get_me: bool
) -> None:
    zalo.user("z-1")
    chat = "z-unknown" if refusal == "a chat the bot may not open" else "z-1"
    if refusal == "the token, 403 as OpenClaw reads it":
        zalo.refuse_token(403, "Forbidden")
    elif refusal == "the token, named in the 403":
        zalo.refuse_token(403, "Forbidden: the bot token is unauthorized")
    elif refusal == "the person blocked the bot":
        zalo.block("z-1")
    get_me = sum(1 for request in zalo.requests if request.method == "getMe")

    result = await channel.send(message(chat))

    assert result.outcome is outcome, result
    assert sum(1 for request in zalo.requests if request.method == "getMe") - get_me == (1 if checked_with_get_me else 0)
    assert len(told(channel)) == (1 if outcome is Outcome.THROTTLED else 0)


async def test_a_long_text_is_sent_in_pieces_that_fit_zalo_counted_in_utf16(zalo: FakeZaloBotApi, channel: ZaloBotChannel) -> None:
    user = zalo.user("z-1")
    text = "Tiêu chí 1 đạt 📋📋📋 👍🏽 " * 90
    assert len(text) <= 2000 < utf16_length(text)  # one message, were characters counted

    assert (await channel.send(message("z-1", text))).outcome is Outcome.DELIVERED
    pieces = [m["text"] for m in user.messages]
    assert len(pieces) >= 2 and all(utf16_length(piece) <= 2000 for piece in pieces)
    assert " ".join(pieces) == text


async def test_the_client_tells_not_sent_from_outcome_unknown(zalo: FakeZaloBotApi) -> None:
    closed = ZaloBotClient(f"http://127.0.0.1:{free_port()}/bot", TOKEN)
    late = ZaloBotClient(zalo.base_url, TOKEN, timeout=0.5)
    await closed.open()
    await late.open()
    zalo.user("z-1")
    try:
        with pytest.raises(ZaloNotSent) as refused:
            await closed.call("sendMessage", {"chat_id": "z-1", "text": "a"})
        zalo.answer_late_next("sendMessage", 3.0)
        with pytest.raises(ZaloOutcomeUnknown) as timed_out:
            await late.call("sendMessage", {"chat_id": "z-1", "text": "b"})
        zalo.break_next("sendMessage", 502)
        with pytest.raises(ZaloOutcomeUnknown) as error_page:
            await late.call("sendMessage", {"chat_id": "z-1", "text": "c"})
    finally:
        await closed.close()
        await late.close()
    assert not_sent(refused.value) and not not_sent(timed_out.value) and not not_sent(error_page.value)
    assert [m["text"] for m in zalo.user("z-1").messages] == ["b"]  # carried out, though the client gave up


class Taken:
    """An intake that records what the poller hands it."""

    def __init__(self) -> None:
        self.payloads: list[Payload] = []

    async def take(self, payloads: Sequence[Payload]) -> None:
        self.payloads.extend(payloads)

    async def resume(self) -> None:
        return None


async def test_replayed_updates_reach_the_intake_once_and_polls_keep_a_second_apart(tmp_path: Path) -> None:
    async with FakeZaloBotApi(token=TOKEN, replay_consumed=True) as zalo:
        settings = ZaloBotSettings(_env_file=None, ZALO_BOT_TOKEN=TOKEN, ZALO_BOT_API_BASE_URL=zalo.base_url, ZALO_BOT_POLL_TIMEOUT=2)
        bot = ZaloBotChannel(settings, Shared(files_dir=tmp_path, max_file_bytes=1 << 20))
        await bot.start()
        intake = Taken()
        polling = asyncio.create_task(bot.receive(intake))
        try:
            zalo.user("z-1").send_text("một lần")
            await asyncio.sleep(0.5)
            started, polls = time.monotonic(), sum(1 for r in zalo.requests if r.method == "getUpdates")
            await asyncio.sleep(3)
            replays = sum(1 for r in zalo.requests if r.method == "getUpdates") - polls
            elapsed = time.monotonic() - started
        finally:
            polling.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await polling
            await bot.stop()
    assert [p["message"]["text"] for p in intake.payloads] == ["một lần"]
    assert 1 <= replays <= elapsed + 1, (replays, elapsed)
