"""End to end, supervisors: the real `baocao run` process, python-telegram-bot over HTTP, the fake
Bot API, and five people in the Nghệ An demo province.

A province supervisor (NA), a Cửa Lò supervisor (NA-CL) and a Thái Hòa supervisor (NA-TH) link
with invites, as do a reporter of Công an phường Nghi Hải (Cửa Lò) and one of Công an phường Hòa
Hiếu (Thái Hòa). The tests form one story over one bot process, in file order:

1. menus and scope, while nothing has been submitted;
2. the return loop: Nghi Hải is filed, returned twice, revised twice and approved;
3. chasing while most of the province is still missing: /chuanop pages, names the officer who
   linked with a /moi invite, and says when a unit was last active;
4. the rest of the province is submitted straight through storage, then /tinhhinh, /chuanop,
   /tieuchi and a /donvi long enough to be split are read back.

Each test only relies on what its fixtures set up (the people; the whole province submitted), so
one can be run alone with -k; run alone, a later test finds Nghi Hải filed by the seeding helper
instead of by the officer.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import docx
import openpyxl
import pytest
import pytest_asyncio
from sqlalchemy import select

from bot.base.answers import AnswerValue
from bot.base.commands import REPORTER_COMMANDS
from bot.base.forms import Form, QuestionKind
from bot.base.report_status import LOCKED_STATUSES
from bot.base.text import fold
from bot.catalog.loading import load_catalog, load_demo_units
from bot.reporting.prompts import OUTLINE_NUMBER
from bot.supervision import SUPERVISOR_COMMANDS
from harness.bot_process import DEMO_NOW, BotProcess, Officer, demo_bot
from harness.fakes import FakeBotApi
from storage.database import create_engine
from storage.models import Campaign, Enrolment, Report, Unit
from storage.unit_of_work import UnitOfWorkFactory
from tests import report_moves
from tests.channels.test_telegram_e2e import FORM, answer, saved_answers

pytestmark = pytest.mark.asyncio(loop_scope="module")

CATALOG = load_catalog()
DEMO_UNITS = load_demo_units()
CAMPAIGN = "so-ket-2023"
CAMPAIGN_TITLE = "Sơ kết công tác xây dựng đơn vị điển hình, kiểu mẫu năm 2023"

NGHI_HAI, NGHI_HAI_NAME = "CAP-CL-NGHIHAI", "Công an phường Nghi Hải"
HOA_HIEU, HOA_HIEU_NAME = "CAP-TH-HOAHIEU", "Công an phường Hòa Hiếu"
LONG_UNIT, LONG_UNIT_NAME = "CAP-TH-LONGSON", "Công an phường Long Sơn"

PROVINCE_SUPERVISOR = "Vũ Đức Thắng"
CUA_LO_SUPERVISOR = "Đỗ Minh Quân"
THAI_HOA_SUPERVISOR = "Hoàng Thị Lan"
CUA_LO_REPORTER = "Nguyễn Văn An"  # the name test_telegram_e2e's officer uses too
THAI_HOA_REPORTER = "Trần Thị Mai"

# The Vietnamese the bot speaks (locales/vi/LC_MESSAGES/messages.po).
NOT_FOUND = "Không tìm thấy đơn vị nào khớp với “{query}” trong địa bàn."
REFUSAL = (
    "Lệnh /{command} dành cho cán bộ theo dõi, thẩm định. Tài khoản này chưa được cấp quyền; "
    "nếu cần, hãy đề nghị cấp trên cấp quyền."
)
LINKED_SUPERVISOR = "Liên kết thành công: tài khoản này theo dõi báo cáo của {unit}"
LINKED_REPORTER = "Liên kết thành công: tài khoản này báo cáo cho {unit}"
NOT_SUBMITTED_YET = (
    "Báo cáo của {unit} ({campaign}): chưa bắt đầu. Chỉ báo cáo đã nộp mới có thể duyệt hoặc trả lại, "
    "và báo cáo đã duyệt mới có thể mở lại."
)
PICKER = "Trả lại báo cáo của {unit} — {campaign} để chỉnh sửa. Chọn những nội dung cần sửa"
ASK_COMMENT = "Bây giờ hãy viết trong một tin nhắn những nội dung cần sửa và lý do."
WILL_BE_TOLD = "Sẽ thông báo cho 1 cán bộ báo cáo của đơn vị."
RETURNED_TO_SUPERVISOR = "↩ Đã trả lại báo cáo của {unit} — {campaign} để chỉnh sửa {labels}.\n" + WILL_BE_TOLD
RETURN_NOTICE = (
    "↩ Báo cáo của {unit} — {campaign} đã được trả lại để chỉnh sửa.\nNội dung cần sửa: {labels}.\nNhận xét: “{comment}”\n"
    "Gõ /baocao để sửa."
)
NOT_REOPENED = "Câu {n} không thuộc phần được mở lại để chỉnh sửa."
APPROVED_TO_SUPERVISOR = "✅ Đã duyệt báo cáo của {unit} — {campaign}.\n" + WILL_BE_TOLD
APPROVED_NOTICE = "✅ Báo cáo của {unit} — {campaign} đã được duyệt."
ALL_SUBMITTED = f"Tất cả đơn vị tham gia trong địa bàn đã nộp báo cáo ({CAMPAIGN_TITLE})."
CHOSEN = f"\n\nĐợt: {CAMPAIGN_TITLE} (đang mở, hạn nộp 25/11/2023)"
"""The foot of a reply about the campaign a command took when none was named."""
ALL_ANSWERED = "Đã trả lời hết các câu hỏi"
PREPARING = "⏳ Đang chuẩn bị tệp; tệp sẽ được gửi vào cuộc trò chuyện này ngay khi xong."
RECEIPT = re.compile(r"Số tiếp nhận: (BC-\d{6})-(\d+)")

FIRST_COMMENT = "Câu 3 còn chung chung; tiêu chí 2 cần nêu số liệu tuần tra cụ thể."
SECOND_COMMENT = "Số cuộc sơ kết phải là 20 theo biên bản."

SUPERVISOR_NAMES = frozenset(spec.name for spec in SUPERVISOR_COMMANDS)


# ----- the world: one fake Bot API, one bot process, five people ------------------------------


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi(token="4343:SUPERVISION") as server:
        yield server


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def bot(api: FakeBotApi, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[BotProcess]:
    async with demo_bot(api, tmp_path_factory.mktemp("supervision")) as process:
        yield process


@dataclass
class Cast:
    province: Officer
    cua_lo: Officer
    thai_hoa: Officer
    cua_lo_reporter: Officer
    thai_hoa_reporter: Officer

    @property
    def supervisors(self) -> tuple[Officer, Officer, Officer]:
        return self.province, self.cua_lo, self.thai_hoa


async def link(api: FakeBotApi, bot: BotProcess, user_id: int, name: str, unit: str, role: str) -> Officer:
    invite = json.loads(await bot.cli("invite", "--unit", unit, "--role", role, "--json"))
    assert (invite["unit"], invite["role"]) == (unit, role)
    officer = Officer(api.user(user_id, name), bot)
    template = LINKED_SUPERVISOR if role == "supervisor" else LINKED_REPORTER
    await officer.command("start", template.format(unit=invite["unit_name"]), args=invite["code"])
    return officer


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def cast(api: FakeBotApi, bot: BotProcess) -> Cast:
    return Cast(
        province=await link(api, bot, 8100, PROVINCE_SUPERVISOR, "NA", "supervisor"),
        cua_lo=await link(api, bot, 8101, CUA_LO_SUPERVISOR, "NA-CL", "supervisor"),
        thai_hoa=await link(api, bot, 8102, THAI_HOA_SUPERVISOR, "NA-TH", "supervisor"),
        cua_lo_reporter=await link(api, bot, 8001, CUA_LO_REPORTER, NGHI_HAI, "reporter"),
        thai_hoa_reporter=await link(api, bot, 8002, THAI_HOA_REPORTER, HOA_HIEU, "reporter"),
    )


# ----- helpers ----------------------------------------------------------------------------------


async def ask(officer: Officer, line: str, fragment: str) -> dict[str, Any]:
    """Sends `/command args` and returns the bot's message containing `fragment`."""
    command, _sep, args = line.removeprefix("/").partition(" ")
    return await officer.command(command, fragment, args=args)


