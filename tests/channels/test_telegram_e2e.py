"""End to end: the real `baocao run` process (python-telegram-bot over HTTP) and a fake Bot API.

A ward police officer links with an invite, answers the whole 22-criteria report, attaches a
photo, edits an answer, reviews and submits; the bot is killed mid-report and resumes with
everything intact; an update delivered twice is applied once.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from bot.base.forms import Question, QuestionKind
from bot.catalog.loading import load_catalog
from harness.bot_process import BotProcess, Officer, demo_bot
from harness.fakes import FakeBotApi
from harness.waiting import quiet_period
from storage.database import create_engine
from storage.unit_of_work import UnitOfWorkFactory
from tests.report_moves import submit

UNIT = "CAP-CL-NGHIHAI"
FORM = load_catalog().form("cap-22")
PHOTO = b"\xff\xd8\xff\xe0" + b"evidence-photo" * 500
STATUS_CYCLE = ("Đạt", "Chưa đạt", "Chưa đến thời điểm xét", "Chưa đến thời điểm xét")


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi(token="4242:E2E") as server:
        yield server


@pytest.fixture
async def bot(api: FakeBotApi, tmp_path: Path) -> AsyncIterator[BotProcess]:
    async with demo_bot(api, tmp_path, BAOCAO_MAX_FILE_MB="1") as process:
        yield process


async def linked_officer(api: FakeBotApi, bot: BotProcess, user_id: int = 1001) -> Officer:
    invite = await bot.invite(UNIT)
    assert invite["deep_link"] == f"https://t.me/fake_test_bot?start={invite['code']}"
    officer = Officer(api.user(user_id, "Nguyễn Văn An"), bot)
    await officer.command("start", "Công an phường Nghi Hải", args=invite["code"])
    return officer


def next_prompt(form_position: int) -> str:
    """What the bot shows for the question after `form_position` (1-based)."""
    if form_position >= len(FORM):
        return "Đã trả lời hết các câu hỏi"
    following = FORM.questions[form_position]
    if following.kind is QuestionKind.CRITERION:
        return f"Tiêu chí {following.criterion_number}/22"
    return f"Câu {form_position + 1}/{len(FORM)}"


def typed_answer(question: Question) -> str | None:
    """What an officer types for a date, number or text question; None for the others."""
    return {
        QuestionKind.DATE: "20/11/2023",
        QuestionKind.NUMBER: "12",
        QuestionKind.TEXT: f"Nội dung trả lời cho mục {question.id}, đầy đủ và cụ thể.",
    }.get(question.kind)


async def answer(officer: Officer, question: Question, position: int) -> None:
    """Answers one question the way an officer would, and waits for the next one."""
    after = next_prompt(position)
    if (typed := typed_answer(question)) is not None:
        await officer.say(typed, after)
    elif question.kind is QuestionKind.CHOICE:
        await officer.press(question.options[0].label.vi, after)
    elif question.kind is QuestionKind.ATTACHMENT:
        await officer.press("Bỏ qua ▶", after)
    else:
        await answer_criterion(officer, question, after)


async def answer_criterion(officer: Officer, question: Question, after: str) -> None:
    n = question.criterion_number or 0
    status = STATUS_CYCLE[(n - 1) % 4]
    if status == "Chưa đến thời điểm xét":
        await officer.press(status, "đủ điều kiện")
        await officer.press("Có" if n % 4 == 3 else "Không", "Nêu rõ việc đã triển khai")
    else:
        await officer.press(status, "Nêu rõ việc đã triển khai")
    await officer.say(f"Tiêu chí {n}: đã triển khai tuần tra, kết quả tốt.", after)
    if n == 1:  # the photo that proves it, right after its text
        officer.user.send_photo(PHOTO)
        await officer.expect("📎 Đã đính kèm vào Tiêu chí 1: tổng cộng 1 tệp.")


async def saved_answers(bot: BotProcess, unit: str = UNIT) -> dict[str, list[dict[str, Any]]]:
    """Every answer version of the unit's 2023 report, read straight from the database."""
    database = create_engine(bot.database_url)
    try:
        async with UnitOfWorkFactory(database)() as uow:
            rows = await uow.session.execute(
                text(
                    "SELECT a.question_id, a.version, a.value FROM answers a "
                    "JOIN reports r ON r.id = a.report_id JOIN enrolments e ON e.id = r.enrolment_id "
                    "JOIN units u ON u.id = e.unit_id JOIN campaigns c ON c.id = e.campaign_id "
                    "WHERE u.code = :unit AND c.code = 'so-ket-2023' ORDER BY a.question_id, a.version"
                ),
                {"unit": unit},
            )
            versions: dict[str, list[dict[str, Any]]] = {}
            for question_id, _version, value in rows:
                versions.setdefault(question_id, []).append(value if isinstance(value, dict) else json.loads(value))
            return versions
    finally:
        await database.dispose()


