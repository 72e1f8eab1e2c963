"""A channel is a plug-in: a messenger that exists only in this file, registered beside the real
ones through the composition root's registry, runs in `app.runtime.serve` like any channel.

Its platform is a small aiohttp server on 127.0.0.1. An officer whose most recent chat is on it
is told there that their report was approved, and reminded there of another unit's deadline;
a supervisor on it gives the approval and gets the reminder digest. Nothing outside this file
knows the channel exists.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from sqlalchemy import select

from app.channels import CHANNELS
from app.runtime import runtime, serve
from app.settings import Settings
from bot.base.effects import TurnResult
from bot.base.inputs import parse_typed
from bot.base.outbox import OutboxMessage
from bot.base.records import ChatRecord, Role
from bot.service import Envelope
from handlers.channel import (
    DELIVERED,
    ChannelPlugin,
    Intake,
    Outcome,
    Payload,
    Received,
    SendResult,
    Shared,
)
from handlers.pacer import SendPacer
from harness.waiting import eventually
from storage.database import create_engine
from storage.machinery_models import OutboxRow
from storage.migrate import upgrade
from storage.models import GrantRow, Person
from storage.unit_of_work import UnitOfWorkFactory
from tests.demo_province import load_demo_province, unit_ids
from tests.report_moves import submit

NAME = "fakechat"
CAMPAIGN = "so-ket-2023"
# Three seconds before the 7-days-before reminder of the 2023 review (25/11/2023).
NOW = "2023-11-18T07:59:57+07:00"


# ----- the platform -------------------------------------------------------------------------------


@dataclass
class FakeChatServer:
    """A messenger's API: the bot polls /updates and posts to /send; the test writes as people."""

    inbox: asyncio.Queue[dict[str, Any]] = field(default_factory=asyncio.Queue)
    sent: dict[str, list[str]] = field(default_factory=dict)
    blocked: set[str] = field(default_factory=set)
    url: str = ""
    _next_id: int = 0

    def say(self, chat: str, text: str) -> None:
        self._next_id += 1
        self.inbox.put_nowait({"id": f"m{self._next_id}", "chat": chat, "text": text})

    async def wait_for(self, chat: str, fragment: str) -> str:
        def found() -> list[str]:
            return [text for text in self.sent.get(chat, []) if fragment in text]

        await eventually(lambda: bool(found()), f"{fragment!r} sent to {chat}", lambda: str(self.sent))
        return found()[0]

    async def updates(self, request: web.Request) -> web.Response:
        try:
            first = await asyncio.wait_for(self.inbox.get(), 1.0)
        except TimeoutError:
            return web.json_response([])
        return web.json_response([first])

    async def send(self, request: web.Request) -> web.Response:
        body = await request.json()
        if body["chat"] in self.blocked:
            return web.json_response({"error": "blocked"}, status=403)
        self.sent.setdefault(body["chat"], []).append(body["text"])
        return web.json_response({"ok": True})


@contextlib.asynccontextmanager
async def serving(server: FakeChatServer) -> AsyncIterator[FakeChatServer]:
    app = web.Application()
    app.router.add_get("/updates", server.updates)
    app.router.add_post("/send", server.send)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    server.url = f"http://127.0.0.1:{runner.addresses[0][1]}"
    try:
        yield server
    finally:
        await runner.cleanup()


# ----- the channel: the protocol of handlers/channel.py, nothing more ---------------------------------


class FakeChatChannel:
    name = NAME
    label = "FakeChat"
    phone_senders = ()

    def __init__(self, url: str) -> None:
        self.url = url
        self.pacer = SendPacer(per_second=100, per_chat_interval=0)
        self.session: aiohttp.ClientSession | None = None

    def invite_link(self, code: str) -> str | None:
        return f"fakechat://start/{code}"

    async def start(self) -> None:
        self.session = aiohttp.ClientSession()

    async def stop(self) -> None:
        if self.session is not None:
            await self.session.close()

    def identify(self, payload: Payload) -> tuple[str, str] | None:
        return str(payload["id"]), str(payload["chat"])

    async def parse(self, payload: Payload) -> Received | None:
        chat = str(payload["chat"])
        envelope = Envelope(NAME, chat, parse_typed(payload["text"]), update_id=str(payload["id"]), user_id=chat)
        return Received(envelope)

    async def render(self, chat_id: str, response: TurnResult, context: Any = None) -> None:
        for reply in response.replies:
            await self.post(chat_id, reply.text)

    async def send(self, message: OutboxMessage) -> SendResult:
        await self.pacer.acquire(message.chat_id)
        status = await self.post(message.chat_id, message.reply.text)
        return DELIVERED if status == 200 else SendResult(Outcome.BLOCKED, detail=f"HTTP {status}")

    async def post(self, chat: str, text: str) -> int:
        assert self.session is not None
        async with self.session.post(f"{self.url}/send", json={"chat": chat, "text": text}) as answer:
            return answer.status

    async def receive(self, intake: Intake) -> None:
        assert self.session is not None
        while True:
            async with self.session.get(f"{self.url}/updates") as answer:
                updates = await answer.json()
            await intake.take(updates)

    def webhook(self) -> None:
        return None

    async def announce_webhook(self) -> None:
        return None