async def whole_reply(officer: Officer, line: str, fragment: str) -> list[dict[str, Any]]:
    """Every message of a reply that may be split: from the one with `fragment` to the last."""
    first = await ask(officer, line, fragment)
    await officer.user.wait_until_idle(quiet=0.4)
    messages = officer.user.messages
    return messages[messages.index(first) :]


def labels_of(message: dict[str, Any]) -> list[str]:
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    return [button["text"] for row in rows for button in row]


def utf16_units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def subtree(root: str) -> list[Any]:
    """The demo units under `root` (itself included), from the catalog."""
    found, codes = [], {root}
    for unit in DEMO_UNITS:  # parents come before their children in the demo file
        if unit.code == root or unit.parent_code in codes:
            codes.add(unit.code)
            found.append(unit)
    return found


def leaks(officer: Officer, outside: str, people: Iterable[str]) -> list[str]:
    """Names and codes of units under `outside`, or names of `people`, in anything the bot said
    to this chat, except where it repeats back, in a not-found answer, what was typed."""
    forbidden = [u.name for u in subtree(outside)] + [u.code for u in subtree(outside)] + list(people)
    found = []
    for message in officer.user.messages:
        text = message.get("text") or ""
        if re.fullmatch(re.escape(NOT_FOUND).replace(r"\{query\}", ".+"), text):
            continue
        found += [f"{word!r} in {text[:200]!r}" for word in forbidden if word in text]
    return found


async def expect_not_found(officer: Officer, command: str, query: str) -> None:
    """The reply is exactly the one for a unit that does not exist, with no buttons."""
    reply = await ask(officer, f"/{command} {query}", f"“{query}”")
    assert reply["text"] == NOT_FOUND.format(query=query), reply["text"]
    assert not reply.get("reply_markup")


# ----- 1. menus and scope -------------------------------------------------------------------------


async def test_supervisors_get_their_commands_in_the_menu_and_reporters_do_not(api: FakeBotApi, cast: Cast) -> None:
    for supervisor in cast.supervisors:
        for language in ("", "en"):
            menu = {c["command"] for c in api.commands[(f"chat:{supervisor.user.id}", language)]}
            assert menu >= SUPERVISOR_NAMES | {spec.name for spec in REPORTER_COMMANDS}, menu
        described = {c["command"]: c["description"] for c in api.commands[(f"chat:{supervisor.user.id}", "")]}
        assert described["tinhhinh"] == "Tình hình nộp báo cáo trong địa bàn: /tinhhinh [ĐỢT]", described
    for reporter in (cast.cua_lo_reporter, cast.thai_hoa_reporter):
        assert not [key for key in api.commands if key[0] == f"chat:{reporter.user.id}"]
    for language in ("", "en"):
        default = {c["command"] for c in api.commands[("default", language)]}
        assert "baocao" in default and not default & SUPERVISOR_NAMES, default


