"""End to end over a province's Zalo Official Account: the real `baocao run --webhook` process
against the fake OA, OAuth and ZNS server (harness/fakes/zalo_oa.py), which signs what it posts
with Zalo's formula and checks what the bot sends; the fake Telegram Bot API runs beside it.

One story over one bot process, in file order, each test with its own people: an officer
follows the OA, shares a phone, links, files the whole report with buttons and typed answers
and receives it as a Word file; a forged, unsigned or too old webhook changes nothing and a
repeated event is applied once; twenty officers writing at once when the token has expired
cause one refresh; and a reminder to officers silent for 8 days is recorded as outside the
window, then reaches one on Telegram and the other by ZNS, once.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
from sqlalchemy import text

from bot.base.forms import Question, QuestionKind
from handlers.zalo_oa.tokens import credential_name
from harness.bot_process import (
    DEMO_NOW,
    BotProcess,
    DirectLink,
    Officer,
    free_port,
    link_directly,
)
from harness.fakes import FakeBotApi
from harness.fakes.zalo_oa import FakeOaUser, FakeZaloOa
from harness.waiting import eventually, quiet_period
from storage.credentials import SqlCredentials
from storage.database import create_engine
from tests.channels.test_telegram_e2e import FORM, next_prompt, typed_answer
from tests.conftest import own_postgres_schema

pytestmark = pytest.mark.asyncio(loop_scope="module")

TEMPLATE = "ZT-NHAC-HAN"
CARD_IMAGE = "https://baocao.example.vn/logo.png"
STATUSES = ("Đạt", "chua dat", "Chưa đến thời điểm xét", "3")
"""Each criterion's status, pressed (the labels) or typed (words without diacritics, a number)."""


def oa_env(oa: FakeZaloOa, port: int) -> dict[str, str]:
    return {
        "ZALO_OA_APP_ID": oa.app_id,
        "ZALO_OA_APP_SECRET": oa.app_secret,
        "ZALO_OA_SECRET_KEY": oa.oa_secret_key,
        "ZALO_OA_API_BASE_URL": oa.url,
        "ZALO_OA_OAUTH_BASE_URL": oa.url,
        "ZALO_ZNS_BASE_URL": oa.url,
        "ZALO_ZNS_TEMPLATE_ID": TEMPLATE,
        "ZALO_OA_CARD_IMAGE_URL": CARD_IMAGE,
        "BAOCAO_WEBHOOK_LISTEN": f"127.0.0.1:{port}",
    }


async def listening(port: int, process: BotProcess) -> None:
    """Waits until the worker's webhook server takes connections."""

    async def takes_connections() -> bool:
        try:
            _reader, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            return False
        writer.close()
        return True

    await process.until(takes_connections, f"the webhook server listening on {port}")


