"""A Telegram reply lands once: tried again only where the Bot API cannot have acted on it (no
connection was made), never after it may have landed (no answer before the client's timeout).

The real channel and python-telegram-bot against the fake Bot API, with short client timeouts.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from telegram import Update
from telegram.error import TimedOut

from bot.base.conversation import ConversationState
from bot.base.effects import TurnResult
from bot.base.events import Button, Reply
from handlers.telegram.channel import TelegramChannel
from harness.fakes import FakeBotApi
from harness.waiting import EVENT_CEILING, quiet_period
from tests.telegram_channel import telegram_channel

TOKEN = "4242:REPLIES"
USER = 5005
CLIENT_TIMEOUT = 0.3
LATE = 1.0  # the fake answers this long after carrying the call out: well past the client's wait
QUESTION = "Câu 2/38. Ngày tổ chức sơ kết?"


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi(token=TOKEN) as server:
        server.user(USER)
        yield server


@pytest.fixture
async def channel(api: FakeBotApi, tmp_path: Path) -> AsyncIterator[TelegramChannel]:
    async with telegram_channel(api, tmp_path, TELEGRAM_CONNECT_TIMEOUT=CLIENT_TIMEOUT, TELEGRAM_READ_TIMEOUT=CLIENT_TIMEOUT) as telegram:
        yield telegram


def said(*replies: Reply) -> TurnResult:
    return TurnResult(ConversationState(), list(replies))


def texts(api: FakeBotApi) -> list[str]:
    return [message.get("text", "") for message in api.users[USER].messages]


async def test_a_reply_whose_answer_comes_after_the_timeout_is_not_sent_again(
    api: FakeBotApi, channel: TelegramChannel, caplog: pytest.LogCaptureFixture
) -> None:
    api.answer_late(USER, LATE)
    with caplog.at_level(logging.WARNING, "handlers.retrying"), pytest.raises(TimedOut):
        await channel.render(str(USER), said(Reply(QUESTION)))
    await quiet_period(LATE)  # a second attempt, had there been one, would have landed by now
    assert texts(api) == [QUESTION]
    [logged] = caplog.records
    assert f"reply to chat {USER}" in logged.message and "not sent again" in logged.message
    assert "TimedOut" in logged.message and QUESTION in logged.message


async def test_a_reply_refused_a_connection_is_tried_again_and_lands_once(
    api: FakeBotApi, channel: TelegramChannel, caplog: pytest.LogCaptureFixture
) -> None:
    await api.refuse_connections()
    retried = asyncio.Event()

    class OnRetry(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if "trying again" in record.getMessage():
                retried.set()

    handler = OnRetry()
    logging.getLogger("handlers.retrying").addHandler(handler)
    try:
        with caplog.at_level(logging.INFO, "handlers.retrying"):
            rendering = asyncio.create_task(channel.render(str(USER), said(Reply(QUESTION))))
            await asyncio.wait_for(retried.wait(), EVENT_CEILING)
            assert texts(api) == []
            await api.accept_connections()  # within the first pause (0.5 s) before the next try
            await asyncio.wait_for(rendering, EVENT_CEILING)
    finally:
        logging.getLogger("handlers.retrying").removeHandler(handler)
    assert texts(api) == [QUESTION]
    assert "httpx.ConnectError" in caplog.text


async def test_a_press_whose_edit_may_have_landed_is_not_answered_again_as_a_new_message(
    api: FakeBotApi, channel: TelegramChannel
) -> None:
    choice = Reply("Câu 1/38. Hình thức sơ kết?", ((Button("Hội nghị", "hoi-nghi"),),), step=1)
    await channel.render(str(USER), said(choice))
    api.users[USER].press("Hội nghị")
    [update] = await channel.bot.get_updates()
    assert isinstance(update, Update) and update.callback_query is not None
    api.answer_late(USER, LATE, "editMessageText")
    answer = Reply(f"✓ Đã lưu Câu 1: Hội nghị\n\n{QUESTION}", ((Button("Xem lại", "xem-lai"),),), step=2)
    await channel.render(str(USER), said(answer), context=update)
    await quiet_period(LATE)
    assert texts(api) == [answer.text]  # the pressed message became the answer; no second copy
