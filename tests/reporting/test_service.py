"""The reporting service end to end: real storage (SQLite, and PostgreSQL when configured), the
composed catalog forms, the engine and a fixed clock; one Envelope per platform update.

The clock stands at 09:00 on 20/11/2023 in Vietnam, when only the 2023 review (opened 01/11/2023)
is open, unless a test moves it to 10/06/2024, when the 2023–2024 review has opened as well.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot.base.answers import AnswerValue
from bot.base.conversation import Mode
from bot.base.forms import CriterionStatus, Question, QuestionKind
from bot.base.inputs import ButtonInput, TextInput, parse_typed
from bot.base.report_status import ReportStatus, receipt_number
from bot.service import Envelope
from storage.models import Answer, Person, Report
from storage.seed import load_campaign
from storage.unit_of_work import UnitOfWorkFactory
from tests.report_moves import answer_versions
from tests.service_harness import (
    CATALOG,
    DEMO_UNITS,
    JUNE_10_2024,
    NGHI_HAI,
    NGHI_HAI_NAME,
    NGHI_HOA,
    NGHI_HOA_NAME,
    NOV_20_2023,
    ZONE,
    Chat,
    Harness,
    joined,
    make_service,
)

WARD_FORM = CATALOG.form("cap-22")
TITLE_2023 = CATALOG.campaigns["so-ket-2023"].title.vi
TITLE_2024 = CATALOG.campaigns["so-ket-2023-2024"].title.vi

NOT_LINKED = "Cuộc trò chuyện này chưa được liên kết với đơn vị nào. Hãy đề nghị cấp trên cấp mã mời"
LOCKED = "Báo cáo này đã nộp nên không thể thay đổi nữa."
STALE = "Nút này thuộc một tin nhắn trước đó và không còn tác dụng."
ALL_ANSWERED = "Đã trả lời hết các câu hỏi."
SAVED = "✓ Đã lưu"
STATUS_LABELS_VI = {
    CriterionStatus.MET: "Đạt",
    CriterionStatus.NOT_MET: "Chưa đạt",
    CriterionStatus.NOT_YET_DUE: "Chưa đến thời điểm xét",
}
STATUS_CYCLE = (CriterionStatus.MET, CriterionStatus.NOT_MET, CriterionStatus.NOT_YET_DUE)


@pytest.fixture
async def unclosed(harness: Harness) -> Harness:
    """The demo with the 2023 campaign left open (no closing date), as a province may: in June
    2024 an officer then has two reports to choose from."""
    async with harness.factory() as uow:
        await load_campaign(uow, replace(CATALOG.campaigns["so-ket-2023"], closes=None))
    return harness


async def count(factory: UnitOfWorkFactory, model: type) -> int:
    async with factory() as uow:
        return await uow.session.scalar(select(func.count()).select_from(model)) or 0


# ----- answering a composed form through the service -------------------------------------------


def header(question: Question) -> str:
    """Where the question header says the officer stands, in Vietnamese."""
    position = f"Câu {WARD_FORM.index_of(question.id) + 1}/{len(WARD_FORM)}"
    if question.kind is QuestionKind.CRITERION:
        return f"Tiêu chí {question.criterion_number}/{question.criteria_total} · {position}"
    return position


def long_text(tag: str, question: Question) -> str:
    text = f"{tag} — câu {question.id}: đơn vị đã triển khai đầy đủ, có kết quả cụ thể."
    assert len(text) >= question.min_length
    return text


async def answer(chat: Chat, question: Question, tag: str) -> AnswerValue:
    """Answers the question the chat stands on, as an officer would; returns what must be stored."""
    kind = question.kind
    if kind is QuestionKind.CHOICE:
        option = question.options[-1]
        assert SAVED in await chat.press(option.label.vi)
        return {"choice": option.code}
    if kind is QuestionKind.DATE:
        assert SAVED in await chat.send("20/11/2023")
        return {"date": "2023-11-20"}
    if kind is QuestionKind.NUMBER:
        assert SAVED in await chat.send("3")
        return {"number": 3}
    if kind is QuestionKind.TEXT:
        text = long_text(tag, question)
        assert SAVED in await chat.send(text)
        return {"text": text}
    if kind is QuestionKind.ATTACHMENT:
        assert "Đã nhận: 1 tệp" in await chat.send_file("document")
        assert SAVED in await chat.press("Xong")
        return {"files": [chat.files[-1].to_dict()]}
    assert kind is QuestionKind.CRITERION and question.criterion_number is not None
    status = STATUS_CYCLE[(question.criterion_number - 1) % len(STATUS_CYCLE)]
    value: AnswerValue = {"status": status.value}
    reply = await chat.press(STATUS_LABELS_VI[status])
    if status is CriterionStatus.NOT_YET_DUE:
        assert "Đơn vị có đủ điều kiện, tiêu chuẩn để xét đạt" in reply, reply
        reply = await chat.press("Có")
        value["eligible"] = True
    assert "Nêu rõ việc đã triển khai" in reply, reply
    assert "Nếu có minh chứng, gửi ảnh hoặc tài liệu kèm theo hoặc ngay sau đó" in reply, reply
    narrative = long_text(tag, question)
    value["narrative"] = narrative
    assert SAVED in await chat.send(narrative)
    if question.criterion_number == 1:
        attached = await chat.send_file("photo")
        assert "📎 Đã đính kèm vào Tiêu chí 1: tổng cộng 1 tệp." in attached, attached
        value["files"] = [chat.files[-1].to_dict()]
    return value


async def answer_all(chat: Chat, questions: tuple[Question, ...] | list[Question], tag: str) -> dict[str, AnswerValue]:
    """Answers these questions in order, checking each is asked where the form puts it."""
    expected = {}
    for question in questions:
        asked = next(reply.text for reply in reversed(chat.replies) if reply.buttons)  # the question, not a note after it
        assert header(question) in asked, f"expected {header(question)!r} in:\n{asked}"
        expected[question.id] = await answer(chat, question, tag)
    return expected


# ----- linking ----------------------------------------------------------------------------------


async def test_start_without_a_code_welcomes_and_asks_for_the_code(harness: Harness) -> None:
    text = await harness.chat("101").send("/start")
    assert "Chào mừng đến với baocao, trợ lý làm báo cáo." in text
    assert "/start" in text and "mã" in text


async def test_invite_codes_link_a_chat_once_and_refuse_bad_used_and_expired_ones(harness: Harness) -> None:
    chat = harness.chat("102")
    assert "Mã WRONGCODE không hợp lệ." in await chat.send("/start WRONGCODE")

    used = await harness.invite()
    assert "Liên kết thành công" in await harness.chat("103").send(f"/start {used}")
    assert f"Mã {used} đã được sử dụng." in await chat.send(f"/start {used}")

    expiring = await harness.invite(valid_for=timedelta(days=1))
    harness.clock.advance(timedelta(days=1, minutes=1))
    assert f"Mã {expiring} đã hết hạn." in await chat.send(f"/start {expiring}")
    harness.clock.instant = NOV_20_2023

    async with harness.factory() as uow:
        record = await uow.chats.get("telegram", "102")
    assert record is not None and record.person_id is None

    good = await harness.invite()
    linked = await chat.send(f"/start {good.lower()}")  # codes are case-insensitive
    assert f"Liên kết thành công: tài khoản này báo cáo cho {NGHI_HAI_NAME}." in linked
    assert chat.keyboard() == ["Bắt đầu báo cáo"]
    assert "Chào mừng trở lại." in await chat.send("/start")

    [report] = await harness.reports_of(chat)
    assert (report.unit_code, report.campaign_code) == (NGHI_HAI, "so-ket-2023")
    # The button under the link message opens the report.
    opened = await chat.press("Bắt đầu báo cáo")
    assert f"Báo cáo của {NGHI_HAI_NAME} — {TITLE_2023}" in opened
    assert "Câu 1/38" in opened


async def test_two_chats_sending_one_code_at_once_to_two_workers_link_one(harness: Harness) -> None:
    """A turn checks the code, then spends it; the code stays locked in between, so of two chats
    sending it at once the second is told it was used, whichever worker handles it."""
    code = await harness.invite()
    workers = (harness.service, make_service(harness.factory, harness.clock))

    async def send(chat_id: str) -> str:
        envelope = Envelope("telegram", chat_id, parse_typed(f"/start {code}"), str(harness.next_update_id()), chat_id, "Người gửi mã")
        return joined((await workers[int(chat_id) % 2].handle(envelope)).replies)

    texts = await asyncio.gather(send("110"), send("111"))
    assert sorted("Liên kết thành công" in text for text in texts) == [False, True]
    assert any(f"Mã {code} đã được sử dụng." in text for text in texts)
    assert await count(harness.factory, Person) == 1


async def test_someone_not_linked_is_told_to_get_a_code_and_nothing_is_stored(harness: Harness) -> None:
    chat = harness.chat("104")
    for received in (
        await chat.send("/baocao"),
        await chat.send("/report"),
        await chat.send("/nop"),
        await chat.send("Phường Nghi Hải báo cáo"),
        joined(await chat.deliver(ButtonInput(step=1, value="o:hoi-nghi"))),
        joined(await chat.deliver(ButtonInput(step=0, value="r:1"))),
        joined(await chat.deliver(ButtonInput(step=0, value="open"))),
    ):
        assert NOT_LINKED in received
    assert await count(harness.factory, Report) == 0
    assert await count(harness.factory, Answer) == 0
    assert await count(harness.factory, Person) == 0


# ----- commands and language --------------------------------------------------------------------


async def test_unknown_commands_help_and_english_aliases(harness: Harness) -> None:
    stranger = harness.chat("105")
    assert "Không có lệnh /xyz. Gõ /trogiup để xem các lệnh bot hiểu được." in await stranger.send("/xyz")
    help_text = await stranger.send("/trogiup")
    assert help_text.startswith("baocao giúp lập báo cáo của đơn vị lần lượt theo từng câu hỏi.")
    for command in ("/baocao", "/tiendo", "/xemlai", "/sua", "/quaylai", "/boqua", "/xong", "/nop", "/ngonngu", "/trogiup"):
        assert f"\n{command} — " in help_text, command
    assert "/baocao — Bắt đầu hoặc tiếp tục làm báo cáo" in help_text
    assert await stranger.send("/help") == help_text
    assert await stranger.send("/trogiup@baocao_bot") == help_text

    chat = await harness.linked_chat("106")
    assert "Không có lệnh /xyz." in await chat.send("/xyz")
    opened = await chat.send("/report")
    assert f"Báo cáo của {NGHI_HAI_NAME}" in opened and "Câu 1/38" in opened
    progress = await chat.send("/progress")
    assert "Đã trả lời 0/38 câu." in progress
    assert "Tiêu chí: đã trả lời 0/22 (0 đạt, 0 chưa đạt, 0 chưa đến thời điểm xét)" in progress
    assert await chat.send("/help") == help_text


async def test_ngonngu_switches_the_language_and_the_chat_keeps_it(harness: Harness) -> None:
    chat = await harness.linked_chat("107")
    assert await chat.send("/ngonngu") == "This chat now uses English. Type /ngonngu to switch language."
    assert (await chat.send("/trogiup")).startswith("baocao helps you file your unit's report")
    opened = await chat.send("/baocao")
    assert f"Report of {NGHI_HAI_NAME} — 2023 review of building model units" in opened
    assert "Question 1/38" in opened
    assert (await harness.state_of(chat))["locale"] == "en"
    assert await chat.send("/ngonngu") == "Đã chuyển sang tiếng Việt. Gõ /ngonngu để đổi ngôn ngữ."
    assert "Câu 1/38" in await chat.send("/baocao")
    assert "This chat now uses English" in await chat.send("/ngonngu en")
    assert "Đã chuyển sang tiếng Việt" in await chat.send("/ngonngu vi")
    async with harness.factory() as uow:
        assert await uow.session.scalar(select(Person.locale)) == "vi"


async def test_an_english_speaker_gets_english_from_first_contact(harness: Harness) -> None:
    chat = harness.chat("108", language_code="en-US")
    welcome = await chat.send("/start")
    assert welcome.startswith("Welcome to baocao, the reporting assistant.")
    # The locale is taken at first contact only: a later language_code does not change it.
    chat.language_code = "vi"
    linked = await chat.send(f"/start {await harness.invite()}")
    assert f"Linked: you report for {NGHI_HAI_NAME}." in linked
    assert chat.keyboard() == ["Start the report"]
    assert "Question 1/38" in await chat.press("Start the report")
    async with harness.factory() as uow:
        assert await uow.session.scalar(select(Person.locale)) == "en"
    assert "Chào mừng đến với baocao" in await harness.chat("109", language_code="fr").send("/start")


# ----- which report -----------------------------------------------------------------------------


async def test_in_november_2023_only_the_2023_report_is_open_and_opens_directly(harness: Harness) -> None:
    chat = await harness.linked_chat("110")
    opened = await chat.send("/baocao")
    assert f"Báo cáo của {NGHI_HAI_NAME} — {TITLE_2023}" in opened
    assert "Bạn muốn làm báo cáo nào?" not in opened
    assert "Hạn nộp: thứ Bảy, 25/11/2023 (còn 5 ngày)" in opened
    assert [r.campaign_code for r in await harness.reports_of(chat)] == ["so-ket-2023"]


async def test_in_june_2024_a_closed_2023_campaign_is_not_offered(harness: Harness) -> None:
    chat = await harness.linked_chat("110")
    harness.clock.instant = JUNE_10_2024  # the 2023 campaign closed on 10/12/2023
    opened = await chat.send("/baocao")
    assert opened.startswith(f"Báo cáo của {NGHI_HAI_NAME} — {TITLE_2024}\n"), opened
    assert [r.campaign_code for r in await harness.reports_of(chat)] == ["so-ket-2023-2024"]


async def test_an_officer_whose_campaign_closed_is_told_when_and_what_opens_instead(harness: Harness) -> None:
    chat = await harness.linked_chat("110")
    assert TITLE_2023 in await chat.send("/baocao")  # on the 2023 report
    harness.clock.instant = datetime(2023, 12, 11, 9, 0, tzinfo=ZONE)  # the day after it closed
    told = await chat.send("/baocao")
    assert f"Đợt “{TITLE_2023}” đã kết thúc ngày 10/12/2023; không nhận báo cáo của đợt này nữa." in told, told
    assert f"Hiện đơn vị chưa có đợt báo cáo nào đang mở. Đợt tiếp theo, “{TITLE_2024}”, bắt đầu ngày 01/06/2024." in told
    harness.clock.instant = JUNE_10_2024
    assert f"Báo cáo của {NGHI_HAI_NAME} — {TITLE_2024}" in await chat.send("/baocao")
    harness.clock.instant = datetime(2026, 11, 28, 9, 0, tzinfo=ZONE)
    for typed in ("Đã làm.", "/baocao"):  # an answer to the closed report, then asking again
        told = await chat.send(typed)
        assert f"Đợt “{TITLE_2024}” đã kết thúc ngày 15/08/2024; không nhận báo cáo của đợt này nữa." in told, told
        assert "Hiện đơn vị không có đợt báo cáo nào khác đang mở." in told
        assert "quá hạn" not in told
    harness.clock.instant = JUNE_10_2024
    [report] = await harness.reports_of(chat)
    async with harness.factory() as uow:
        assert await uow.reports.answers(report.id) == {}  # the answer typed after closing was not taken


async def test_in_june_2024_two_open_reports_are_offered_and_the_chosen_one_opens(unclosed: Harness) -> None:
    harness = unclosed
    chat = await harness.linked_chat("111")  # linked in November; has not opened a report yet
    harness.clock.instant = JUNE_10_2024
    offer = await chat.send("/baocao")
    assert offer == "Bạn muốn làm báo cáo nào?"
    assert chat.keyboard() == [f"{TITLE_2023} — {NGHI_HAI_NAME}", f"{TITLE_2024} — {NGHI_HAI_NAME}"]
    offer_step = chat.keyboard_step()
    old_2023, new_2024 = await harness.reports_of(chat)
    assert (old_2023.campaign_code, old_2023.status) == ("so-ket-2023", ReportStatus.DRAFT)
    assert new_2024.campaign_code == "so-ket-2023-2024"

    opened = await chat.press(f"{TITLE_2024} — {NGHI_HAI_NAME}")
    assert f"Báo cáo của {NGHI_HAI_NAME} — {TITLE_2024}" in opened
    assert "Câu 1/38" in opened
    # The other choice, pressed on the (now old) offer message, is refused and changes nothing.
    refused = await chat.press(f"{TITLE_2023} — {NGHI_HAI_NAME}", step=offer_step)
    assert refused == STALE
    assert (await harness.state_of(chat))["report_id"] == new_2024.id

    question = WARD_FORM.questions[0]
    assert await answer(chat, question, "2024") == {"choice": question.options[-1].code}
    async with harness.factory() as uow:
        assert await uow.reports.answers(new_2024.id) == {question.id: {"choice": question.options[-1].code}}
        assert await uow.reports.answers(old_2023.id) == {}


async def test_a_stale_report_choice_is_refused(unclosed: Harness) -> None:
    harness = unclosed
    harness.clock.instant = JUNE_10_2024
    chat = await harness.linked_chat("112")
    await chat.send("/baocao")
    first_offer = chat.keyboard_step()
    await chat.send("/baocao")  # a second offer: the first one's buttons are now stale
    assert chat.keyboard_step() != first_offer
    assert await chat.press(f"{TITLE_2024} — {NGHI_HAI_NAME}", step=first_offer) == STALE
    state = await harness.state_of(chat)
    assert (state["mode"], state["report_id"]) == (Mode.CHOOSING_REPORT.value, None)
    assert "Câu 1/38" in await chat.press(f"{TITLE_2023} — {NGHI_HAI_NAME}")


async def test_in_june_2024_a_chat_with_a_2023_draft_is_offered_both_reports(unclosed: Harness) -> None:
    harness = unclosed
    chat = await harness.linked_chat("114")
    await chat.send("/baocao")
    await answer_all(chat, WARD_FORM.questions[:1], "2023")  # the 2023 report is begun, still a draft
    harness.clock.instant = JUNE_10_2024
    reply = await chat.send("/baocao")
    assert reply == "Bạn muốn làm báo cáo nào?", reply
    assert chat.keyboard() == [f"{TITLE_2023} — {NGHI_HAI_NAME}", f"{TITLE_2024} — {NGHI_HAI_NAME}"]


async def test_after_submitting_the_2023_report_the_2023_2024_one_can_be_opened(harness: Harness) -> None:
    chat = await harness.linked_chat("113")
    await chat.send("/baocao")
    [report] = await harness.reports_of(chat)
    async with harness.factory() as uow:  # the officer has answered everything …
        await uow.reports.save_answers(report.id, complete_answers(), None, harness.clock.now())
    assert "Nộp báo cáo của" in await chat.send("/nop")  # … and submits through the bot
    assert "Số tiếp nhận" in await chat.press("Nộp ngay")

    harness.clock.instant = JUNE_10_2024
    reply = await chat.send("/baocao")
    assert f"Báo cáo của {NGHI_HAI_NAME} — {TITLE_2024}" in reply, reply


def complete_answers() -> dict[str, AnswerValue]:
    """A valid value for every question of the ward police form."""
    values: dict[str, AnswerValue] = {}
    for question in WARD_FORM:
        values[question.id] = {
            QuestionKind.CHOICE: {"choice": question.options[0].code if question.options else ""},
            QuestionKind.DATE: {"date": "2023-11-20"},
            QuestionKind.NUMBER: {"number": 1},
            QuestionKind.TEXT: {"text": long_text("Sẵn", question)},
            QuestionKind.ATTACHMENT: {"skipped": True},
            QuestionKind.CRITERION: {"status": "dat", "narrative": "Đã thực hiện."},
        }[question.kind]
    return values


# ----- the next campaign builds on the last ---------------------------------------------------

LAST_YEAR = {
    "ngay-so-ket": {"date": "2023-11-20"},
    "I.1": {"text": "Phường có 12 khối phố, dân số khoảng 9.000 người (năm 2023)."},
    "II.1": {"text": "Đã triển khai kế hoạch đến toàn thể cán bộ, chiến sĩ (năm 2023)."},
    "TC.1": {"status": "dat", "narrative": "Đã tổ chức 12 buổi tuyên truyền tại các khối phố."},
    "TC.2": {"status": "chua_dat", "narrative": "Chưa đạt vì thiếu kinh phí."},
}
OFFER = "Kỳ trước ({campaign}), đơn vị đã trả lời:\n{answer}\n\nGiữ nguyên câu trả lời này cho kỳ này, hay sửa?"


async def test_in_june_2024_the_2023_answers_are_offered_one_by_one_and_each_one_kept_is_recorded(harness: Harness) -> None:
    chat = await harness.linked_chat("130")
    report_2023 = await harness.submit(NGHI_HAI)
    async with harness.factory() as uow:  # answered before it was handed in, as far as this test cares
        await uow.reports.save_answers(report_2023.id, LAST_YEAR, None, harness.clock.now())
    harness.clock.instant = JUNE_10_2024
    assert "Câu 1/38" in await chat.send("/baocao")
    await answer(chat, WARD_FORM.questions[0], "2024")
    offered = await chat.send("05/06/2024")  # a date belongs to its year: asked, never offered
    assert "✓ Đã lưu Câu 2" in offered
    assert OFFER.format(campaign=TITLE_2023, answer=LAST_YEAR["I.1"]["text"]) in offered
    assert chat.keyboard()[:2] == ["Giữ nguyên", "Sửa"]
    kept = await chat.press("Giữ nguyên")
    assert f"✓ Giữ nguyên như kỳ trước — Câu 3: {LAST_YEAR['I.1']['text']}" in kept
    assert "Câu 4/38" in kept and "Kỳ trước" not in kept  # I.2 was not answered in 2023: asked as usual
    await answer(chat, WARD_FORM.questions[3], "2024")
    assert "Kỳ trước" in chat.replies[-1].text  # II.1 is offered; a new text typed instead replaces it
    new_text = "Năm 2024 đơn vị tiếp tục quán triệt kế hoạch đến toàn thể cán bộ."
    assert f"✓ Đã lưu Câu 5: {new_text}" in await chat.send(new_text)

    offer = await chat.send("/sua 10")
    assert "Tiêu chí 1/22" in offer and "Đạt — Đã tổ chức 12 buổi tuyên truyền" in offer
    assert "Chọn kết quả tự đánh giá của đơn vị" in await chat.press("Sửa")
    assert "Kỳ trước" in await chat.send("/quaylai")  # back from the status is the offer again
    assert "✓ Giữ nguyên như kỳ trước — Tiêu chí 1: Đạt" in await chat.press("Giữ nguyên")
    assert "Kỳ trước" in await chat.send("/sua 11")
    assert "Vui lòng chọn một nút bên dưới" in await chat.send("không rõ")  # a criterion is kept or re-assessed by button

    [report_2024] = [r for r in await harness.reports_of(chat) if r.campaign_code == "so-ket-2023-2024"]
    async with harness.factory() as uow:
        answers = await uow.reports.answers(report_2024.id)
        history = await uow.audit.history(report_2024.id)
        assert await uow.reports.answers(report_2023.id) == LAST_YEAR
    assert (answers["I.1"], answers["TC.1"], answers["II.1"]) == (LAST_YEAR["I.1"], LAST_YEAR["TC.1"], {"text": new_text})
    assert "TC.2" not in answers and answers["ngay-so-ket"] == {"date": "2024-06-05"}
    carried = [(e.details["questions"], e.details["campaign"]) for e in history if e.action == "carried_over"]
    assert carried == [(["I.1"], "so-ket-2023"), (["TC.1"], "so-ket-2023")]


# ----- a whole report ---------------------------------------------------------------------------


async def test_a_whole_ward_police_report_answered_edited_and_submitted(uow_factory: UnitOfWorkFactory) -> None:
    harness = Harness(uow_factory)
    await harness.seed(DEMO_UNITS)  # the whole demo province this time
    chat = await harness.linked_chat("120")
    opened = await chat.send("/baocao")
    assert f"Báo cáo của {NGHI_HAI_NAME} — {TITLE_2023}" in opened
    [report] = await harness.reports_of(chat)
    assert report.form_id == "cap-22"
    form = CATALOG.form(report.form_id)
    assert (len(form), form.criteria_count) == (38, 22)
    kinds = [q.kind for q in form]
    assert kinds.count(QuestionKind.CRITERION) == 22 and QuestionKind.ATTACHMENT in kinds

    expected = await answer_all(chat, form.questions, "Nghi Hải")
    assert ALL_ANSWERED in chat.replies[-1].text
    said = [reply.text for reply in chat.replies]
    assert any("📋 Tiêu chí 1/22 · Câu 10/38" in text for text in said)
    assert any("📋 Tiêu chí 22/22 · Câu 31/38" in text for text in said)
    assert any(text.startswith("✓ Đã lưu Tiêu chí 1: Đạt — Nghi Hải") for text in said)
    assert any(text.startswith("✓ Đã lưu Tiêu chí 2: Chưa đạt") for text in said)
    assert any(text.startswith("✓ Đã lưu Tiêu chí 3: Chưa đến thời điểm xét (đủ điều kiện") for text in said)
    assert chat.keyboard() == ["Xem lại", "Nộp báo cáo"]
    all_answered_step = chat.keyboard_step()
    async with harness.factory() as uow:
        assert await uow.reports.answers(report.id) == expected
        # One version each; criterion 1 has a second, with the photo sent after its text.
        assert [len(await answer_versions(uow, report.id, q.id)) for q in form] == [2 if q.id == "TC.1" else 1 for q in form]
    assert expected["TC.3"] == {
        "status": "chua_den",
        "eligible": True,
        "narrative": long_text("Nghi Hải", form.question("TC.3")),
    }
    progress = await chat.send("/tiendo")
    assert "Đã trả lời 38/38 câu." in progress
    assert "Tiêu chí: đã trả lời 22/22 (8 đạt, 7 chưa đạt, 7 chưa đến thời điểm xét)" in progress

    # An edit adds a version; the first stays in the history.
    edit = await chat.send("/sua 3")
    assert "Câu 3/38" in edit and "Câu trả lời hiện tại:" in edit
    assert chat.keyboard()[:2] == ["Giữ nguyên", "Viết thêm"]
    corrected = "Tình hình an ninh, trật tự trên địa bàn phường Nghi Hải ổn định (đã sửa)."
    saved = await chat.send(corrected)
    assert SAVED in saved and ALL_ANSWERED in saved
    async with harness.factory() as uow:
        history = await answer_versions(uow, report.id, "I.1")
        assert [(version, value) for version, value, _ in history] == [
            (1, expected["I.1"]),
            (2, {"text": corrected}),
        ]
        assert (await uow.reports.answers(report.id))["I.1"] == {"text": corrected}

    # Submitting gives a receipt number and time.
    confirm = await chat.press("Nộp báo cáo")
    assert f"Nộp báo cáo của {NGHI_HAI_NAME} ngay bây giờ?" in confirm
    done = await chat.press("Nộp ngay")
    number = receipt_number(report.id, 1)
    assert f"✅ Đã nộp báo cáo của {NGHI_HAI_NAME}." in done
    assert f"Số tiếp nhận: {number}, lúc 09:00 ngày 20/11/2023." in done
    async with harness.factory() as uow:
        submitted = await uow.reports.get(report.id)
        assert submitted is not None
        assert (submitted.status, submitted.receipt_no) == (ReportStatus.SUBMITTED, number)
        assert submitted.submitted_at == NOV_20_2023

    # Afterwards the report is locked, whatever the officer tries.
    for attempt in ("/sua 5", "/baocao", "/boqua", "/quaylai"):
        reply = await chat.send(attempt)
        assert LOCKED in reply, (attempt, reply)
        assert f"Số tiếp nhận: {number}" in reply
    assert await chat.press("Nộp báo cáo", step=all_answered_step) == STALE
    assert "Trạng thái: đã nộp" in await chat.send("/tiendo")
    async with harness.factory() as uow:
        assert (await uow.reports.answers(report.id))["I.1"] == {"text": corrected}
    assert await count(harness.factory, Answer) == len(form) + 2  # the edit of question 3, the photo of criterion 1


async def test_typing_an_answer_after_submission_says_the_report_is_locked(harness: Harness) -> None:
    chat = await harness.linked_chat("121")
    await chat.send("/baocao")
    [report] = await harness.reports_of(chat)
    async with harness.factory() as uow:
        await uow.reports.save_answers(report.id, complete_answers(), None, harness.clock.now())
    await chat.send("/nop")
    assert "Số tiếp nhận" in await chat.press("Nộp ngay")
    for attempt in ("Bổ sung: phường đã lắp thêm camera.", "/xong"):
        reply = await chat.send(attempt)
        assert LOCKED in reply, (attempt, reply)


# ----- delivery -------------------------------------------------------------------------------


async def test_a_redelivered_update_is_applied_once(harness: Harness) -> None:
    chat = await harness.linked_chat("130")
    await chat.send("/baocao")
    await answer_all(chat, WARD_FORM.questions[:2], "Nghi Hải")
    assert header(WARD_FORM.question("I.1")) in chat.replies[-1].text

    first = await chat.send("Địa bàn ven biển.", update_id=555)
    assert "Cần viết ít nhất 20 ký tự (hiện có 17)" in first
    assert await chat.deliver(TextInput("Địa bàn ven biển."), update_id=555) == []
    assert SAVED in await chat.send("Tình hình an ninh ổn định.", update_id=556)
    assert await chat.deliver(TextInput("Tình hình an ninh ổn định."), update_id=556) == []
    [report] = await harness.reports_of(chat)
    async with harness.factory() as uow:
        assert (await uow.reports.answers(report.id))["I.1"] == {"text": "Địa bàn ven biển.\nTình hình an ninh ổn định."}
    assert await harness.processed(555) and await harness.processed(556)




async def test_two_chats_answering_at_the_same_time_lose_nothing(harness: Harness) -> None:
    hai = await harness.linked_chat("140", NGHI_HAI)
    hoa = await harness.linked_chat("141", NGHI_HOA)
    await asyncio.gather(hai.send("/baocao"), hoa.send("/baocao"))
    questions = WARD_FORM.questions
    first = await asyncio.gather(answer_all(hai, questions[:2], "Hải"), answer_all(hoa, questions[:2], "Hòa"))

    # A burst: the four text answers of each chat at once, each a whole answer, interleaved.
    burst = questions[2:6]
    parts = {chat.chat_id: [f"{chat.chat_id}: đoạn {n} của phần khái quát, đầy đủ." for n in range(len(burst))] for chat in (hai, hoa)}
    sent = await asyncio.gather(*(chat.send(parts[chat.chat_id][n]) for n in range(len(burst)) for chat in (hai, hoa)))
    assert all(SAVED in text for text in sent)

    # Then both walk on side by side, through every kind of question up to the fourth criterion.
    walked = questions[6 : WARD_FORM.index_of("TC.4") + 1]
    rest = await asyncio.gather(answer_all(hai, walked, "Hải"), answer_all(hoa, walked, "Hòa"))
    for chat, unit, before, after in ((hai, NGHI_HAI_NAME, first[0], rest[0]), (hoa, NGHI_HOA_NAME, first[1], rest[1])):
        [report] = await harness.reports_of(chat)
        assert report.unit_name == unit
        async with harness.factory() as uow:
            stored = await uow.reports.answers(report.id)
            versions = [len(await answer_versions(uow, report.id, q.id)) for q in questions]
        texts = [stored.pop(question.id)["text"] for question in burst]
        assert sorted(texts) == sorted(parts[chat.chat_id])
        assert stored == {**before, **after}
        answered = len(walked) + 6
        assert versions == [2 if q.id == "TC.1" else 1 for q in questions[:answered]] + [0] * (len(questions) - answered)
        assert header(WARD_FORM.question("TC.5")) in chat.replies[-1].text


# ----- a failed turn ----------------------------------------------------------------------------


async def test_an_exception_rolls_the_whole_turn_back_and_a_retry_works(harness: Harness) -> None:
    chat = await harness.linked_chat("150")
    await chat.send("/baocao")
    await answer_all(chat, WARD_FORM.questions[:1], "Nghi Hải")
    before = await harness.state_of(chat)
    assert before["question_id"] == "ngay-so-ket"
    [report] = await harness.reports_of(chat)

    # The same service, except that its catalog no longer knows the ward police form.
    forms = {form_id: form for form_id, form in CATALOG.forms.items() if form_id != "cap-22"}
    broken = make_service(harness.factory, harness.clock, replace(CATALOG, forms=forms))
    with pytest.raises(KeyError):
        await broken.handle(chat.envelope(TextInput("20/11/2023"), update_id=777))
    assert not await harness.processed(777)
    assert await harness.state_of(chat) == before
    async with harness.factory() as uow:
        assert "ngay-so-ket" not in await uow.reports.answers(report.id)

    # Redelivered to the working service, the same update is applied.
    retried = await chat.send("20/11/2023", update_id=777)
    assert SAVED in retried and "Câu 3/38" in retried
    assert await harness.processed(777)
    async with harness.factory() as uow:
        assert (await uow.reports.answers(report.id))["ngay-so-ket"] == {"date": "2023-11-20"}


async def test_a_failed_first_open_creates_no_report_rows(harness: Harness) -> None:
    chat = await harness.linked_chat("151")
    before = await harness.state_of(chat)
    broken = make_service(harness.factory, harness.clock, replace(CATALOG, forms={}))
    with pytest.raises(KeyError):
        await broken.handle(chat.envelope(parse_typed("/baocao"), update_id=778))
    assert not await harness.processed(778)
    assert await harness.state_of(chat) == before
    assert await count(harness.factory, Report) == 0
    assert "Câu 1/38" in await chat.send("/baocao", update_id=778)
    assert await count(harness.factory, Report) == 1