@contextlib.asynccontextmanager
async def oa_workers(api: FakeBotApi, oa: FakeZaloOa, workdir: Path, database_url: str, count: int) -> AsyncIterator[list[BotProcess]]:
    """`count` webhook workers on one database holding the demo province, the OA authorised
    with `baocao zalo-oa authorize` before they start; the fake posts to each in turn."""
    workers = []
    for n in range(count):
        port = free_port()
        home = workdir / f"worker-{n}"
        home.mkdir()
        workers.append((BotProcess(api, home, database_url, extra_env=oa_env(oa, port), run_args=("run", "--webhook")), port))
    first = workers[0][0]
    await first.prepare_demo()
    authorised = await first.cli("zalo-oa", "authorize", f"--refresh-token={oa.authorize()[1]}")  # a token may start with "-"
    assert "Đã cấp quyền cho Tài khoản chính thức" in authorised and oa.refreshes[-1].outcome == "ok"
    oa.webhook_urls = [f"http://127.0.0.1:{port}/zalo-oa" for _worker, port in workers]
    try:
        for worker, port in workers:
            await worker.start()
            await listening(port, worker)
        yield [worker for worker, _port in workers]
    finally:
        for worker, _port in workers:
            await worker.stop()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi(token="6300:OASTORY") as server:
        yield server


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def oa() -> AsyncIterator[FakeZaloOa]:
    async with FakeZaloOa(zns_templates={TEMPLATE: ("name", "unit", "report", "due_date")}) as server:
        yield server


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def bot(api: FakeBotApi, oa: FakeZaloOa, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[BotProcess]:
    workdir = tmp_path_factory.mktemp("zalo-oa")
    async with oa_workers(api, oa, workdir, f"sqlite+aiosqlite:///{workdir / 'baocao.db'}", 1) as [process]:
        yield process


class OaOfficer:
    """A fake OA follower with small helpers: act, then wait for the bot's answer."""

    def __init__(self, user: FakeOaUser, bot: BotProcess) -> None:
        self.user = user
        self.bot = bot

    async def expect(self, fragment: str) -> dict[str, Any]:
        return await self.expect_that(lambda m: fragment in (m.get("text") or ""), repr(fragment))

    async def expect_that(self, predicate: Callable[[dict[str, Any]], bool], what: str) -> dict[str, Any]:
        try:
            return await self.user.wait_for_message(predicate)
        except TimeoutError as error:
            raise AssertionError(f"the OA never sent {what}\n{self.bot.log_tail()}") from error

    async def say(self, text: str, fragment: str) -> dict[str, Any]:
        self.user.send_text(text)
        return await self.expect(fragment)

    async def press(self, title: str, fragment: str) -> dict[str, Any]:
        self.user.press(title)
        return await self.expect(fragment)


async def linked(bot: BotProcess, oa: FakeZaloOa, user_id: str, unit: str, name: str) -> OaOfficer:
    """A new follower who links with an invite code typed as it was read out."""
    officer = OaOfficer(oa.user(user_id, name), bot)
    officer.user.follow()
    await officer.expect("/start")
    code = (await bot.invite(unit))["code"]
    await officer.say(f"{code[:4].lower()} {code[4:]}", "Liên kết thành công")
    return officer


async def answer(officer: OaOfficer, question: Question, position: int) -> None:
    """One question, pressed or typed by turns, then the next one."""
    after = next_prompt(position)
    if (typed := typed_answer(question)) is not None:
        await officer.say(typed, after)
    elif question.kind is QuestionKind.CHOICE:
        await (officer.press(question.options[0].label.vi, after) if position % 2 else officer.say("2", after))
    elif question.kind is QuestionKind.ATTACHMENT:
        await officer.press("Bỏ qua ▶", after)
    else:
        n = question.criterion_number or 0
        status = STATUSES[(n - 1) % 4]
        pressing = status[0].isupper()
        wait_for = "đủ điều kiện" if (n - 1) % 4 >= 2 else "Nêu rõ việc đã triển khai"
        await (officer.press(status, wait_for) if pressing else officer.say(status, wait_for))
        if wait_for == "đủ điều kiện":
            await (officer.press("Có", "Nêu rõ việc đã triển khai") if n % 2 else officer.say("khong", "Nêu rõ việc đã triển khai"))
        await officer.say(f"Tiêu chí {n}: đã triển khai tuần tra, kết quả tốt.", after)


async def test_an_officer_follows_links_files_the_whole_report_and_receives_it_as_a_file(bot: BotProcess, oa: FakeZaloOa) -> None:
    officer = OaOfficer(oa.user("oa-1001", "Nguyễn Văn An"), bot)
    officer.user.follow()
    welcome = await officer.expect("/start")
    assert "hệ thống trả lời tự động" in welcome["text"]
    await officer.expect_that(lambda m: m["request_user_info"], "the card that asks for the phone")
    officer.user.submit_info("0912 345 678", "Nguyễn Văn An")
    await officer.expect("đã lưu số điện thoại")

    code = (await bot.invite("CAP-CL-NGHIHAI"))["code"]
    linked_reply = await officer.say(f"{code[:4].lower()} {code[4:]}", "Liên kết thành công")
    assert [title for title, _payload in button_titles(linked_reply)] == ["Bắt đầu báo cáo"]
    first = await officer.press("Bắt đầu báo cáo", "Câu 1/38")
    assert {"Hội nghị sơ kết", "Sơ kết bằng văn bản"} <= {title for title, _payload in button_titles(first)}
    for position, question in enumerate(FORM.questions, start=1):
        await answer(officer, question, position)

    confirm = await officer.say("nop", "Nộp báo cáo của Công an phường Nghi Hải")
    assert "Nộp ngay" in {title for title, _payload in button_titles(confirm)}
    receipt = await officer.press("Nộp ngay", "Đã nộp báo cáo của Công an phường Nghi Hải")
    assert "Số tiếp nhận: BC-" in receipt["text"]

    officer.user.send_text("/xuatbaocao")
    await officer.expect("Đang chuẩn bị tệp")  # at once; the file follows through the outbox
    document = await officer.expect_that(lambda m: m["file"] is not None, "the report as a file")
    assert document["file"]["name"].endswith(".docx") and document["file"]["data"][:2] == b"PK"
    for message in officer.user.messages:
        assert len(message["text"] or "") <= 2000 and len(message["buttons"]) <= 4


def button_titles(message: dict[str, Any]) -> list[tuple[str, str]]:
    return [(button["title"], button["payload"]) for button in message["buttons"]]


async def test_a_forged_unsigned_or_stale_webhook_changes_nothing_and_a_repeat_is_applied_once(bot: BotProcess, oa: FakeZaloOa) -> None:
    officer = OaOfficer(oa.user("oa-1002", "Trần Thị Bình"), bot)
    officer.user.follow()
    await officer.expect("/start")
    now_ms = str(int(time.time() * 1000))
    event = {
        "app_id": oa.app_id, "event_name": "user_send_text", "timestamp": now_ms, "sender": {"id": "oa-1002"},
        "recipient": {"id": oa.oa_id}, "message": {"msg_id": "forged-0001", "text": "xin chào"}, "user_id_by_app": "x",
    }  # fmt: skip
    body = json.dumps(event).encode()
    assert await oa.push_raw(body, {"X-ZEvent-Signature": "mac=" + "0" * 64}) == 401
    assert await oa.push_raw(body, {}) == 401
    eight_days_ago = str(int(time.time() * 1000) - 8 * 24 * 3_600_000)  # older than the ids are remembered
    stale = json.dumps(event | {"timestamp": eight_days_ago}).encode()
    assert await oa.push_raw(stale, {"X-ZEvent-Signature": oa.sign(stale, eight_days_ago)}) == 401
    assert await oa.push_raw(b"[]", {"X-ZEvent-Signature": oa.sign(b"[]", now_ms)}) == 401
    await quiet_period(0.5)  # for a refused event to be stored, which it should not be
    assert await inbox_ids(bot, "forged-0001") == 0 and "refused a call that failed authentication" in bot.logs()

    signed = {"X-ZEvent-Signature": "mac=" + oa.sign(body, now_ms)}
    before = len(officer.user.messages)
    assert [await oa.push_raw(body, signed) for _ in range(3)] == [200, 200, 200]
    await officer.expect("chưa được liên kết với đơn vị nào")
    await quiet_period(0.5)  # for an answer to a repeat, which should not come
    assert len(officer.user.messages) == before + 1 and await inbox_ids(bot, "forged-0001") == 1


async def inbox_ids(bot: BotProcess, update_id: str) -> int:
    """How many inbox rows hold this update."""
    database = create_engine(bot.database_url)
    try:
        async with database.connect() as connection:
            found = await connection.scalar(text("SELECT count(*) FROM inbox WHERE update_id = :id"), {"id": update_id})
            return int(found or 0)
    finally:
        await database.dispose()


async def twenty_write_once_the_token_expired(oa: FakeZaloOa, bot: BotProcess, prefix: str, unit: str) -> None:
    """Twenty officers of `unit`, linked on the OA, follow it; the token expires; all twenty
    write at once and each is answered once, after exactly one refresh."""
    users = [f"{prefix}{n:02d}" for n in range(20)]
    links = [DirectLink(user, f"Cán bộ {user}", (unit,), channel="zalo_oa") for user in users]
    await link_directly(bot.database_url, links, datetime.fromisoformat(DEMO_NOW))
    officers = [OaOfficer(oa.user(user, f"Cán bộ {user}"), bot) for user in users]
    for officer in officers:
        officer.user.follow()
    await asyncio.gather(*(officer.expect("/baocao") for officer in officers))
    refreshed_before = len(oa.refreshes)

    oa.expire_access_tokens()
    for officer in officers:
        officer.user.send_text("tro giup")
    await asyncio.gather(*(officer.expect("Mỗi câu trả lời được lưu ngay") for officer in officers))
    assert [refresh.outcome for refresh in oa.refreshes[refreshed_before:]] == ["ok"] and not oa.cut_off
    assert all(sum("Mỗi câu trả lời" in (m["text"] or "") for m in officer.user.messages) == 1 for officer in officers)


async def test_twenty_officers_writing_when_the_token_has_expired_cause_one_refresh(bot: BotProcess, oa: FakeZaloOa) -> None:
    await twenty_write_once_the_token_expired(oa, bot, "oa-20", "CAP-TH-HOAHIEU")


async def test_a_reminder_outside_the_7_day_window_reaches_the_officer_on_telegram_or_by_zns_once(
    api: FakeBotApi, bot: BotProcess, oa: FakeZaloOa
) -> None:
    supervisor = Officer(api.user(6301, "Đỗ Minh Quân"), bot)
    await supervisor.command("start", "Liên kết thành công", args=(await bot.invite("NA-CL", "supervisor"))["code"])
    # One officer has only the OA, and shared a phone on the card; the other also uses Telegram.
    texted = await linked(bot, oa, "oa-3001", "CAP-CL-NGHIHOA", "Lê Văn Cường")
    texted.user.submit_info("0987 654 321", "Lê Văn Cường")
    await texted.expect("đã lưu số điện thoại")
    both = Officer(api.user(6302, "Phạm Thị Dung"), bot)
    await both.command("start", "Liên kết thành công", args=(await bot.invite("CAP-CL-NGHIHUONG"))["code"])
    link = await both.command("lienket", "lienket ")
    code = link["text"].split("lienket ", 1)[1].split()[0]
    on_oa = OaOfficer(oa.user("oa-3002", "Phạm Thị Dung"), bot)
    on_oa.user.follow()
    await on_oa.say(f"lien ket {code}", "Liên kết thành công")
    texted.user.silent_for(8)
    on_oa.user.silent_for(8)

    await supervisor.command("nhacnho", "đã đưa")
    reminder = await both.expect("⏰ Nhắc hạn")
    assert "Công an phường Nghi Hương" in reminder["text"]
    zns = await until_zns(oa, "84987654321")
    assert zns["template_id"] == TEMPLATE and zns["template_data"]["name"] == "Lê Văn Cường"
    assert zns["template_data"]["unit"] == "Công an phường Nghi Hòa" and zns["template_data"]["due_date"] == "25/11/2023"
    deliveries = await supervisor.command("guitin", "Ngoài khung thời gian ứng dụng cho phép nhắn (người nhận lâu chưa nhắn cho bot): 2")
    assert "Đã gửi thành công" in deliveries["text"]
    await quiet_period(2)  # for a second ZNS or reminder, which should not come
    assert [sent["phone"] for sent in oa.zns_sent].count("84987654321") == 1
    assert sum("⏰ Nhắc hạn" in (m.get("text") or "") for m in both.user.messages) == 1
    assert not any("⏰ Nhắc hạn" in (m["text"] or "") for m in texted.user.messages + on_oa.user.messages)


async def oa_refresh(oa: FakeZaloOa, refresh_token: str) -> None:
    """A refresh call made by someone other than the bot."""
    async with aiohttp.ClientSession() as session:
        form = {"app_id": oa.app_id, "refresh_token": refresh_token, "grant_type": "refresh_token"}
        async with session.post(f"{oa.url}/v4/oa/access_token", data=form, headers={"secret_key": oa.app_secret}) as answer:
            assert answer.status == 200


async def until_zns(oa: FakeZaloOa, phone: str) -> dict[str, Any]:
    """The first ZNS message to `phone`, once it is sent."""

    def to_phone() -> list[dict[str, Any]]:
        return [sent for sent in oa.zns_sent if sent["phone"] == phone]

    await eventually(lambda: bool(to_phone()), f"a ZNS to {phone}", lambda: str(oa.zns_sent))
    return to_phone()[0]


async def test_at_night_a_reminder_waits_for_the_morning_without_burning_retries(api: FakeBotApi, bot: BotProcess, oa: FakeZaloOa) -> None:
    supervisor = Officer(api.user(6303, "Hồ Văn Hải"), bot)
    await supervisor.command("start", "Liên kết thành công", args=(await bot.invite("CAP-CL-NGHITHU", "supervisor"))["code"])
    officer = await linked(bot, oa, "oa-4001", "CAP-CL-NGHITHU", "Võ Thị Hạnh")
    oa.night = True
    try:
        await supervisor.command("nhacnho", "đã đưa 1 tin")

        def refused() -> list[Any]:
            return [request for request in oa.requests if request.user_id == "oa-4001" and request.error == -234]

        await bot.until(lambda: bool(refused()), "the reminder refused at night")
        await quiet_period(2)  # for a retry before the morning, which should not come
        assert len(refused()) == 1 and not any("⏰ Nhắc hạn" in (m["text"] or "") for m in officer.user.messages)
        waiting = await supervisor.command("guitin", "Đang chờ gửi: 1")
        assert "Gửi không thành công: 0" in waiting["text"]
    finally:
        oa.night = False
    # Conversation replies are not reminders: the officer who writes is answered.
    await officer.say("tro giup", "Mỗi câu trả lời được lưu ngay")


async def test_a_refused_token_renewal_pauses_the_oa_and_alerts_the_administrators(api: FakeBotApi, bot: BotProcess, oa: FakeZaloOa) -> None:
    admin = Officer(api.user(6304, "Trần Quốc Toản"), bot)
    await admin.command("start", "Liên kết thành công", args=(await bot.invite("NA", "admin"))["code"])
    officer = await linked(bot, oa, "oa-5001", "CAP-CL-NGHIHAI", "Đặng Văn Lâm")
    database = create_engine(bot.database_url)
    try:
        stored = await SqlCredentials(database, datetime.now).read(credential_name(oa.app_id))
    finally:
        await database.dispose()
    assert stored is not None
    for _ in range(2):  # someone else spends the bot's refresh token: Zalo cuts the OA off
        await oa_refresh(oa, str(stored["refresh_token"]))
    assert oa.cut_off

    refreshes = len(oa.refreshes)
    for typed in ("tro giup", "bao cao", "tien do"):
        officer.user.send_text(typed)
    alert = await admin.expect("Zalo từ chối gia hạn quyền truy cập của Tài khoản chính thức")
    assert "baocao zalo-oa authorize" in alert["text"]
    await quiet_period(1)  # for a second try, which should not come
    assert len(oa.refreshes) == refreshes + 1  # one try; the other replies wait instead of spending more
    assert "Zalo refused to renew the access token" in bot.logs()
    assert sum("Zalo từ chối gia hạn" in (m.get("text") or "") for m in admin.user.messages) == 1


@dataclass
class TwoWorkers:
    oa: FakeZaloOa
    workers: list[BotProcess]
    database_url: str


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def two_workers(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[TwoWorkers]:
    """Two `baocao run --webhook` workers on one PostgreSQL schema, Zalo posting to each in turn."""
    async with (
        own_postgres_schema() as url,
        FakeBotApi(token="6310:OAWORKERS") as api,
        FakeZaloOa() as oa,
        oa_workers(api, oa, tmp_path_factory.mktemp("two-workers"), url, 2) as workers,
    ):
        yield TwoWorkers(oa, workers, url)


async def test_two_workers_on_postgresql_share_the_oa_and_refresh_its_token_once(two_workers: TwoWorkers) -> None:
    oa = two_workers.oa
    await twenty_write_once_the_token_expired(oa, two_workers.workers[0], "oa-60", "CAP-CL-NGHITAN")
    served = {attempt.url for attempt in oa.push_attempts if attempt.status == 200}
    assert served == set(oa.webhook_urls)  # both workers took events


async def test_two_workers_apply_one_officers_quick_answers_in_the_order_sent(two_workers: TwoWorkers) -> None:
    """Each event goes to the other worker than the one before; the answers still land on the
    questions they were typed for."""
    oa, bot = two_workers.oa, two_workers.workers[0]
    officer = await linked(bot, oa, "oa-7001", "CAP-CL-THUTHUY", "Ngô Văn Sơn")
    await officer.say("bao cao", "Câu 1/38")
    answers = ["2", "20/11/2023", "Đặc điểm địa bàn: phường ven biển, dân cư đông.", "Thuận lợi: cấp ủy quan tâm; khó khăn: thiếu người."]
    for typed in answers:
        officer.user.send_text(typed)
    await officer.expect("Câu 5/38")
    database = create_engine(two_workers.database_url)
    try:
        async with database.connect() as connection:
            rows = await connection.execute(
                text(
                    "SELECT a.question_id, a.value FROM answers a JOIN reports r ON r.id = a.report_id "
                    "JOIN enrolments e ON e.id = r.enrolment_id JOIN units u ON u.id = e.unit_id WHERE u.code = 'CAP-CL-THUTHUY'"
                )
            )
            saved = {row.question_id: row.value for row in rows}
    finally:
        await database.dispose()
    assert saved == {
        "hinh-thuc": {"choice": "van-ban"},
        "ngay-so-ket": {"date": "2023-11-20"},
        "I.1": {"text": answers[2]},
        "I.2": {"text": answers[3]},
    }
