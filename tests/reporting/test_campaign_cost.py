"""What a report costs in messages, measured: an officer files the whole cap-22 form by typing,
as on the Zalo bot, through the real service over real storage; each turn's replies become the
messages the Zalo bot channel sends (its `pieces`). The estimate `baocao usage --plan` makes from
the form alone must be that count."""

from __future__ import annotations

from dataclasses import replace

from bot.base.deadline import ReminderPlan
from bot.base.events import Surface
from bot.base.forms import QuestionKind
from bot.base.inputs import parse_typed
from bot.delivery.campaign_cost import campaign_cost, messages_per_report, reminders_per_officer
from handlers.zalo_bot.channel import SURFACE, pieces
from tests.service_harness import CATALOG, NGHI_HAI, Chat, Harness

FORM = CATALOG.form("cap-22")
TYPED = {
    QuestionKind.CHOICE: "1",
    QuestionKind.ATTACHMENT: "bo qua",
    QuestionKind.DATE: "20/11/2023",
    QuestionKind.NUMBER: "12",
    QuestionKind.TEXT: "Nội dung trả lời đầy đủ và cụ thể.",
}


class ZaloChat(Chat):
    """A chat on a messenger without buttons, counting the messages the Zalo bot would send."""

    messages: int = 0

    async def type(self, line: str) -> str:
        envelope = replace(self.envelope(parse_typed(line, bare_words=True)), surface=SURFACE)
        result = await self.harness.service.handle(envelope)
        self.results.append(result)
        self.messages += len(pieces(result.replies, "vi"))
        return "\n".join(reply.text for reply in result.replies)


async def test_the_estimate_is_what_filing_a_whole_report_sends(harness: Harness) -> None:
    assert Surface(buttons=False, documents=False) == SURFACE
    officer = ZaloChat(harness, "z-1", name="Nguyễn Văn An")
    assert "Liên kết thành công" in await officer.type(f"/start {await harness.invite(NGHI_HAI)}")
    assert "Câu 1/38" in await officer.type("bao cao")
    for question in FORM:
        if question.kind is QuestionKind.CRITERION:
            await officer.type("dat")
            await officer.type("Đã triển khai tuần tra, kết quả tốt.")
        else:
            await officer.type(TYPED[question.kind])
    assert "Nộp báo cáo của Công an phường Nghi Hải ngay bây giờ?" in await officer.type("nop bao cao")
    assert "Đã nộp báo cáo của Công an phường Nghi Hải." in await officer.type("nop ngay")
    assert officer.messages == len(officer.results) == messages_per_report(FORM) == 64


def test_a_campaign_costs_its_reports_every_reminder_and_a_notice_each() -> None:
    plan = ReminderPlan(days_before=(7, 3, 1, 0), overdue_notice=True)
    assert reminders_per_officer(plan) == 5
    costs = campaign_cost({"zalo_bot": [FORM] * 500, "telegram": [CATALOG.form("xa-34")] * 2}, plan)
    assert [(c.channel, c.officers, c.answering, c.reminders, c.notices, c.total) for c in costs] == [
        ("zalo_bot", 500, 32_000, 2_500, 500, 35_000),  # the brief's province: ~35,000 a campaign
        ("telegram", 2, 2 * 88, 10, 2, 188),
    ]
