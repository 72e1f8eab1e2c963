"""`baocao run --webhook`: the fake Bot API pushes updates to the bot like Telegram does; a
request without the secret is refused and changes nothing; a repeated update is applied once."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from harness.bot_process import BotProcess, Officer, free_port
from harness.fakes import FakeBotApi
from harness.waiting import quiet_period

SECRET = "s3cret-webhook-token"


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi(token="777:HOOK") as server:
        yield server


@pytest.fixture
async def bot(api: FakeBotApi, tmp_path: Path) -> AsyncIterator[BotProcess]:
    port = free_port()
    process = BotProcess(
        api,
        tmp_path,
        f"sqlite+aiosqlite:///{tmp_path / 'baocao.db'}",
        extra_env={
            "TELEGRAM_WEBHOOK_URL": f"http://127.0.0.1:{port}/telegram-hook",
            "TELEGRAM_WEBHOOK_SECRET": SECRET,
            "BAOCAO_WEBHOOK_LISTEN": f"127.0.0.1:{port}",
        },
        run_args=("run", "--webhook"),
    )
    await process.prepare_demo()
    await process.start()
    await process.until(lambda: api.webhook.url is not None, "the webhook set")
    assert api.webhook.url == f"http://127.0.0.1:{port}/telegram-hook", process.logs()
    yield process
    await process.stop()


async def post(url: str, body: object, headers: dict[str, str]) -> int:
    async with aiohttp.ClientSession() as session, session.post(url, json=body, headers=headers) as response:
        return response.status


async def test_updates_arrive_by_webhook_and_are_handled(api: FakeBotApi, bot: BotProcess) -> None:
    invite = await bot.invite("CAP-CL-NGHIHAI")
    officer = Officer(api.user(9001, "Phạm Văn Hùng"), bot)
    await officer.command("start", "Công an phường Nghi Hải", args=invite["code"])
    await officer.command("baocao", "Câu 1/38")
    await officer.press("Hội nghị sơ kết", "Câu 2/38")
    assert all(200 <= status < 300 for _update, status in api.webhook.attempts)


async def test_a_forged_webhook_call_is_refused_and_changes_nothing(api: FakeBotApi, bot: BotProcess) -> None:
    assert api.webhook.url is not None
    forged = {
        "update_id": 424242,
        "message": {
            "message_id": 1, "date": 1700000000, "text": "/baocao",
            "chat": {"id": 5555, "type": "private", "first_name": "Kẻ giả"},
            "from": {"id": 5555, "is_bot": False, "first_name": "Kẻ giả"},
            "entities": [{"type": "bot_command", "offset": 0, "length": 7}],
        },
    }
    assert await post(api.webhook.url, forged, {}) == 403
    assert await post(api.webhook.url, forged, {"X-Telegram-Bot-Api-Secret-Token": "wrong-secret"}) == 403
    assert await post(api.webhook.url, {"not": "an update"}, {"X-Telegram-Bot-Api-Secret-Token": SECRET}) == 400
    await quiet_period(1)  # a refused call, had it been taken, would have had its answer by now
    assert not [r for r in api.requests if r.chat_id == 5555]
    assert "telegram webhook: refused a call that failed authentication" in bot.logs()


async def test_an_update_pushed_twice_is_applied_once(api: FakeBotApi, bot: BotProcess) -> None:
    invite = await bot.invite("CAP-CL-NGHIHOA")
    officer = Officer(api.user(9002, "Lê Thị Lan"), bot)
    await officer.command("start", "Công an phường Nghi Hòa", args=invite["code"])
    await officer.command("baocao", "Câu 1/38")
    update_id = officer.user.press("Hội nghị sơ kết")
    await officer.expect("Câu 2/38")
    api.redeliver(update_id)
    await officer.user.wait_until_idle(quiet=0.7)
    assert sum(1 for m in officer.user.messages if "Câu 2/38" in (m.get("text") or "")) == 1
    assert [u for u, status in api.webhook.attempts if u == update_id and status == 200] == [update_id, update_id]



async def test_bodies_that_are_no_update_are_refused_with_400_never_500(api: FakeBotApi, bot: BotProcess) -> None:
    """A 5xx makes Telegram send the body again forever; these are refused for good, and the
    bot goes on serving."""
    assert api.webhook.url is not None
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET, "Content-Type": "application/json"}
    chat = {"id": 9003, "type": "private", "first_name": "Lạ"}
    bodies = [
        b"[]", b"null", b'"update"', b"42", b'{"update_id": "abc", "message": {}}',
        json.dumps({"update_id": 2**70, "message": {"message_id": 1, "date": 1, "chat": chat, "text": "hi"}}).encode(),
        json.dumps({"update_id": 77, "message": "a message that is a string"}).encode(),
        json.dumps({"update_id": 78, "callback_query": ["not", "an", "object"]}).encode(),
        b"[" * 100_000 + b"]" * 100_000,
    ]
    async with aiohttp.ClientSession() as session:
        statuses = []
        for body in bodies:
            async with session.post(api.webhook.url, data=body, headers=headers) as response:
                statuses.append(response.status)
    assert statuses == [400] * len(bodies)
    officer = Officer(api.user(9003, "Lạ"), bot)
    await officer.say("xin chào", "chưa được liên kết với đơn vị nào")