async def test_each_district_supervisor_sees_only_its_district(cast: Cast) -> None:
    cua_lo, thai_hoa = cast.cua_lo, cast.thai_hoa

    status = await ask(cua_lo, "/tinhhinh", "📊 Tình hình báo cáo")
    assert "Phạm vi: Thị xã Cửa Lò\n" in status["text"]
    assert re.search(r"• Công an phường: \d\d/07 đã nộp\n", status["text"]), status["text"]
    assert re.search(r"• Xã, phường, thị trấn: \d\d/06 đã nộp\n", status["text"])
    status = await ask(thai_hoa, "/tinhhinh", "📊 Tình hình báo cáo")
    assert "Phạm vi: Thị xã Thái Hòa\n" in status["text"]
    assert re.search(r"• Công an phường: \d\d/04 đã nộp\n", status["text"]), status["text"]

    # Cửa Lò: 7 ward police, 6 communes, 4 enterprises and the town itself; Thái Hòa: 4 ward
    # police, 6 communes, 4 enterprises, 3 schools and the town.
    for supervisor, town, count in ((cua_lo, "Thị xã Cửa Lò", 18), (thai_hoa, "Thị xã Thái Hòa", 18)):
        missing = await ask(supervisor, "/chuanop", "Chưa nộp — ")
        assert f": {count} đơn vị (trang 1/2)" in missing["text"], missing["text"]
        listed = [line for line in missing["text"].splitlines() if re.match(r"\d+\. ", line)]
        assert len(listed) == 10 and all(f"({town})" in line for line in listed), listed

    shown = await ask(cua_lo, f"/donvi {NGHI_HAI_NAME.removeprefix('Công an phường ')}", "📄 ")
    assert shown["text"].startswith(f"📄 {NGHI_HAI_NAME} — {CAMPAIGN_TITLE}\nTrạng thái: chưa bắt đầu\n")
    assert f"\nCán bộ: {CUA_LO_REPORTER}\n" in shown["text"]
    for query in ("Hòa Hiếu", HOA_HIEU, "hoa hieu", "Không Có Phường Này"):
        await expect_not_found(cua_lo, "donvi", query)
    for query in ("Nghi Hải", NGHI_HAI, "CAP-CL-NGHIHOA"):
        await expect_not_found(thai_hoa, "donvi", query)
    shown = await ask(thai_hoa, f"/donvi {HOA_HIEU}", "📄 ")
    assert shown["text"].startswith(f"📄 {HOA_HIEU_NAME} — ")

    criterion = await ask(cua_lo, "/tieuchi 22 3", "Tiêu chí 3 của mẫu 22 tiêu chí")
    assert f"— {CAMPAIGN_TITLE}: 7 đơn vị\n" in criterion["text"]
    assert f"Chưa trả lời:\n– {NGHI_HAI_NAME}\n" in criterion["text"]
    criterion = await ask(thai_hoa, "/tieuchi cap-22 3", "Tiêu chí 3 của mẫu 22 tiêu chí")
    assert f"— {CAMPAIGN_TITLE}: 4 đơn vị\n" in criterion["text"]
    assert f"Chưa trả lời:\n– {HOA_HIEU_NAME}\n" in criterion["text"]

    people = await ask(cua_lo, "/canbo", "Những người có quyền truy cập (2):")
    assert f"{CUA_LO_REPORTER} — cán bộ báo cáo — {NGHI_HAI_NAME}" in people["text"]
    assert f"{CUA_LO_SUPERVISOR} — cán bộ theo dõi, thẩm định — Thị xã Cửa Lò" in people["text"]
    people = await ask(thai_hoa, "/canbo", "Những người có quyền truy cập (2):")
    assert f"{THAI_HOA_REPORTER} — cán bộ báo cáo — {HOA_HIEU_NAME}" in people["text"]
    await ask(cua_lo, "/canbo Nghi Hải", "Những người có quyền truy cập (1):")
    await expect_not_found(cua_lo, "canbo", "Hòa Hiếu")
    await expect_not_found(thai_hoa, "canbo", NGHI_HAI)

    await ask(cua_lo, "/lichsu Nghi Hải", f"Lịch sử báo cáo của {NGHI_HAI_NAME} — {CAMPAIGN_TITLE}")
    await expect_not_found(cua_lo, "lichsu", "Hòa Hiếu")
    await expect_not_found(thai_hoa, "lichsu", "Nghi Hải")

    for command in ("duyet", "tralai"):
        refused = await ask(cua_lo, f"/{command} Nghi Hải", "Chỉ báo cáo đã nộp")
        assert refused["text"] == NOT_SUBMITTED_YET.format(unit=NGHI_HAI_NAME, campaign=CAMPAIGN_TITLE) + CHOSEN
        await expect_not_found(cua_lo, command, "Hòa Hiếu")
        await expect_not_found(cua_lo, command, HOA_HIEU)
        await expect_not_found(thai_hoa, command, "Nghi Hải")

    invite = await ask(cua_lo, "/moi Nghi Hòa", "Mã mời cho Công an phường Nghi Hòa:")
    assert "/start " in invite["text"] and "https://t.me/fake_test_bot?start=" in invite["text"]
    await expect_not_found(cua_lo, "moi", "Long Sơn")
    await expect_not_found(thai_hoa, "moi", "CAP-CL-NGHIHOA")

    for supervisor in (cua_lo, thai_hoa):
        await supervisor.user.wait_until_idle()
    assert leaks(cua_lo, "NA-TH", [THAI_HOA_REPORTER, THAI_HOA_SUPERVISOR, PROVINCE_SUPERVISOR]) == []
    assert leaks(thai_hoa, "NA-CL", [CUA_LO_REPORTER, CUA_LO_SUPERVISOR, PROVINCE_SUPERVISOR]) == []