# ----- the story ------------------------------------------------------------------------------------


async def person(factory: UnitOfWorkFactory, name: str, grants: list[tuple[int, Role]], chats: list[tuple[str, str, datetime]]) -> int:
    """A person with grants (unit id, role) and chats (channel, chat id, last active)."""
    async with factory() as uow:
        row = Person(full_name=name, locale="vi", created_at=datetime.fromisoformat(NOW))
        uow.session.add(row)
        await uow.session.flush()
        for unit_id, role in grants:
            uow.session.add(GrantRow(person_id=row.id, unit_id=unit_id, role=role.value, created_at=row.created_at))
        for channel, chat_id, active in chats:
            await uow.chats.save(ChatRecord(channel, chat_id, row.id, {"locale": "vi"}), active)
        return row.id


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[str]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'baocao.db'}"
    await upgrade(url)
    engine = create_engine(url)
    try:
        factory = await load_demo_province(UnitOfWorkFactory(engine))
        ids = await unit_ids(factory)
        now = datetime.fromisoformat(NOW)
        await person(
            factory, "Lê Thị Hoa", [(ids["CAP-CL-NGHIHAI"], Role.REPORTER), (ids["CAP-CL-NGHIHOA"], Role.REPORTER)],
            [("telegram", "5001", now - timedelta(days=2)), (NAME, "hoa", now - timedelta(hours=1))],
        )
        await person(factory, "Đỗ Minh Quân", [(ids["NA-CL"], Role.SUPERVISOR)], [(NAME, "quan", now - timedelta(days=1))])
        async with factory() as uow:
            report = await uow.reports.open_unit(CAMPAIGN, ids["CAP-CL-NGHIHAI"], now)
            assert report is not None
            await submit(uow, report.id, None, now)
    finally:
        await engine.dispose()
    yield url


async def test_a_registered_channel_carries_notices_and_reminders_to_a_person_whose_last_chat_is_on_it(
    database: str, tmp_path: Path
) -> None:
    settings = Settings(_env_file=None, BAOCAO_DATABASE_URL=database, BAOCAO_NOW=NOW, BAOCAO_FILES_DIR=str(tmp_path))
    async with serving(FakeChatServer()) as platform:
        plugin = ChannelPlugin(NAME, FakeChatChannel.label, lambda shared: FakeChatChannel(platform.url))
        assert isinstance(plugin.create(Shared(tmp_path, 1)), FakeChatChannel)
        async with runtime(settings, (*CHANNELS, plugin)) as rt:
            assert [channel.name for channel in rt.channels] == [NAME]
            running = asyncio.create_task(serve(rt))
            try:
                platform.say("quan", "/duyet CAP-CL-NGHIHAI")
                await platform.wait_for("quan", "Duyệt báo cáo của Công an phường Nghi Hải")
                platform.say("quan", "xac nhan duyet")  # a button's words, typed
                done = await platform.wait_for("quan", "✅ Đã duyệt báo cáo của Công an phường Nghi Hải — ")
                assert "Sẽ thông báo cho 1 cán bộ báo cáo của đơn vị." in done
                notice = await platform.wait_for("hoa", "đã được duyệt")
                reminder = await platform.wait_for("hoa", "⏰")
                platform.say("quan", "/moi CAP-CL-NGHIHOA")
                invite = await platform.wait_for("quan", "fakechat://start/")
            finally:
                running.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await running
    assert notice == "✅ Báo cáo của Công an phường Nghi Hải — Sơ kết công tác xây dựng đơn vị điển hình, kiểu mẫu năm 2023 đã được duyệt."
    assert "Công an phường Nghi Hòa" in reminder and "Hạn nộp: thứ Bảy, 25/11/2023 (còn 7 ngày)" in reminder
    assert "hoặc mở trên FakeChat: fakechat://start/" in invite
    engine = create_engine(database)
    try:
        async with UnitOfWorkFactory(engine)() as uow:
            rows = (await uow.session.execute(select(OutboxRow.channel, OutboxRow.chat_id, OutboxRow.kind, OutboxRow.state))).all()
    finally:
        await engine.dispose()
    # The supervisor's digest of the units nobody could be reminded in went the same way.
    assert sorted(rows) == [(NAME, "hoa", "notice", "sent"), (NAME, "hoa", "reminder", "sent"), (NAME, "quan", "digest", "sent")]