async def test_an_officer_files_the_whole_22_criteria_report(api: FakeBotApi, bot: BotProcess) -> None:
    officer = await linked_officer(api, bot)
    await officer.press("Bắt đầu báo cáo", "Câu 1/38")
    for position, question in enumerate(FORM.questions, start=1):
        await answer(officer, question, position)

    await officer.command("sua", "Câu 7/38", args="7")
    await officer.say("15", "Đã trả lời hết các câu hỏi")
    await officer.command("xemlai", "Xem lại — Công an phường Nghi Hải — trang 1/5")
    await officer.press("Trang sau ▶", "trang 2/5")
    await officer.press("Nộp báo cáo", "Nộp báo cáo của Công an phường Nghi Hải")
    receipt = await officer.press("Nộp ngay", "Đã nộp báo cáo của Công an phường Nghi Hải")
    assert "Số tiếp nhận: BC-" in receipt["text"]
    assert "20/11/2023" in receipt["text"]
    await officer.command("baocao", "không thể thay đổi")

    versions = await saved_answers(bot)
    assert len(versions) == len(FORM) == 38
    assert [v["number"] for v in versions["II.3.so-cuoc"]] == [12, 15]
    statuses = [versions[f"TC.{n}"][-1]["status"] for n in range(1, 23)]
    assert statuses.count("dat") == 6 and statuses.count("chua_dat") == 6 and statuses.count("chua_den") == 10
    assert versions["TC.3"][-1]["eligible"] is True and versions["TC.4"][-1]["eligible"] is False
    photo = versions["TC.1"][-1]["files"][0]
    assert Path(photo["path"]).read_bytes() == PHOTO
    assert versions["tai-lieu"] == [{"skipped": True}]


async def test_an_officer_carries_2023_answers_into_the_two_year_review(api: FakeBotApi, bot: BotProcess) -> None:
    officer = await linked_officer(api, bot)
    await officer.press("Bắt đầu báo cáo", "Câu 1/38")
    for position, question in enumerate(FORM.questions[:3], start=1):
        await answer(officer, question, position)
    await bot.stop()
    database = create_engine(bot.database_url)
    try:
        async with UnitOfWorkFactory(database)() as uow:  # handed in, as if the rest had been answered too
            unit_id = await uow.session.scalar(text("SELECT id FROM units WHERE code = :code"), {"code": UNIT})
            report_2023 = await uow.reports.of_unit("so-ket-2023", unit_id)
            assert report_2023 is not None
            await submit(uow, report_2023.id, None, datetime.fromisoformat(bot.now))
    finally:
        await database.dispose()

    bot.now = "2024-06-10T09:00:00+07:00"  # the 2023 review has closed; the two-year review is open
    await bot.start()
    opened = await officer.command("baocao", "Sơ kết 02 năm (2023–2024)")
    assert "Câu 1/38" in opened["text"]  # the report's heading and its first question, one message
    await officer.press(FORM.questions[0].options[0].label.vi, "Câu 2/38")
    offer = await officer.say("05/06/2024", "Giữ nguyên câu trả lời này cho kỳ này, hay sửa?")
    assert "Kỳ trước (Sơ kết công tác xây dựng đơn vị điển hình, kiểu mẫu năm 2023), đơn vị đã trả lời:" in offer["text"]
    kept = await officer.press("Giữ nguyên", "✓ Giữ nguyên như kỳ trước — Câu 3")
    assert "Câu 4/38" in kept["text"]

    database = create_engine(bot.database_url)
    try:
        async with UnitOfWorkFactory(database)() as uow:
            report_2024 = await uow.reports.of_unit("so-ket-2023-2024", unit_id)
            assert report_2024 is not None
            answers_2023, answers_2024 = await uow.reports.answers(report_2023.id), await uow.reports.answers(report_2024.id)
            history = await uow.audit.history(report_2024.id)
    finally:
        await database.dispose()
    assert answers_2024["I.1"] == answers_2023["I.1"] == {"text": "Nội dung trả lời cho mục I.1, đầy đủ và cụ thể."}
    assert answers_2024["ngay-so-ket"] == {"date": "2024-06-05"}
    assert [(e.action, e.details) for e in history if e.action == "carried_over"] == [
        ("carried_over", {"questions": ["I.1"], "campaign": "so-ket-2023"})
    ]