async def test_the_province_supervisor_sees_both_districts(cast: Cast) -> None:
    province = cast.province
    status = await ask(province, "/tinhhinh", "📊 Tình hình báo cáo")
    text = status["text"]
    assert "Phạm vi: Tỉnh Nghệ An\n" in text and "Theo địa bàn:" in text
    assert re.search(r"• Công an phường: \d\d/07 đã nộp tại thị xã Cửa Lò\n", text), text
    assert re.search(r"• Công an phường: \d\d/04 đã nộp tại thị xã Thái Hòa\n", text), text
    assert re.search(r"• Công an phường: \d\d/05 đã nộp tại thành phố Vinh\n", text), text
    assert labels_of(status) == ["Chưa nộp"]
    missing = await ask(province, "/chuanop", "Chưa nộp — ")
    assert re.search(r": 11[56] đơn vị \(trang 1/12\)", missing["text"]), missing["text"]

    for query, name in (("Hòa Hiếu", HOA_HIEU_NAME), (NGHI_HAI, NGHI_HAI_NAME)):
        shown = await ask(province, f"/donvi {query}", "📄 ")
        assert shown["text"].startswith(f"📄 {name} — "), shown["text"]
    criterion = await ask(province, "/tieuchi 22 3", "Tiêu chí 3 của mẫu 22 tiêu chí")
    assert f"— {CAMPAIGN_TITLE}: 16 đơn vị\n" in criterion["text"]
    people = await ask(province, "/canbo", "Những người có quyền truy cập (5):")
    for name in (PROVINCE_SUPERVISOR, CUA_LO_SUPERVISOR, THAI_HOA_SUPERVISOR, CUA_LO_REPORTER, THAI_HOA_REPORTER):
        assert name in people["text"]
    await ask(province, "/lichsu Hòa Hiếu", f"Lịch sử báo cáo của {HOA_HIEU_NAME}")
    await ask(province, "/moi Hòa Hiếu", f"Mã mời cho {HOA_HIEU_NAME}:")


async def test_a_reporter_is_refused_supervisor_commands_and_shown_nothing(cast: Cast) -> None:
    reporter = cast.thai_hoa_reporter
    await reporter.user.wait_until_idle()
    before = len(reporter.user.messages)
    for line, commands in (("/tinhhinh", ["tinhhinh"]), (f"/duyet {NGHI_HAI_NAME}", ["duyet"]), ("/status", ["status", "tinhhinh"])):
        refused = await ask(reporter, line, "dành cho cán bộ theo dõi, thẩm định")
        assert refused["text"] in [REFUSAL.format(command=command) for command in commands], refused["text"]
        assert not refused.get("reply_markup")
    await reporter.user.wait_until_idle()
    assert len(reporter.user.messages) == before + 3  # one refusal each, nothing else


# ----- 2. the return loop ---------------------------------------------------------------------------


async def submit(officer: Officer, submission: int) -> str:
    """From “all answered” to the receipt; returns the receipt number."""
    await officer.press("Nộp báo cáo", f"Nộp báo cáo của {NGHI_HAI_NAME}")
    done = await officer.press("Nộp ngay", f"Đã nộp báo cáo của {NGHI_HAI_NAME}")
    match = RECEIPT.search(done["text"])
    assert match is not None and match.group(2) == str(submission), done["text"]
    return match.group(0).removeprefix("Số tiếp nhận: ")


async def return_for_revision(
    supervisor: Officer, reporter: Officer, press: list[int], typed: str | None, labels: str, comment: str
) -> dict[str, Any]:
    """/tralai, choose with buttons (by the question's number on them) or typed numbers,
    “Continue”, the comment; returns the notice the reporter's chat receives."""
    heading = PICKER.format(unit=NGHI_HAI_NAME, campaign=CAMPAIGN_TITLE)
    picker = await ask(supervisor, f"/tralai {NGHI_HAI}", heading)
    assert "Đã chọn: chưa có." in picker["text"]
    buttons = labels_of(picker)
    assert {"Tiếp tục ▶", "Hủy"} <= set(buttons) and len(buttons) == len(FORM) + 2
    assert buttons[2].startswith("3. Khái quát đặc điểm") and buttons[10].startswith("11. Tiêu chí 2")
    for number in press:
        label = buttons[number - 1]
        picker = await supervisor.press(label, heading)
        assert f"✓ {label}" in labels_of(picker)
    if typed is not None:
        picker = await supervisor.say(typed, heading)
    assert f"Đã chọn: {labels}." in picker["text"], picker["text"]
    await supervisor.press("Tiếp tục ▶", ASK_COMMENT)
    done = await supervisor.say(comment, "↩ Đã trả lại báo cáo")
    assert done["text"] == RETURNED_TO_SUPERVISOR.format(unit=NGHI_HAI_NAME, campaign=CAMPAIGN_TITLE, labels=labels)
    notice = await reporter.expect("đã được trả lại để chỉnh sửa")
    assert notice["text"] == RETURN_NOTICE.format(unit=NGHI_HAI_NAME, campaign=CAMPAIGN_TITLE, labels=labels, comment=comment)
    assert labels_of(notice) == ["Sửa ngay"]
    return notice


