"""End to end over Zalo: the real `baocao run` process serves the fake Zalo Bot API (one update
per getUpdates, 408 when idle, duplicate `Server` headers on every answer) and the fake
Telegram Bot API at once.

The tests form one story over one bot process, in file order, each with its own officer:
a ward officer files a whole 22-criteria report by typing (numbers, and words without
diacritics); the bot is killed mid-report and the next officer resumes at the same question; a
repeated event is applied once; an officer moves from Zalo to Telegram mid-report and finishes
there; a Telegram supervisor returns a report and the Zalo officer is told; and what a stranger
or a broken platform can throw at the bot gets a clear answer and changes nothing.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio

from bot.base.forms import Question, QuestionKind
from harness.bot_process import BotProcess, Officer, demo_bot
from harness.fakes import FakeBotApi
from harness.fakes.zalo_bot_api import FakeZaloBotApi
from harness.fakes.zalo_chat import FakeZaloUser
from harness.waiting import quiet_period
from tests.channels.test_telegram_e2e import FORM, next_prompt, typed_answer

pytestmark = pytest.mark.asyncio(loop_scope="module")

PHOTO = b"\xff\xd8\xff\xe0" + b"anh-minh-chung" * 400
STATUS_WORDS = ("dat", "chua dat", "Chua Den Thoi Diem", "3")
"""Each criterion's status typed as an officer would: words without diacritics, or the number."""
AUTOMATED = "Bạn đang nhắn tin với baocao, hệ thống tự động hỗ trợ báo cáo."
SUPERVISOR_ID = 6101


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi(token="6100:ZALOSTORY") as server:
        yield server


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def zalo() -> AsyncIterator[FakeZaloBotApi]:
    async with FakeZaloBotApi(token="987654321:zalo-story-secret") as server:
        yield server


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def bot(api: FakeBotApi, zalo: FakeZaloBotApi, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[BotProcess]:
    async with demo_bot(api, tmp_path_factory.mktemp("zalo"), zalo=zalo) as process:
        yield process


class ZaloOfficer:
    """A fake Zalo user with small helpers: act, then wait for the bot's answer."""

    def __init__(self, user: FakeZaloUser, bot: BotProcess) -> None:
        self.user = user
        self.bot = bot

    async def expect(self, fragment: str) -> str:
        try:
            message = await self.user.wait_for_message(lambda m: fragment in (m.get("text") or ""))
        except TimeoutError as error:
            raise AssertionError(f"bot never said {fragment!r}\n{self.bot.log_tail()}") from error
        return str(message["text"])

    async def say(self, text: str, fragment: str) -> str:
        self.user.send_text(text)
        return await self.expect(fragment)


async def invite(bot: BotProcess, unit: str, role: str = "reporter") -> dict[str, Any]:
    result: dict[str, Any] = json.loads(await bot.cli("invite", "--unit", unit, "--role", role, "--json"))
    return result


async def zalo_officer(bot: BotProcess, zalo: FakeZaloBotApi, user_id: str, unit: str) -> ZaloOfficer:
    """Links a Zalo user by sending the code alone, lower-case and with a space, as typed."""
    code = (await invite(bot, unit))["code"]
    officer = ZaloOfficer(zalo.user(user_id, f"Cán bộ {user_id}"), bot)
    linked = await officer.say(f"{code[:4].lower()} {code[4:].lower()}", "Liên kết thành công")
    assert AUTOMATED in "\n".join(m.get("text", "") for m in officer.user.messages)
    assert "Hoặc gõ: “báo cáo”" in linked
    return officer


async def answer(officer: ZaloOfficer, zalo: FakeZaloBotApi, question: Question, position: int) -> None:
    """Answers one question by typing, and waits for the next one."""
    after = next_prompt(position)
    if (typed := typed_answer(question)) is not None:
        await officer.say(typed, after)
    elif question.kind is QuestionKind.CHOICE:
        await officer.say("2" if position % 2 else "hoi nghi so ket", after)
    elif question.kind is QuestionKind.ATTACHMENT:
        await officer.say("bo qua", after)
    else:
        n = question.criterion_number or 0
        status = STATUS_WORDS[(n - 1) % 4]
        if (n - 1) % 4 >= 2:  # chưa đến thời điểm xét: whether the unit meets the conditions
            await officer.say(status, "đủ điều kiện")
            await officer.say("co" if n % 2 else "2", "Nêu rõ việc đã triển khai")
        else:
            await officer.say(status, "Nêu rõ việc đã triển khai")
        await officer.say(f"Tiêu chí {n}: đã triển khai tuần tra, kết quả tốt.", after)
        if n == 1:  # the photo that proves it, right after its text
            officer.user.send_image(zalo.host_photo(PHOTO))
            await officer.expect("📎 Đã đính kèm vào Tiêu chí 1: tổng cộng 1 tệp.")


async def test_an_officer_files_a_whole_22_criteria_report_by_typing(bot: BotProcess, zalo: FakeZaloBotApi) -> None:
    officer = await zalo_officer(bot, zalo, "z-1001", "CAP-CL-NGHIHAI")
    first = await officer.say("bao cao", "Câu 1/38")
    assert "1. Hội nghị sơ kết\n2. Sơ kết bằng văn bản" in first
    assert "Hoặc gõ: “quay lại” · “xem lại”" in first
    for position, question in enumerate(FORM.questions, start=1):
        await answer(officer, zalo, question, position)

    await officer.say("sua 7", "Câu 7/38")
    await officer.say("15", "Đã trả lời hết các câu hỏi")
    review = await officer.say("xem lai", "Xem lại — Công an phường Nghi Hải — trang 1/5")
    assert "“trang sau” · “tiếp tục” · “nộp báo cáo”" in review
    await officer.say("trang sau", "trang 2/5")
    confirm = await officer.say("nop", "Nộp báo cáo của Công an phường Nghi Hải")
    assert "1. Nộp ngay\n2. Chưa nộp" in confirm
    receipt = await officer.say("1", "Đã nộp báo cáo của Công an phường Nghi Hải")
    assert "Số tiếp nhận: BC-" in receipt and "20/11/2023" in receipt
    # A turn is one message, every message fits Zalo's limit, and the photo was kept as our own copy.
    assert any("✓ Đã lưu Tiêu chí 1: Đạt" in m.get("text", "") and "Tiêu chí 2/22" in m.get("text", "") for m in officer.user.messages)
    assert all(1 <= len(m.get("text", "x")) <= 2000 for m in officer.user.messages)
    assert [p.read_bytes() for p in (bot.workdir / "files" / "zalo_bot").iterdir()] == [PHOTO]


async def test_a_killed_bot_resumes_at_the_same_question_and_a_repeated_event_is_applied_once(
    bot: BotProcess, zalo: FakeZaloBotApi
) -> None:
    officer = await zalo_officer(bot, zalo, "z-1002", "CAP-CL-NGHIHOA")
    await officer.say("baocao", "Câu 1/38")
    await officer.say("1", "Câu 2/38")
    await officer.say("20/11/2023", "Câu 3/38")
    first, second = "Ven biển.", "Thêm: có 2 khu du lịch."
    await officer.say(first, "Cần viết ít nhất 20 ký tự (hiện có 9)")

    await bot.kill()
    await bot.start()
    await officer.say("báo cáo", "Câu 3/38")
    repeated = officer.user.send_text(second)
    saved = await officer.expect("Câu 4/38")
    assert f"✓ Đã lưu Câu 3: {first} {second}" in saved
    zalo.redeliver(repeated)
    await quiet_period(1)  # for a second save that should not come
    saves = [m["text"] for m in officer.user.messages if m.get("text", "").startswith("✓ Đã lưu Câu 3")]
    assert len(saves) == 1, saves  # the repeated event is not applied again


async def test_an_officer_moves_to_telegram_mid_report_and_finishes_there(
    api: FakeBotApi, bot: BotProcess, zalo: FakeZaloBotApi
) -> None:
    officer = await zalo_officer(bot, zalo, "z-1003", "CAP-CL-NGHIHUONG")
    await officer.say("bao cao", "Câu 1/38")
    await officer.say("so ket bang van ban", "Câu 2/38")
    link = await officer.say("lien ket", "lienket ")
    code = link.split("lienket ", 1)[1].split()[0]
    assert f"https://t.me/fake_test_bot?start={code}" in link

    telegram = Officer(api.user(7103, "Lê Văn Hương"), bot)
    joined = await telegram.command("start", "Liên kết thành công: cuộc trò chuyện này đã gắn với tài khoản", args=code)
    assert "Câu 2/38" not in joined["text"]
    await telegram.command("baocao", "Câu 2/38")
    await telegram.say("20/11/2023", "Câu 3/38")
    # Zalo is still the same person, at the same place.
    await officer.say("tien do", "Đã trả lời 2/38 câu")

    used = await ZaloOfficer(zalo.user("z-1099", "Người khác"), bot).say(f"lienket {code}", "đã được sử dụng")
    assert code in used


async def test_a_return_by_a_telegram_supervisor_reaches_the_officer_on_zalo(
    api: FakeBotApi, bot: BotProcess, zalo: FakeZaloBotApi
) -> None:
    supervisor = Officer(api.user(SUPERVISOR_ID, "Đỗ Minh Quân"), bot)
    await supervisor.command("start", "Liên kết thành công", args=(await invite(bot, "NA-CL", "supervisor"))["code"])
    await supervisor.command("tralai", "Chọn những nội dung cần sửa", args="CAP-CL-NGHIHAI")
    await supervisor.say("12", "Đã chọn: Tiêu chí 3.")  # typed, as /donvi numbers it
    await supervisor.press("Tiếp tục ▶", "Bây giờ hãy viết")
    done = await supervisor.say("Tiêu chí 3 cần nêu rõ số buổi tuần tra.", "↩ Đã trả lại báo cáo")
    assert "Sẽ thông báo cho 1 cán bộ báo cáo của đơn vị." in done["text"]

    officer = ZaloOfficer(zalo.user("z-1001"), bot)
    notice = await officer.expect("đã được trả lại để chỉnh sửa")
    assert "Nhận xét: “Tiêu chí 3 cần nêu rõ số buổi tuần tra.”" in notice
    assert "Hoặc gõ: “báo cáo”" in notice
    await officer.say("bao cao", "Tiêu chí 3/22")

    people = await supervisor.command("canbo", "Cán bộ z-1003", args="CAP-CL-NGHIHUONG")
    assert "(Zalo, Telegram)" in people["text"]  # the one used last first


async def test_bad_input_gets_a_clear_answer_and_changes_nothing(bot: BotProcess, zalo: FakeZaloBotApi) -> None:
    officer = await zalo_officer(bot, zalo, "z-1004", "CAP-CL-NGHITAN")
    await officer.say("bao cao", "Câu 1/38")
    wrong = await officer.say("9", "Vui lòng gõ số thứ tự của một phương án bên dưới")
    assert "1. Hội nghị sơ kết" in wrong
    await officer.say("   ", "Tin nhắn trống")
    officer.user.send_sticker()
    await officer.expect("Vui lòng trả lời bằng chữ hoặc gửi ảnh")
    officer.user.send_voice()
    await officer.expect("không đọc được")
    await officer.say("1", "Câu 2/38")
    await officer.say("20/11/2023", "Câu 3/38")
    long_answer = "Tình hình an ninh trật tự ổn định. " * 60 + "Hết."
    assert len(long_answer) > 2000
    echoed = await officer.say(long_answer, "Câu 4/38")
    assert "✓ Đã lưu Câu 3: Tình hình an ninh trật tự ổn định." in echoed and len(echoed) <= 2000
    stranger = await ZaloOfficer(zalo.user("z-1098", "Người lạ"), bot).say("xin chao", "chưa được liên kết")
    assert AUTOMATED in "\n".join(m.get("text", "") for m in zalo.user("z-1098").messages)
    assert "mã mời" in stranger

    # getUpdates failing for a while is waited out; nothing typed meanwhile is lost.
    zalo.break_next("getUpdates", 502, times=2)
    await officer.say("Thuận lợi: nhân dân đồng tình ủng hộ.", "Câu 5/38")


async def test_a_supervisor_works_over_zalo_within_scope(bot: BotProcess, zalo: FakeZaloBotApi) -> None:
    code = (await invite(bot, "NA-TH", "supervisor"))["code"]
    supervisor = ZaloOfficer(zalo.user("z-1005", "Hoàng Thị Lan"), bot)
    await supervisor.say(f"start {code}", "Liên kết thành công: tài khoản này theo dõi báo cáo của Thị xã Thái Hòa")
    status = await supervisor.say("tinh hinh", "📊 Tình hình báo cáo")
    assert "Cửa Lò" not in status and "Hoặc gõ: “chưa nộp”" in status
    missing = await supervisor.say("chua nop", "Chưa nộp — ")
    assert "Công an phường Hòa Hiếu" in missing and "Nghi Hải" not in missing
    await supervisor.say("/donvi nghi hai", "Không tìm thấy đơn vị nào khớp với “nghi hai”")
    refused = await ZaloOfficer(zalo.user("z-1004"), bot).say("/tinhhinh", "dành cho cán bộ theo dõi")
    assert "📊" not in refused