MOST_ACTIONS_PER_REPORT = 70


async def test_a_minimal_report_costs_at_most_70_messages_and_taps(api: FakeBotApi, bot: BotProcess) -> None:
    """Every criterion met, one message of text for each, no files, the optional question
    skipped: counted from /baocao to the confirmed submission, each answer given to the question
    the bot has just shown."""
    officer = await linked_officer(api, bot)
    before = officer.user.actions
    await officer.command("baocao", "Câu 1/38")
    for position, question in enumerate(FORM.questions, start=1):
        after = next_prompt(position)
        if question.kind is QuestionKind.CRITERION:
            await officer.press("Đạt", "Nêu rõ việc đã triển khai và kết quả đạt được, trong một tin nhắn.")
            await officer.say(f"Tiêu chí {question.criterion_number}: đã triển khai, đạt kết quả.", after)
        elif question.kind is QuestionKind.CHOICE:
            await officer.press(question.options[0].label.vi, after)
        elif question.kind is QuestionKind.DATE:
            await officer.say("20/11", after)
        elif question.kind is QuestionKind.NUMBER:
            await officer.say("3", after)
        elif question.kind is QuestionKind.TEXT:
            await officer.say(f"Nội dung cho mục {question.id}, viết trong một tin nhắn.", after)
        else:
            await officer.press("Bỏ qua ▶", after)
    await officer.press("Nộp báo cáo", "Nộp báo cáo của Công an phường Nghi Hải")
    await officer.press("Nộp ngay", "Số tiếp nhận: BC-")
    actions = officer.user.actions - before
    assert actions <= MOST_ACTIONS_PER_REPORT, actions
    versions = await saved_answers(bot)
    assert len(versions) == 38 and all(len(v) == 1 for v in versions.values())
    assert versions["ngay-so-ket"] == [{"date": "2023-11-20"}]