def history_entries(messages: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """(who, what) for each line of a /lichsu reply, pieces joined."""
    entries = []
    for line in "\n".join(m["text"] for m in messages).splitlines():
        match = re.fullmatch(r"\d\d:\d\d \d\d/\d\d/\d{4} — ([^:]+): (.*)", line)
        if match:
            entries.append((match.group(1), match.group(2)))
    return entries


async def test_a_report_returned_twice_is_revised_resubmitted_and_approved(bot: BotProcess, cast: Cast) -> None:
    supervisor, reporter = cast.cua_lo, cast.cua_lo_reporter
    await reporter.command("baocao", "Câu 1/38")
    for position, question in enumerate(FORM.questions, start=1):
        await answer(reporter, question, position)
    first = await submit(reporter, 1)
    original = await saved_answers(bot)

    # First return: question 3 and criterion 2, picked with the buttons.
    notice = await return_for_revision(
        supervisor, reporter, [11, 3], None, "Câu 3, Tiêu chí 2", FIRST_COMMENT
    )
    refused = await ask(supervisor, "/duyet Nghi Hải", "Chỉ báo cáo đã nộp")
    assert refused["text"].startswith(f"Báo cáo của {NGHI_HAI_NAME} ({CAMPAIGN_TITLE}): bị trả lại để chỉnh sửa.")
    reporter.user.press_on(notice["message_id"], "Sửa ngay")
    opened = await reporter.expect("📋 ")
    assert opened["text"].split("📋 ")[1].startswith("Câu 3/38"), opened["text"]  # the first reopened question
    assert "Câu trả lời hiện tại:" in opened["text"]
    assert f"✏️ Cần sửa theo yêu cầu của cấp trên: “{FIRST_COMMENT}”" in opened["text"]
    progress = await reporter.command("tiendo", "↩ Báo cáo bị trả lại để chỉnh sửa: Câu 3, Tiêu chí 2.")
    assert f"Nhận xét của cấp trên: “{FIRST_COMMENT}”" in progress["text"]
    await reporter.command("baocao", "📋 Câu 3/38")
    not_open = await reporter.command("sua", "không thuộc phần được mở lại", args="5")
    assert not_open["text"] == NOT_REOPENED.format(n=5)
    new_text = "Phường Nghi Hải có 12 tổ dân phố, 3 tuyến du lịch biển; tình hình ANTT ổn định (đã bổ sung)."
    criterion = await reporter.say(new_text, "📋 Tiêu chí 2/22 · Câu 11/38")
    assert "Câu trả lời hiện tại: Chưa đạt" in criterion["text"]
    await reporter.press("Đạt", "Nêu rõ việc đã triển khai")
    new_narrative = "Tiêu chí 2: 48 lượt tuần tra, 6 vụ việc được xử lý ngay tại địa bàn."
    await reporter.say(new_narrative, ALL_ANSWERED)
    second = await submit(reporter, 2)

    # Second return: one question, typed as /donvi numbers it.
    notice = await return_for_revision(supervisor, reporter, [], "7", "Câu 7", SECOND_COMMENT)
    reporter.user.press_on(notice["message_id"], "Sửa ngay")
    opened = await reporter.expect("📋 ")
    assert opened["text"].split("📋 ")[1].startswith("Câu 7/38"), opened["text"]
    await reporter.say("20", ALL_ANSWERED)
    third = await submit(reporter, 3)

    await ask(supervisor, "/duyet Nghi Hải", f"Duyệt báo cáo của {NGHI_HAI_NAME} — {CAMPAIGN_TITLE}?")
    approved = await supervisor.press("✅ Xác nhận duyệt", "✅ Đã duyệt")
    assert approved["text"] == APPROVED_TO_SUPERVISOR.format(unit=NGHI_HAI_NAME, campaign=CAMPAIGN_TITLE)
    told = await reporter.expect("đã được duyệt")
    assert told["text"] == APPROVED_NOTICE.format(unit=NGHI_HAI_NAME, campaign=CAMPAIGN_TITLE)
    locked = await reporter.command("baocao", "không thể thay đổi")
    assert locked["text"].startswith("Báo cáo này đã được duyệt nên không thể thay đổi nữa.")
    assert f"Số tiếp nhận: {third}" in locked["text"]

    # The history, in order.
    history = await whole_reply(supervisor, "/lichsu Nghi Hải", f"Lịch sử báo cáo của {NGHI_HAI_NAME}")
    entries = history_entries(history)
    answered = len(FORM) + 1  # every question, and the photo added to criterion 1 right after its text
    assert all(who == CUA_LO_REPORTER for who, _ in entries[:answered])
    assert sum(what.startswith("đã trả lời ") for _, what in entries[:answered]) == len(FORM)
    q3, q7 = (re.escape(OUTLINE_NUMBER.sub("", FORM.questions[n - 1].prompt.vi)[:20]) for n in (3, 7))
    expected = [
        (CUA_LO_REPORTER, re.escape(f"đã nộp báo cáo (số tiếp nhận {first})")),
        (CUA_LO_SUPERVISOR, re.escape(f"đã trả lại báo cáo để chỉnh sửa Câu 3, Tiêu chí 2: “{FIRST_COMMENT}”")),
        (CUA_LO_REPORTER, f"đã sửa {q3}.*: Nội dung trả lời cho mục I\\.1.* → {re.escape(new_text[:40])}.*"),
        (CUA_LO_REPORTER, f"đã sửa Tiêu chí 2: Chưa đạt — Tiêu chí 2: đã triển khai.* → Đạt — {re.escape(new_narrative)}"),
        (CUA_LO_REPORTER, re.escape(f"đã nộp lại báo cáo (số tiếp nhận {second})")),
        (CUA_LO_SUPERVISOR, re.escape(f"đã trả lại báo cáo để chỉnh sửa Câu 7: “{SECOND_COMMENT}”")),
        (CUA_LO_REPORTER, f"đã sửa {q7}.*: 12 → 20"),
        (CUA_LO_REPORTER, re.escape(f"đã nộp lại báo cáo (số tiếp nhận {third})")),
        (CUA_LO_SUPERVISOR, "đã duyệt báo cáo"),
    ]
    for (who, what), (expected_who, pattern) in zip(entries[answered:], expected, strict=True):
        assert who == expected_who and re.fullmatch(pattern, what), (who, what, pattern)

    # Every version is kept: the first answers stand under the revised ones.
    versions = await saved_answers(bot)
    changed = {"I.1", "TC.2", "II.3.so-cuoc"}
    assert {qid: v for qid, v in versions.items() if qid not in changed} == {
        qid: v for qid, v in original.items() if qid not in changed
    }
    assert versions["I.1"] == [*original["I.1"], {"text": new_text}]
    assert versions["TC.2"][0] == original["TC.2"][0] and original["TC.2"][0]["status"] == "chua_dat"
    assert versions["TC.2"][1] == {"status": "dat", "narrative": new_narrative}
    assert [v["number"] for v in versions["II.3.so-cuoc"]] == [12, 20]
    report = await report_row(bot, NGHI_HAI)
    assert (report.status, report.submission_count, report.receipt_no) == ("approved", 3, third)
    assert (report.reopened, report.return_comment) == (["II.3.so-cuoc"], SECOND_COMMENT)


async def report_row(bot: BotProcess, unit: str) -> Any:
    database = create_engine(bot.database_url)
    try:
        async with UnitOfWorkFactory(database)() as uow:
            return (
                await uow.session.execute(
                    select(Report.status, Report.submission_count, Report.receipt_no, Report.reopened, Report.return_comment)
                    .join(Enrolment, Enrolment.id == Report.enrolment_id)
                    .join(Unit, Unit.id == Enrolment.unit_id)
                    .join(Campaign, Campaign.id == Enrolment.campaign_id)
                    .where(Unit.code == unit, Campaign.code == CAMPAIGN)
                )
            ).one()
    finally:
        await database.dispose()


# ----- 3. chasing while most of the province is missing ------------------------------------------


async def test_chuanop_pages_through_the_missing_units(cast: Cast) -> None:
    province = cast.province
    first = await ask(province, "/chuanop", "Chưa nộp — ")
    match = re.search(r": (\d+) đơn vị \(trang 1/(\d+)\)", first["text"])
    assert match is not None, first["text"]
    missing, pages = int(match.group(1)), int(match.group(2))
    assert missing >= 100 and pages == -(-missing // 10)
    assert labels_of(first) == ["Trang sau ▶"]

    def listed(message: dict[str, Any]) -> list[str]:
        return [line for line in message["text"].splitlines() if re.match(r"\d+\. ", line)]

    page_one = listed(first)
    second = await province.press("Trang sau ▶", f"(trang 2/{pages})")  # the page turns in place
    assert second["message_id"] == first["message_id"]
    assert labels_of(second) == ["◀ Trang trước", "Trang sau ▶"]
    assert [line.split(".")[0] for line in page_one] == [str(n) for n in range(1, 11)]
    assert [line.split(".")[0] for line in listed(second)] == [str(n) for n in range(11, 21)]
    assert not set(page_one) & set(listed(second))
    back = await province.press("◀ Trang trước", f"(trang 1/{pages})")
    assert listed(back) == page_one

    last = await cast.cua_lo.command("chuanop", "Chưa nộp — ")
    assert "(trang 1/2)" in last["text"]
    end = await cast.cua_lo.press("Trang sau ▶", "(trang 2/2)")
    assert labels_of(end) == ["◀ Trang trước"]


QUANG_TIEN_NAME = "Công an phường Quang Tiến"


def missing_line(message: dict[str, Any], unit_name: str) -> str:
    lines = [line for line in message["text"].splitlines() if re.match(rf"\d+\. {re.escape(unit_name)} \(", line)]
    assert len(lines) == 1, message["text"]
    return lines[0]


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def quang_tien_officer(api: FakeBotApi, bot: BotProcess, cast: Cast) -> Officer:
    """An officer linked with an invite the Thái Hòa supervisor made with /moi, who then opened
    the report (/baocao) and answered nothing."""
    invite = await ask(cast.thai_hoa, "/moi Quang Tiến", f"Mã mời cho {QUANG_TIEN_NAME}:")
    code = re.search(rf"Mã mời cho {QUANG_TIEN_NAME}: (\w+)\n", invite["text"])
    assert code is not None, invite["text"]
    officer = Officer(api.user(8003, "Lê Văn Dũng"), bot)
    await officer.command("start", LINKED_REPORTER.format(unit=QUANG_TIEN_NAME), args=code.group(1))
    await officer.command("baocao", "Câu 1/38")
    await officer.command("start", "đã được sử dụng", args=code.group(1))  # an invite works once
    return officer


async def test_chuanop_names_the_officer_who_linked_with_a_moi_invite(cast: Cast, quang_tien_officer: Officer) -> None:
    missing = await ask(cast.thai_hoa, "/chuanop", "Chưa nộp — ")
    line = missing_line(missing, QUANG_TIEN_NAME)
    assert line.endswith("cán bộ: Lê Văn Dũng"), line
    assert "— chưa bắt đầu · " in line
    people = await ask(cast.thai_hoa, "/canbo Quang Tiến", "Những người có quyền truy cập (1):")
    assert f"Lê Văn Dũng — cán bộ báo cáo — {QUANG_TIEN_NAME}" in people["text"]


async def test_an_officers_activity_is_dated_by_the_bots_clock(cast: Cast, quang_tien_officer: Officer) -> None:
    await quang_tien_officer.press("Hội nghị sơ kết", "Câu 2/38")
    missing = await ask(cast.thai_hoa, "/chuanop", "Chưa nộp — ")  # started units come first
    line = missing_line(missing, QUANG_TIEN_NAME)
    assert line.startswith("1. "), missing["text"]
    assert re.search(r"· hoạt động gần nhất \d\d:\d\d 20/11/2023 · ", line), line


async def test_looking_at_a_unit_is_not_activity_of_the_unit(cast: Cast) -> None:
    untouched = "Công an phường Nghi Thu"
    before = missing_line(await ask(cast.cua_lo, "/chuanop", "Chưa nộp — "), untouched)
    assert before.endswith("— chưa bắt đầu · chưa có cán bộ liên kết"), before
    await ask(cast.cua_lo, "/donvi Nghi Thu", f"📄 {untouched}")
    after = missing_line(await ask(cast.cua_lo, "/chuanop", "Chưa nộp — "), untouched)
    assert after == before


# ----- 4. the whole province submitted -----------------------------------------------------------------


def tc3_status(code: str) -> AnswerValue:
    """Criterion 3 of the ward police form, varied so /tieuchi has something to count."""
    if code == NGHI_HAI:  # as the officer answered it (tests.channels.test_telegram_e2e.STATUS_CYCLE)
        return {"status": "chua_den", "eligible": True, "narrative": "Tiêu chí 3."}
    wards = sorted(u.code for u in DEMO_UNITS if u.kind == "cap" and u.code != NGHI_HAI)
    return [
        {"status": "dat", "narrative": "Đạt."},
        {"status": "chua_dat", "narrative": "Chưa đạt."},
        {"status": "chua_den", "eligible": True, "narrative": "Đủ điều kiện."},
        {"status": "chua_den", "eligible": False, "narrative": "Chưa đủ điều kiện."},
    ][wards.index(code) % 4]


def long_text(code: str, question_id: str) -> str:
    """About 2,600 characters, with a sign outside the BMP (two UTF-16 units) in every sentence."""
    sentences = " ".join(
        f"Đợt {n}: tổ công tác 🚓 tuần tra khu vực {question_id}, xử lý {n + 3} vụ việc, lập biên bản đầy đủ."
        for n in range(1, 27)
    )
    return f"[{code} {question_id}] {sentences}"


def complete_answers(form: Form, code: str) -> dict[str, AnswerValue]:
    values: dict[str, AnswerValue] = {}
    for question in form:
        if question.kind is QuestionKind.CRITERION and question.id == "TC.3" and form.id == "cap-22":
            values[question.id] = tc3_status(code)
            continue
        values[question.id] = {
            QuestionKind.CHOICE: {"choice": question.options[0].code if question.options else ""},
            QuestionKind.DATE: {"date": "2023-11-18"},
            QuestionKind.NUMBER: {"number": 3},
            QuestionKind.TEXT: {"text": long_text(code, question.id) if code == LONG_UNIT else f"{code}: {question.id}."},
            QuestionKind.ATTACHMENT: {"skipped": True},
            QuestionKind.CRITERION: {"status": "dat", "narrative": "Đã thực hiện."},
        }[question.kind]
    return values


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def whole_province_submitted(bot: BotProcess, cast: Cast) -> None:
    """Every report of the 2023 campaign not yet handed in is answered and submitted, through
    the storage API, as if each unit's officer had done it."""
    now = datetime.fromisoformat(DEMO_NOW)
    database = create_engine(bot.database_url)
    try:
        factory = UnitOfWorkFactory(database)
        async with factory() as uow:
            units = {unit.id: unit for unit in await uow.units.units()}
            rows = await uow.reports.enrolments(CAMPAIGN, list(units))
        assert len(rows) == 116
        async with factory() as uow:
            for row in rows:
                if row.status in LOCKED_STATUSES:
                    continue
                report = await uow.reports.open_unit(CAMPAIGN, row.unit_id, now)
                assert report is not None
                code = units[row.unit_id].code
                await uow.reports.save_answers(report.id, complete_answers(CATALOG.form(row.form_id), code), None, now)
                await report_moves.submit(uow, report.id, None, now)
        async with factory() as uow:
            after = await uow.reports.enrolments(CAMPAIGN, list(units))
        assert {row.status for row in after} <= LOCKED_STATUSES
    finally:
        await database.dispose()


async def test_every_unit_submitted_reads_as_the_outline_counts(cast: Cast, whole_province_submitted: None) -> None:
    province = cast.province
    status = await ask(province, "/tinhhinh", "📊 Tình hình báo cáo")
    text = status["text"]
    for line in (
        "Công an phường: 07/07 đã nộp tại thị xã Cửa Lò",
        "Công an phường: 04/04 đã nộp tại thị xã Thái Hòa",
        "Công an phường: 05/05 đã nộp tại thành phố Vinh",
        "Xã, phường, thị trấn: 48/48 đã nộp",
        "Cơ quan, doanh nghiệp, cơ sở giáo dục: 42/42 đã nộp",
        "Công an phường: 16/16 đã nộp",
    ):
        assert f"• {line}\n" in text + "\n", (line, text)
    assert "0 chưa bắt đầu · 0 đang làm (0%) · 0 bị trả lại" in text
    for supervisor in (cast.province, cast.cua_lo, cast.thai_hoa):
        done = await ask(supervisor, "/chuanop", "Tất cả đơn vị")
        assert done["text"] == ALL_SUBMITTED + CHOSEN
    cua_lo = await ask(cast.cua_lo, "/tinhhinh", "📊 Tình hình báo cáo")
    assert "• Công an phường: 07/07 đã nộp\n" in cua_lo["text"]
    assert "Đơn vị cấp huyện: 01/01 đã nộp" in cua_lo["text"]


async def test_district_level_units_count_the_two_model_districts(cast: Cast, whole_province_submitted: None) -> None:
    status = await ask(cast.province, "/tinhhinh", "📊 Tình hình báo cáo")
    assert "• Đơn vị cấp huyện: 02/02 đã nộp\n" in status["text"], status["text"]


def criterion_counts(codes: Iterable[str]) -> tuple[int, int, int, int]:
    """(met, not met, not yet due, of which eligible) for criterion 3 over these wards."""
    values = [tc3_status(code) for code in codes]
    return (
        sum(v["status"] == "dat" for v in values),
        sum(v["status"] == "chua_dat" for v in values),
        sum(v["status"] == "chua_den" for v in values),
        sum(v["status"] == "chua_den" and v.get("eligible") is True for v in values),
    )


async def test_tieuchi_counts_a_criterion_by_status_over_the_scope(cast: Cast, whole_province_submitted: None) -> None:
    for supervisor, root, total in ((cast.province, "NA", 16), (cast.cua_lo, "NA-CL", 7), (cast.thai_hoa, "NA-TH", 4)):
        wards = [u for u in subtree(root) if u.kind == "cap"]
        assert len(wards) == total
        met, not_met, not_due, eligible = criterion_counts(u.code for u in wards)
        by_number = await ask(supervisor, "/tieuchi 22 3", "Tiêu chí 3 của mẫu 22 tiêu chí")
        by_form = await ask(supervisor, "/tieuchi cap-22 3", "Tiêu chí 3 của mẫu 22 tiêu chí")
        assert by_number["text"] == by_form["text"]
        assert by_number["text"].endswith(CHOSEN)
        text = by_number["text"].removesuffix(CHOSEN)
        assert text.startswith(
            f"Tiêu chí 3 của mẫu 22 tiêu chí — {CAMPAIGN_TITLE}: {total} đơn vị\n"
            f"• Đạt: {met}\n• Chưa đạt: {not_met}\n"
            f"• Chưa đến thời điểm xét: {not_due} ({eligible} đủ điều kiện xét đạt)\n"
            "• Chưa trả lời: 0"
        ), text
        sections = {heading: block.splitlines() for heading, _, block in (part.partition(":\n") for part in text.split("\n\n")[1:])}
        expected = {
            "Chưa đạt": sorted((u for u in wards if tc3_status(u.code)["status"] == "chua_dat"), key=lambda u: fold(u.name)),
            "Chưa đến thời điểm xét": sorted((u for u in wards if tc3_status(u.code)["status"] == "chua_den"), key=lambda u: fold(u.name)),
        }
        assert sections == {
            heading: [f"– {u.name}" + (" (đủ điều kiện xét đạt)" if tc3_status(u.code).get("eligible") else "") for u in units]
            for heading, units in expected.items()
            if units
        }
    wrong = await ask(cast.cua_lo, "/tieuchi 22 23", "Mẫu 22 tiêu chí có 22 tiêu chí")
    assert not wrong.get("reply_markup")


async def test_a_long_unit_report_is_sent_whole_in_several_messages(cast: Cast, whole_province_submitted: None) -> None:
    messages = await whole_reply(cast.province, f"/donvi {LONG_UNIT}", f"📄 {LONG_UNIT_NAME}")
    assert len(messages) >= 5, [m["text"][:80] for m in messages]
    assert all(utf16_units(m["text"]) <= 4096 for m in messages)
    assert [labels_of(m) for m in messages[:-1]] == [[]] * (len(messages) - 1)
    assert labels_of(messages[-1]) == ["✅ Duyệt", "↩ Trả lại", "Lịch sử"]
    joined = "".join("".join(m["text"].split()) for m in messages)
    form = CATALOG.form("cap-22")
    texts = [q.id for q in form if q.kind is QuestionKind.TEXT]
    assert len(texts) == 12
    for question_id in texts:
        assert "".join(long_text(LONG_UNIT, question_id).split()) in joined, question_id
    assert joined.count("🚓") == len(texts) * 26


async def ask_for_file(officer: Officer, line: str, fragment: str) -> dict[str, Any]:
    """A file asked for: told at once that it is being prepared; then, through the outbox, the
    message with `fragment` that goes with the file."""
    await ask(officer, line, PREPARING)
    return await officer.expect(fragment)


async def received_file(api: FakeBotApi, officer: Officer, file_name: str) -> bytes:
    """The bytes of the next document the bot sends this officer, checked by its name."""
    message = await officer.user.wait_for_message(lambda m: "document" in m)
    assert message["document"]["file_name"] == file_name
    stored = api.file(message["document"]["file_id"])
    assert stored is not None
    return stored.data


async def test_the_province_gets_its_summary_workbook_and_chart_as_files(
    api: FakeBotApi, cast: Cast, whole_province_submitted: None
) -> None:
    summary = await ask_for_file(cast.province, "/xuatbaocao", "📄 Tổng hợp của Tỉnh Nghệ An")
    assert "116/116 báo cáo đã nộp" in summary["text"]
    document = docx.Document(io.BytesIO(await received_file(api, cast.province, "Tổng hợp - Tỉnh Nghệ An - so-ket-2023.docx")))
    paragraphs = [paragraph.text for paragraph in document.paragraphs]
    assert (
        "Có 07/07 Công an phường thuộc thị xã Cửa Lò; 04/04 Công an phường thuộc thị xã Thái Hòa "
        "và 05/05 Công an phường thuộc thành phố Vinh tham gia sơ kết."
    ) in paragraphs
    assert "TỔNG HỢP KẾT QUẢ SƠ KẾT CÔNG TÁC XÂY DỰNG ĐƠN VỊ ĐIỂN HÌNH, KIỂU MẪU NĂM 2023" in [p.upper() for p in paragraphs]
    await ask_for_file(cast.province, "/xuatexcel", "📊 Báo cáo của Tỉnh Nghệ An")
    workbook = openpyxl.load_workbook(io.BytesIO(await received_file(api, cast.province, "Báo cáo - Tỉnh Nghệ An - so-ket-2023.xlsx")))
    assert workbook.sheetnames == ["Trạng thái", "Mẫu 22 tiêu chí", "Mẫu 14 tiêu chí", "Mẫu 32 tiêu chí", "Mẫu 34 tiêu chí", "Nội dung theo đề cương"]
    assert workbook["Trạng thái"].max_row == 117 and workbook["Mẫu 22 tiêu chí"].max_row == 1 + 16 * 22  # a row per ward and criterion
    await ask_for_file(cast.province, "/bieudo", "📈 Tiến độ báo cáo của Tỉnh Nghệ An")
    chart = await cast.province.user.wait_for_message(lambda m: "document" in m or "photo" in m)
    stored = api.file((chart.get("document") or chart["photo"][-1])["file_id"])
    assert stored is not None and stored.data.startswith(b"\x89PNG")


async def test_an_officer_gets_their_own_report_and_a_district_a_unit_in_its_scope(
    api: FakeBotApi, cast: Cast, whole_province_submitted: None
) -> None:
    await ask_for_file(cast.cua_lo_reporter, "/xuatbaocao", "📄 Báo cáo của Công an phường Nghi Hải")
    own = docx.Document(io.BytesIO(await received_file(api, cast.cua_lo_reporter, "Công an phường Nghi Hải - so-ket-2023.docx")))
    header = " ".join(cell.text for cell in own.tables[0]._cells)
    assert "CÔNG AN PHƯỜNG NGHI HẢI" in header and "THỊ XÃ CỬA LÒ" in header
    await ask_for_file(cast.cua_lo, "/xuatbaocao Nghi Hoa", "📄 Báo cáo của Công an phường Nghi Hòa")
    await received_file(api, cast.cua_lo, "Công an phường Nghi Hòa - so-ket-2023.docx")
    refused = await ask(cast.cua_lo, "/xuatbaocao Hoa Hieu", "Không tìm thấy đơn vị")  # Thái Hòa's: out of scope
    assert "document" not in refused
