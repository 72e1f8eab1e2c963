"""End to end over the Zalo OA where the live platform may differ from its documentation: the real
`baocao run --webhook` process against the fake OA, made to behave each way other integrations
report (harness/fakes/zalo_oa.py).

- Zalo checks a new webhook URL with a call that carries no event and maybe no signature: 200,
  nothing stored; an event still needs its signature.
- An event Zalo redelivers hours after an outage is taken once, whether the signed timestamp is
  in the body or in X-ZEvent-Timestamp; one older than the inbox remembers ids for is refused.
- Files (PDF, Word, Excel) and several pictures in one event are kept as a criterion's
  evidence; stickers, GIFs, voice, video, locations (either shape) and bare links are answered
  with what can be sent, and a link sent with text is read as the text.
- -305 and -311 send a reminder on by the next way (ZNS), as -230 does; -211 and -218 keep it
  waiting and tell the administrators (-211 holds every OA send, -218 only that message).
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path

import pytest
import pytest_asyncio
from sqlalchemy import text

from harness.bot_process import DEMO_NOW, BotProcess, DirectLink, Officer, link_directly
from harness.fakes import FakeBotApi
from harness.fakes.zalo_oa import FakeZaloOa
from harness.fakes.zalo_oa_user import OTHER_MESSAGES
from harness.fakes.zalo_oa_wire import NO_REPLY_AFTER_48_HOURS, OUT_OF_QUOTA, OUT_OF_RECEIVING_QUOTA, OUT_OF_REPLY_QUOTA
from harness.waiting import quiet_period
from storage.database import create_engine
from tests.channels.test_zalo_oa_e2e import TEMPLATE, OaOfficer, inbox_ids, linked, oa_workers, until_zns

pytestmark = pytest.mark.asyncio(loop_scope="module")

HOUR_MS = 3_600_000
DAY_MS = 24 * HOUR_MS
CANNOT_READ = "Bot không đọc được nhãn dán"
PDF, DOCX, XLSX = b"%PDF-1.7\n" + b"p" * 2000, b"PK\x03\x04docx" + b"d" * 2000, b"PK\x03\x04xlsx" + b"x" * 2000
WORD_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
EXCEL_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi(token="6320:OALIVE") as server:
        yield server


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def oa() -> AsyncIterator[FakeZaloOa]:
    async with FakeZaloOa(zns_templates={TEMPLATE: ("name", "unit", "report", "due_date")}) as server:
        yield server


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def bot(api: FakeBotApi, oa: FakeZaloOa, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[BotProcess]:
    workdir = tmp_path_factory.mktemp("zalo-oa-live")
    async with oa_workers(api, oa, workdir, f"sqlite+aiosqlite:///{workdir / 'baocao.db'}", 1) as [process]:
        yield process


def event(oa: FakeZaloOa, user_id: str, msg_id: str, typed: str, stamp: int) -> bytes:
    payload = {
        "app_id": oa.app_id, "event_name": "user_send_text", "timestamp": str(stamp), "sender": {"id": user_id},
        "recipient": {"id": oa.oa_id}, "message": {"msg_id": msg_id, "text": typed}, "user_id_by_app": "x",
    }  # fmt: skip
    return json.dumps(payload, ensure_ascii=False).encode()


async def inbox_rows(bot: BotProcess) -> int:
    database = create_engine(bot.database_url)
    try:
        async with database.connect() as connection:
            return int(await connection.scalar(text("SELECT count(*) FROM inbox WHERE channel = 'zalo_oa'")) or 0)
    finally:
        await database.dispose()


async def test_a_url_check_without_an_event_is_answered_200_and_stores_nothing(bot: BotProcess, oa: FakeZaloOa) -> None:
    before = await inbox_rows(bot)
    for body in (b"", b"{}", json.dumps({"app_id": oa.app_id, "timestamp": str(int(time.time() * 1000))}).encode()):
        assert await oa.push_raw(body, {}) == 200, body
    assert await oa.push_raw(b"{}", {"X-ZEvent-Signature": "mac=" + "0" * 64}) == 200
    unsigned = event(oa, "oa-8001", "unsigned-0001", "xin chào", int(time.time() * 1000))
    assert await oa.push_raw(unsigned, {}) == 401
    assert await oa.push_raw(b"[]", {}) == 401  # JSON, but neither an event nor an object
    assert await inbox_rows(bot) == before and await inbox_ids(bot, "unsigned-0001") == 0
    assert "the platform checking the URL" in bot.logs() and "refused a call that failed authentication" in bot.logs()


@pytest.mark.parametrize("header", [False, True], ids=["timestamp in the body", "timestamp in X-ZEvent-Timestamp"])
async def test_a_redelivered_event_hours_old_is_taken_once_and_one_older_than_the_horizon_is_refused(
    bot: BotProcess, oa: FakeZaloOa, header: bool
) -> None:
    user_id = f"oa-810{int(header)}"
    officer = OaOfficer(oa.user(user_id, "Lý Thị Hoa"), bot)
    officer.user.follow()
    await officer.expect("/start")

    def signed(body: bytes, stamp: int) -> dict[str, str]:
        headers = {"X-ZEvent-Signature": "mac=" + oa.sign(body, str(stamp))}
        return headers | ({"X-ZEvent-Timestamp": str(stamp)} if header else {})

    now_ms = int(time.time() * 1000)
    late = 6 * HOUR_MS
    # With the timestamp in the header, the body's may be anything: the header's is the one signed.
    body = event(oa, user_id, f"late-{user_id}", "xin chào", 0 if header else now_ms - late)
    assert [await oa.push_raw(body, signed(body, now_ms - late)) for _ in range(2)] == [200, 200]
    await officer.expect("chưa được liên kết với đơn vị nào")
    too_old = event(oa, user_id, f"old-{user_id}", "xin chào", 0 if header else now_ms - 8 * DAY_MS)
    assert await oa.push_raw(too_old, signed(too_old, now_ms - 8 * DAY_MS)) == 401

    oa.timestamp_header = header  # the fake's own pushes, redelivered byte for byte
    try:
        msg_id = officer.user.send_text("tro giup")
        await officer.expect("Mỗi câu trả lời được lưu ngay")
        oa.redeliver(msg_id)
        await oa.idle()
    finally:
        oa.timestamp_header = False
    await quiet_period(0.5)  # for an answer to the repeat, which should not come
    texts = [message["text"] or "" for message in officer.user.messages]
    assert sum("chưa được liên kết" in t for t in texts) == 1 and sum("Mỗi câu trả lời" in t for t in texts) == 1
    assert await inbox_ids(bot, f"old-{user_id}") == 0 and "a redelivered event" in bot.logs()


async def test_files_and_several_pictures_in_one_event_are_kept_as_evidence(bot: BotProcess, oa: FakeZaloOa) -> None:
    officer = await linked(bot, oa, "oa-8201", "CAP-CL-NGHIHAI", "Hoàng Văn Nam")
    await officer.say("bao cao", "Câu 1/38")
    await officer.say("sua 10", "Câu 10/38")
    await officer.press("Đạt", "Nêu rõ việc đã triển khai")
    officer.user.send_file(PDF, "Kế hoạch tuần tra.pdf", "application/pdf")
    await officer.expect("Đã nhận: 1 tệp")
    officer.user.send_file(DOCX, "Báo cáo sơ kết.docx", WORD_TYPE)
    await officer.expect("Đã nhận: 2 tệp")
    officer.user.send_file(XLSX, "Danh sách.xlsx", EXCEL_TYPE)
    await officer.expect("Đã nhận: 3 tệp")
    officer.user.send_images(*(b"\xff\xd8\xff\xe0" + bytes([n]) * 500 for n in range(3)))
    await officer.expect("Đã nhận: 6 tệp")
    await officer.say("Tiêu chí 1: đã tuần tra, có kế hoạch và báo cáo kèm theo.", "Câu 11/38")

    database = create_engine(bot.database_url)
    try:
        async with database.connect() as connection:
            value = await connection.scalar(text(
                "SELECT a.value FROM answers a JOIN reports r ON r.id = a.report_id JOIN enrolments e ON e.id = r.enrolment_id "
                "JOIN units u ON u.id = e.unit_id WHERE u.code = 'CAP-CL-NGHIHAI' AND a.question_id = 'TC.1' ORDER BY a.id DESC LIMIT 1"
            ))  # fmt: skip
    finally:
        await database.dispose()
    files = (json.loads(value) if isinstance(value, str) else value)["files"]
    assert [file.get("name") for file in files[:3]] == ["Kế hoạch tuần tra.pdf", "Báo cáo sơ kết.docx", "Danh sách.xlsx"]
    assert [file["kind"] for file in files] == ["document"] * 3 + ["photo"] * 3
    assert [Path(file["path"]).read_bytes() for file in files[:3]] == [PDF, DOCX, XLSX]
    assert files[2]["mime_type"] == EXCEL_TYPE and len({file["path"] for file in files[3:]}) == 3


async def test_what_no_question_takes_is_answered_with_what_can_be_sent(bot: BotProcess, oa: FakeZaloOa) -> None:
    officer = await linked(bot, oa, "oa-8301", "CAP-CL-NGHIHOA", "Trịnh Văn Tú")
    await officer.say("bao cao", "Câu 1/38")
    for what in OTHER_MESSAGES:
        officer.user.send_other(what)
        reply = await officer.expect(CANNOT_READ)
        assert "chữ, nút bấm, ảnh hoặc tài liệu" in reply["text"], what
    await officer.say("sua 3", "Câu 3/38")
    officer.user.send_other("link", "Đặc điểm địa bàn: xem https://congan.nghean.gov.vn")
    await officer.expect("Câu 4/38")  # the text of a link message is the answer


async def remind(
    api: FakeBotApi, bot: BotProcess, oa: FakeZaloOa, unit: str, user_id: str, telegram_id: int, code: int, *others: DirectLink
) -> tuple[Officer, OaOfficer]:
    """A unit's supervisor on Telegram sends /nhacnho; its officer, on the OA only with a phone
    shared, is due a reminder that Zalo answers with `code`. Both (and `others`) are linked straight
    in the database, in one transaction rather than one `baocao invite` each: linking by code is
    what test_zalo_oa_e2e.py proves."""
    supervisor = Officer(api.user(telegram_id, "Giám sát"), bot)
    await link_directly(bot.database_url, [
        DirectLink(telegram_id, "Giám sát", (unit,), role="supervisor"),
        DirectLink(user_id, "Cán bộ", (unit,), channel="zalo_oa"),
        *others,
    ], datetime.fromisoformat(DEMO_NOW))  # fmt: skip
    officer = OaOfficer(oa.user(user_id, "Cán bộ"), bot)
    officer.user.follow()
    await officer.expect("/baocao")  # a linked follower is shown how to start a report
    officer.user.submit_info(f"0912 00{telegram_id}", "Cán bộ")
    await officer.expect("đã lưu số điện thoại")
    oa.refuse_sends(code)
    await supervisor.command("nhacnho", "đã đưa 1 tin")
    return supervisor, officer


@pytest.mark.parametrize("code", [NO_REPLY_AFTER_48_HOURS, OUT_OF_REPLY_QUOTA])
async def test_a_reminder_refused_after_48_hours_or_for_the_reply_quota_goes_on_by_zns(
    api: FakeBotApi, bot: BotProcess, oa: FakeZaloOa, code: int
) -> None:
    unit, user_id, telegram_id = {NO_REPLY_AFTER_48_HOURS: ("CAP-CL-NGHIHUONG", "oa-8401", 6401), OUT_OF_REPLY_QUOTA: ("CAP-CL-NGHITAN", "oa-8402", 6402)}[code]
    _supervisor, officer = await remind(api, bot, oa, unit, user_id, telegram_id, code)
    zns = await until_zns(oa, f"8491200{telegram_id}")
    assert zns["template_data"]["name"] == "Cán bộ"
    assert [request.error for request in oa.requests if request.user_id == user_id][-1] == code
    assert not any("⏰ Nhắc hạn" in (m["text"] or "") for m in officer.user.messages)


@pytest.mark.parametrize("code", [OUT_OF_RECEIVING_QUOTA, OUT_OF_QUOTA])  # -211 last: it pauses every OA send for an hour
async def test_a_reminder_refused_for_the_oas_quota_waits_and_the_administrators_are_told(
    api: FakeBotApi, bot: BotProcess, oa: FakeZaloOa, code: int
) -> None:
    admin_id = 6410 + abs(code) % 10
    admin = Officer(api.user(admin_id, "Quản trị"), bot)
    unit, user_id, telegram_id = {OUT_OF_QUOTA: ("CAP-CL-THUTHUY", "oa-8501", 6501), OUT_OF_RECEIVING_QUOTA: ("CAP-CL-NGHITHU", "oa-8502", 6502)}[code]
    supervisor, officer = await remind(api, bot, oa, unit, user_id, telegram_id, code, DirectLink(admin_id, "Quản trị", ("NA",), role="admin"))
    alert = await admin.expect("hết hạn mức")
    assert str(code) in alert["text"]
    waiting = await supervisor.command("guitin", "Đang chờ gửi: 1")
    assert "Gửi không thành công: 0" in waiting["text"]
    await quiet_period(1)  # for a second try, which should not come
    assert [request.error for request in oa.requests if request.user_id == user_id].count(code) == 1
    assert not oa.zns_sent or all(sent["phone"] != f"8491200{telegram_id}" for sent in oa.zns_sent)
    assert not any("⏰ Nhắc hạn" in (m["text"] or "") for m in officer.user.messages)