async def test_commands_menu_and_bad_input(api: FakeBotApi, bot: BotProcess) -> None:
    stranger = Officer(api.user(2002, "Người lạ"), bot)
    await stranger.command("baocao", "chưa được liên kết")
    await stranger.command("start", "không hợp lệ", args="SAIMA123")
    officer = await linked_officer(api, bot, user_id=2003)
    await officer.command("xyz", "Không có lệnh /xyz")
    await officer.command("baocao", "Câu 1/38")
    await officer.say("bằng văn bản", "Câu 2/38")
    await officer.say("31/02/2023", "Không có ngày 31/02/2023")
    officer.user.send_sticker()
    await officer.expect("không đọc được")
    await officer.say("20/11/2023", "Câu 3/38")
    first_part, second_part = "A" * 3999 + "\u1ea0", "Ổ" * 3990
    await officer.say(first_part, "Đã nhận (tổng cộng 4.000 ký tự). Văn bản dài có thể đến thành nhiều tin nhắn")
    await officer.say(second_part, "Đã nhận (tổng cộng 7.991 ký tự)")
    await officer.say("Thêm một đoạn nữa làm vượt giới hạn.", "Quá dài")
    await officer.press("Xong", "Câu 4/38")
    header = await officer.command("sua", "Câu 3/38", args="3")
    await officer.user.wait_until_idle()
    pieces = officer.user.messages[officer.user.messages.index(header):]
    assert len(pieces) >= 3 and all(len(m["text"].encode("utf-16-le")) // 2 <= 4096 for m in pieces)
    assert first_part + second_part in "".join("".join(m["text"].split()) for m in pieces)
    await officer.command("sua", "Câu 38/38", args="38")
    officer.user.send_document(b"%PDF" + b"0" * 1_600_000, "bao-cao.pdf", "application/pdf")
    await officer.expect("Mỗi tệp tối đa 1 MB")
    api.fail_next("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)
    officer.user.send_document(b"%PDF-1.4 signed report", "bao-cao.pdf", "application/pdf")
    await officer.expect("Đã nhận: 1 tệp")
    assert [r.status for r in api.requests if r.method == "sendMessage"][-2:] == [429, 200]
    menu = api.commands[("default", "")]
    assert {c["command"] for c in menu} >= {"baocao", "tiendo", "xemlai", "sua", "nop", "trogiup", "ngonngu"}
    assert any(c["description"].startswith("Bắt đầu") for c in menu)


async def test_a_press_is_answered_in_place_with_one_call_and_cannot_be_pressed_twice(api: FakeBotApi, bot: BotProcess) -> None:
    officer = await linked_officer(api, bot, user_id=3003)
    first = await officer.command("baocao", "Câu 1/38")
    served = len(api.requests)
    await officer.press("Hội nghị sơ kết", "Câu 2/38")
    await quiet_period(0.3)  # for a call that should not come
    calls = [request.method for request in api.requests[served:] if request.method != "getUpdates"]
    assert calls == ["answerCallbackQuery", "editMessageText"]  # the pressed message became the reply
    pressed = officer.user.bot_message(first["message_id"])
    assert pressed is not None and pressed["text"].startswith("✓ Đã lưu Câu 1: Hội nghị sơ kết\n\n")
    labels = [button["text"] for row in pressed["reply_markup"]["inline_keyboard"] for button in row]
    assert "Hội nghị sơ kết" not in labels and "Xem lại" in labels
    versions = await saved_answers(bot)
    assert versions["hinh-thuc"] == [{"choice": "hoi-nghi"}]


async def test_killed_mid_report_resumes_at_the_same_question_with_every_answer(
    api: FakeBotApi, bot: BotProcess
) -> None:
    officer = await linked_officer(api, bot, user_id=4004)
    await officer.command("baocao", "Câu 1/38")
    for position, question in enumerate(FORM.questions[:12], start=1):
        await answer(officer, question, position)
    await officer.press("Đạt", "Nêu rõ việc đã triển khai")
    officer.user.send_photo(PHOTO)
    await officer.expect("Đã nhận: 1 tệp. Bây giờ hãy nêu rõ việc đã triển khai")
    before = await saved_answers(bot)

    await bot.kill()
    await bot.start()

    resumed = await officer.command("baocao", "Tiêu chí 4/22")
    assert "Nêu rõ việc đã triển khai" in resumed["text"] and "Đã đính kèm: 1 tệp." in resumed["text"]
    await officer.say("Bản tường trình tiêu chí 4, gửi sau khi máy chủ khởi động lại.", "Tiêu chí 5/22")
    after = await saved_answers(bot)
    assert {qid: v for qid, v in after.items() if qid != "TC.4"} == before
    [saved] = after["TC.4"]
    assert (saved["status"], saved["narrative"], len(saved["files"])) == ("dat", "Bản tường trình tiêu chí 4, gửi sau khi máy chủ khởi động lại.", 1)


BURST = [
    *(f"Đoạn {i}: tình hình an ninh trật tự trên địa bàn ổn định." for i in range(1, 5)),
    "12",
    "Đoạn 5: kết quả kiểm tra tại cơ sở đạt yêu cầu.",
    "Đoạn 6: công tác tuyên truyền được triển khai.",
]
"""Seven answers in a row, for questions 3 to 9 (the fifth is a number)."""


async def send_burst(officer: Officer) -> None:
    """Opens the report, answers questions 1 and 2, then sends BURST before the bot answers."""
    await officer.command("baocao", "Câu 1/38")
    for position, question in enumerate(FORM.questions[:2], start=1):
        await answer(officer, question, position)
    for part in BURST:
        officer.user.send_text(part)


async def burst_cut_by_sigkill(api: FakeBotApi, bot: BotProcess, user_id: int) -> Officer:
    """An officer's burst, the bot SIGKILLed in the middle of it and started again: every answer
    of the burst is saved once, on its question."""
    officer = await linked_officer(api, bot, user_id=user_id)
    await send_burst(officer)
    await asyncio.sleep(0.1)
    await bot.kill()
    await bot.start()
    await officer.expect("Tiêu chí 1/22")
    saved = await saved_answers(bot)
    ids = [question.id for question in FORM.questions[2:9]]
    assert [saved[qid] for qid in ids] == [[{"number": 12}] if part == "12" else [{"text": part}] for part in BURST]
    return officer


async def test_a_burst_cut_by_sigkill_is_applied_once_each_in_order(api: FakeBotApi, bot: BotProcess) -> None:
    await burst_cut_by_sigkill(api, bot, user_id=5005)


async def test_an_update_delivered_twice_is_applied_once(api: FakeBotApi, bot: BotProcess) -> None:
    officer = await linked_officer(api, bot, user_id=6006)
    await officer.command("baocao", "Câu 1/38")
    for position, question in enumerate(FORM.questions[:2], start=1):
        await answer(officer, question, position)
    update_id = officer.user.send_text("Một đoạn duy nhất về tình hình địa bàn.")
    await officer.expect("Câu 4/38")
    api.redeliver(update_id)
    await officer.user.wait_until_idle(quiet=0.5)
    assert (await saved_answers(bot))["I.1"] == [{"text": "Một đoạn duy nhất về tình hình địa bàn."}]
    assert "I.2" not in await saved_answers(bot)

