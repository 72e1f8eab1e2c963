"""What a platform or a stranger can send that once stopped the bot or dropped an answer, sent to
the real `baocao run` process over the fake Bot API: an update the library cannot read, a press
answered too late, Telegram failing on its side (the reply not sent twice), a document with a 220-character name or a
forged file id, forged button data, a stranger guessing invite codes, and a database kept busy by
someone else. Each case is answered clearly, loses nothing, and the bot goes on serving everyone."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from sqlalchemy import text

from harness.bot_process import BotProcess, Officer, demo_bot
from harness.fakes import FakeBotApi
from harness.waiting import quiet_period
from storage.database import create_engine
from tests.channels.test_telegram_e2e import FORM, answer, next_prompt, saved_answers

pytestmark = pytest.mark.asyncio(loop_scope="module")

NOT_LINKED = "chưa được liên kết với đơn vị nào"
PDF = b"%PDF-1.4\n" + b"bien ban " * 200
POLL_WITHOUT_PERSISTENT_ID = {
    "poll": {
        "id": "poll-1", "question": "Họp lúc mấy giờ?", "options": [{"text": "8 giờ", "voter_count": 0}],
        "total_voter_count": 0, "is_closed": False, "is_anonymous": True, "type": "regular", "allows_multiple_answers": False,
    }
}  # fmt: skip
"""As a Bot API server older than 9.6 sends a poll: python-telegram-bot 22 refuses to read it."""


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi(token="8150:HOSTILE") as server:
        yield server


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def bot(api: FakeBotApi, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[BotProcess]:
    async with demo_bot(api, tmp_path_factory.mktemp("hostile")) as process:
        yield process


async def linked(api: FakeBotApi, bot: BotProcess, user_id: int, unit: str) -> Officer:
    officer = Officer(api.user(user_id, f"Cán bộ {user_id}"), bot)
    await officer.command("start", "Liên kết thành công", args=(await bot.invite(unit))["code"])
    return officer


async def test_an_update_the_library_cannot_read_is_recorded_as_failed_and_polling_goes_on(api: FakeBotApi, bot: BotProcess) -> None:
    stranger = Officer(api.user(8101, "Người lạ"), bot)
    await stranger.say("xin chào", NOT_LINKED)
    unreadable = stranger.user.send_raw(POLL_WITHOUT_PERSISTENT_ID)
    await stranger.say("xin chào lần nữa", NOT_LINKED)
    assert bot.process is not None and bot.process.returncode is None
    database = create_engine(bot.database_url)
    try:
        async with database.connect() as connection:
            kept = await connection.scalar(text("SELECT payload FROM inbox WHERE update_id = :id"), {"id": str(unreadable)})
            outcome = await connection.scalar(text("SELECT outcome FROM processed_updates WHERE update_id = :id"), {"id": str(unreadable)})
    finally:
        await database.dispose()
    assert outcome == "failed" and "poll" in (kept if isinstance(kept, str) else str(kept))
    assert "could not read update" in bot.logs()


async def test_a_press_answered_too_late_is_still_applied(api: FakeBotApi, bot: BotProcess) -> None:
    officer = await linked(api, bot, 8102, "CAP-CL-NGHIHOA")
    await officer.command("baocao", "Câu 1/38")
    await bot.stop()
    officer.user.press("Hội nghị sơ kết")
    officer.user.expire_presses()  # the bot was down longer than Telegram lets a press be answered
    await bot.start()
    await officer.expect("Câu 2/38")


async def test_a_reply_telegram_fails_on_its_side_is_not_sent_again_and_the_next_word_shows_the_question(api: FakeBotApi, bot: BotProcess) -> None:
    """A 5xx may come after Telegram delivered the message: sent again, a late copy could land
    below a newer question. The answer is saved; the officer's next message shows where they are."""
    officer = await linked(api, bot, 8103, "CAP-CL-NGHIHUONG")
    await officer.command("baocao", "Câu 1/38")
    await officer.press("Hội nghị sơ kết", "Câu 2/38")
    api.fail_next("sendMessage", 500, "Internal Server Error")
    officer.user.send_text("20/11/2023")
    await officer.command("baocao", "Câu 3/38")
    refused = [r for r in api.requests if r.method == "sendMessage" and r.chat_id == 8103 and r.status == 500]
    assert len(refused) == 1 and "✓ Đã lưu Câu 2" in refused[0].params["text"]
    assert not any("✓ Đã lưu Câu 2" in (m.get("text") or "") for m in officer.user.messages)  # not sent again
    assert len((await saved_answers(bot, "CAP-CL-NGHIHUONG"))["ngay-so-ket"]) == 1  # the answer is saved, once
    assert "not sent again" in bot.logs()


