"""End to end over Zalo, at the edges: a refused token stops the start with a clear error; the
webhook takes Zalo's calls (wrapped or bare, echoes of the bot's own messages dropped) and
refuses everything else with a clear status, changing nothing; reminders reach officers who use
Zalo, once each, within the platform's limits."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path

import aiohttp
import pytest

from harness.bot_process import BotProcess, DirectLink, demo_bot, free_port, link_directly
from harness.fakes import FakeBotApi
from harness.fakes.zalo_bot_api import FakeZaloBotApi
from harness.fakes.zalo_chat import FakeZaloUser
from harness.waiting import EVENT_CEILING, quiet_period

SECRET = "zalo-webhook-secret"
SECRET_HEADER = "X-Bot-Api-Secret-Token"


@pytest.fixture
async def apis() -> AsyncIterator[tuple[FakeBotApi, FakeZaloBotApi]]:
    async with FakeBotApi(token="6200:EDGES") as telegram, FakeZaloBotApi(
        token="555000111:edge-secret", global_rate=4, per_chat_rate=1
    ) as zalo:
        yield telegram, zalo


async def wait_for_text(user: FakeZaloUser, fragment: str, bot: BotProcess) -> str:
    try:
        message = await user.wait_for_message(lambda m: fragment in (m.get("text") or ""))
    except TimeoutError as error:
        raise AssertionError(f"bot never said {fragment!r}\n{bot.log_tail()}") from error
    return str(message["text"])


async def test_a_refused_token_stops_the_start_with_an_error_naming_the_setting(
    apis: tuple[FakeBotApi, FakeZaloBotApi], tmp_path: Path
) -> None:
    telegram, zalo = apis
    bot = BotProcess(telegram, tmp_path, f"sqlite+aiosqlite:///{tmp_path / 'baocao.db'}", zalo=zalo,
                     extra_env={"ZALO_BOT_TOKEN": "555000111:not-the-secret"})
    await bot.prepare_demo()
    await bot.start()
    assert bot.process is not None
    code = await asyncio.wait_for(bot.process.wait(), EVENT_CEILING)
    assert code == 1
    assert bot.logs().rstrip().endswith("Không khởi động được Zalo: token của bot (ZALO_BOT_TOKEN) bị từ chối: hãy kiểm tra lại")


async def post(url: str, body: bytes, headers: dict[str, str]) -> int:
    async with aiohttp.ClientSession() as session, session.post(url, data=body, headers=headers) as response:
        return response.status


async def test_the_webhook_takes_zalos_calls_and_refuses_the_rest(
    apis: tuple[FakeBotApi, FakeZaloBotApi], tmp_path: Path
) -> None:
    telegram, zalo = apis
    port = free_port()
    hook = f"http://127.0.0.1:{port}/zalo-hook"
    env = {"ZALO_BOT_WEBHOOK_URL": hook, "ZALO_BOT_WEBHOOK_SECRET": SECRET, "BAOCAO_WEBHOOK_LISTEN": f"127.0.0.1:{port}"}
    async with demo_bot(telegram, tmp_path, zalo=zalo, **env) as bot:
        bot.run_args = ("run", "--webhook")
        await bot.stop()
        zalo.break_next("setWebhook", 502)  # Zalo failing at start: told again, the bot runs on
        zalo.fail_next("setWebhook", 503, "Service Unavailable")
        await bot.start()
        await bot.until(lambda: bool(zalo.webhook.url), "the webhook set")
        assert (zalo.webhook.url, zalo.webhook.secret) == (hook, SECRET), bot.logs()
        assert bot.logs().count("Zalo: the webhook could not be announced") == 2

        # Zalo's own pushes, one wrapped as its documentation shows, one bare; the bot's echo dropped.
        invite = json.loads(await bot.cli("invite", "--unit", "CAP-CL-NGHIHAI", "--json"))
        zalo.echo_own_messages = True
        officer = zalo.user("z-2001", "Nguyễn Thị Hà", wrap_in_envelope=True)
        officer.send_text(f"start {invite['code']}")
        await wait_for_text(officer, "Liên kết thành công", bot)
        officer.wrap_in_envelope = False
        officer.send_text("bao cao")
        await wait_for_text(officer, "Câu 1/38", bot)
        await quiet_period(1)  # for an answer to an echo, which should not come
        assert all(status == 200 for _id, status in zalo.webhook.attempts), zalo.webhook.attempts
        delivered = [r for r in zalo.requests if r.method == "sendMessage" and r.status == 200]
        assert len(delivered) == 2  # one message per turn (a 429 waited out); the echoes were dropped

        # Everything else: refused, and nothing answered.
        event = {"event_name": "message.text.received", "message": {
            "message_id": "forged-1", "date": 1700000000000, "text": "bao cao",
            "from": {"id": "z-2001", "display_name": "Giả mạo", "is_bot": False},
            "chat": {"id": "z-2001", "chat_type": "PRIVATE"},
        }}
        body = json.dumps(event).encode()
        assert await post(hook, body, {}) == 403
        assert await post(hook, body, {SECRET_HEADER: "wrong-secret"}) == 403
        assert await post(hook, b"{not json", {SECRET_HEADER: SECRET}) == 400
        assert await post(hook, b"[1, 2]", {SECRET_HEADER: SECRET}) == 400
        assert await post(hook, b"x" * (1024 * 1024 + 1), {SECRET_HEADER: SECRET}) == 400
        unknown = {"event_name": "message.poll.received", "message": {"message_id": "u-1", "chat": {"id": "z-2001"}}}
        assert await post(hook, json.dumps(unknown).encode(), {SECRET_HEADER: SECRET}) == 200
        await quiet_period(1)  # for an answer to any of them, which should not come
        assert len([r for r in zalo.requests if r.method == "sendMessage" and r.status == 200]) == 2
        logs = bot.logs()
        assert "zalo_bot webhook: refused a call that failed authentication" in logs
        assert "zalo_bot webhook: refused a body over 1048576 bytes" in logs
        assert "ignored an unknown Zalo event 'message.poll.received'" in logs


async def test_reminders_reach_the_officers_on_zalo_once_each_within_the_limits(
    apis: tuple[FakeBotApi, FakeZaloBotApi], tmp_path: Path
) -> None:
    """Three days before the 2023 deadline, at 08:00: four officers who use only Zalo."""
    telegram, zalo = apis
    officers = {f"z-30{n}": code for n, code in enumerate(("CAP-CL-NGHIHAI", "CAP-CL-NGHIHOA", "CAP-CL-NGHITAN", "CAP-CL-NGHITHU"))}
    async with demo_bot(telegram, tmp_path, zalo=zalo, ZALO_BOT_SEND_RATE="3") as bot:
        await bot.stop()
        users = {user: zalo.user(user, f"Cán bộ {user}") for user in officers}  # they wrote to the bot before
        links = [DirectLink(user, f"Cán bộ {user}", (code,), channel="zalo_bot") for user, code in officers.items()]
        await link_directly(bot.database_url, links, datetime.fromisoformat("2023-11-20T09:00:00+07:00"))
        bot.now = "2023-11-22T07:59:57+07:00"
        await bot.start()
        for user in users.values():
            await wait_for_text(user, "⏰", bot)
        await quiet_period(3)  # for a second reminder, which should not come
    reminders = {user: [m["text"] for m in fake.messages if "⏰" in m.get("text", "")] for user, fake in users.items()}
    assert all(len(texts) == 1 for texts in reminders.values()), reminders
    assert all("(còn 3 ngày)" in texts[0] and "Gõ /baocao để tiếp tục" in texts[0] for texts in reminders.values())
    assert all("Hoặc gõ: “báo cáo”" in texts[0] for texts in reminders.values())
    assert zalo.violations == 0
    assert {r.status for r in zalo.requests if r.method == "sendMessage"} == {200}