async def test_a_document_with_a_long_name_or_a_forged_id_is_kept_under_a_name_of_our_own(api: FakeBotApi, bot: BotProcess) -> None:
    officer = await linked(api, bot, 8104, "CAP-CL-NGHITAN")
    await officer.command("baocao", "Câu 1/38")
    for position, question in enumerate(FORM.questions[:12], start=1):
        await answer(officer, question, position)
    await officer.press("Đạt", "Nêu rõ việc đã triển khai")
    long_name = "Biên bản kiểm tra công tác tuần tra kiểm soát địa bàn phường " * 4 + ".pdf"
    assert len(long_name.encode()) > 255
    officer.user.send_document(PDF, long_name, "application/pdf")
    await officer.expect("Đã nhận: 1 tệp")
    officer.user.send_document(PDF, "bien-ban.pdf", "application/pdf", file_unique_id="../../thoat-ra-ngoai")
    await officer.expect("Đã nhận: 2 tệp")
    kept = sorted((bot.workdir / "files" / "telegram").iterdir())
    assert [path.read_bytes() for path in kept].count(PDF) == 2 and all(len(path.name) < 40 for path in kept)
    assert not list(bot.workdir.rglob("thoat-ra-ngoai*"))


async def test_forged_button_data_gets_a_clear_answer(api: FakeBotApi, bot: BotProcess) -> None:
    officer = await linked(api, bot, 8105, "CAP-CL-NGHITHU")
    await officer.command("baocao", "Câu 1/38")
    for position, question in enumerate(FORM.questions[:12], start=1):
        await answer(officer, question, position)
    asked = next(message for message in reversed(officer.user.messages) if "reply_markup" in message)
    assert "Chọn kết quả tự đánh giá" in asked["text"]  # a criterion waits for its status
    step = asked["reply_markup"]["inline_keyboard"][0][0]["callback_data"].split(":")[0]
    before, tracebacks = await answer_rows(bot), bot.logs().count("Traceback")
    officer.user.press_data(asked["message_id"], f"{step}:s:xyz")  # a status no button has
    await officer.expect("Vui lòng chọn một nút bên dưới")
    assert bot.logs().count("Traceback") == tracebacks and await answer_rows(bot) == before


async def answer_rows(bot: BotProcess) -> int:
    """Every answer version in the database."""
    database = create_engine(bot.database_url)
    try:
        async with database.connect() as connection:
            return int(await connection.scalar(text("SELECT count(*) FROM answers")) or 0)
    finally:
        await database.dispose()


async def test_a_stranger_guessing_invite_codes_is_slowed_down_and_logged(api: FakeBotApi, bot: BotProcess) -> None:
    guesser = Officer(api.user(8106, "Người đoán mã"), bot)
    for guess in ("AAAA2222", "AAAA2223", "AAAA2224", "AAAA2225", "AAAA2226"):
        await guesser.command("start", "không hợp lệ", args=guess)
    refused = await guesser.command("start", "đã gửi quá nhiều mã sai", args="AAAA2227")
    assert "sau" in refused["text"]
    real = (await bot.invite("CAP-CL-THUTHUY"))["code"]
    await guesser.command("start", "đã gửi quá nhiều mã sai", args=real)  # not even a right code, for a while
    assert bot.logs().count("refused code") >= 5 and "refused to try code" in bot.logs()


async def test_a_database_kept_busy_delays_answers_and_loses_none(api: FakeBotApi, bot: BotProcess) -> None:
    """Another program holds SQLite's write lock for two seconds (a backup, a long import) while
    an officer sends three answers: they wait, then each is applied once, in order."""
    officer = await linked(api, bot, 8107, "CAP-CL-NGHITHUY")
    await officer.command("baocao", "Câu 1/38")
    for position, question in enumerate(FORM.questions[:2], start=1):
        await answer(officer, question, position)
    parts = [f"Đoạn {i}: nội dung gửi khi cơ sở dữ liệu đang bận." for i in range(1, 4)]
    holder = sqlite3.connect(bot.database_url.removeprefix("sqlite+aiosqlite:///"), isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")
        shown = len(officer.user.messages)
        for part in parts:
            officer.user.send_text(part)
        await quiet_period(2)
        assert len(officer.user.messages) == shown  # nothing answered while the database is held
        holder.execute("COMMIT")
    finally:
        holder.close()
    await officer.expect(next_prompt(5))
    saved = await saved_answers(bot, "CAP-CL-NGHITHUY")
    assert [saved[question.id] for question in FORM.questions[2:5]] == [[{"text": part}] for part in parts]
    assert "Xin lỗi" not in "\n".join(m.get("text") or "" for m in officer.user.messages)
