"""What the demo holds beyond the catalogs, so that it works on whatever day it is seeded.

The packaged campaigns are history (2023, 2023–2024). A trainer must still find an open report
due soon, without setting a clock: the demo adds a rehearsal campaign, the 2023 review replayed
around the seeding day, and files a few units' 2023 reports, so that the rehearsal offers an
officer their earlier answers to keep ("Giữ nguyên").

Both are left out when the seeding day is not past every packaged campaign: on a clock set inside
the catalog's years (a rehearsal of 25/11/2023, the tests that live there) those campaigns are
the live ones, and a rehearsal on the same dates would double every list and reminder, while
2023 reports filed in advance would leave nothing to file.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.base.answers import SKIPPED, AnswerValue
from bot.base.forms import CriterionStatus, Form, LocalText, Question, QuestionKind, number_bounds
from bot.catalog.model import CampaignSpec, Milestone

__all__ = [
    "FILED_UNITS",
    "HISTORY_CAMPAIGN",
    "REHEARSAL_CODE",
    "Filing",
    "history",
    "rehearsal",
]

REHEARSAL_CODE = "dien-tap"
HISTORY_CAMPAIGN = "so-ket-2023"
"""The review the rehearsal replays (its forms, enrolment, reminders, milestones) and the one
whose reports a few units have filed."""

OPENED_DAYS_AGO = 20
DUE_IN_DAYS = 5
"""The rehearsal opened 20 days before the seeding day and its report is due 5 days after; its
other milestones and its closing keep their distance to the deadline (closing 20 days after)."""

REHEARSAL_TITLE = LocalText(
    "Diễn tập: sơ kết công tác xây dựng đơn vị điển hình, kiểu mẫu", "Rehearsal: review of building model units"
)
REHEARSAL_BASIS = "Đợt diễn tập để tập huấn, theo mẫu Kế hoạch 883/KH-UBND của UBND tỉnh Nghệ An (dữ liệu mẫu)"
CONFERENCE = "conference"
CONFERENCE_TITLE = LocalText("Hội nghị sơ kết (diễn tập)", "Review conference (rehearsal)")
"""The 2023 conference's title names its month; the rehearsal's must not."""

FILED_UNITS = ("CAP-CL-NGHIHAI", "CAP-CL-NGHIHOA", "CAP-CL-THUTHUY", "XA-DEMO-01")
"""Units whose 2023 report is filed: three of Cửa Lò's ward police, the one the README's console
uses among them, and a commune, so the district's 2023 lists are not empty."""

VERDICTS = (CriterionStatus.MET, CriterionStatus.MET, CriterionStatus.NOT_MET, CriterionStatus.NOT_YET_DUE)
"""The 2023 verdicts, in turn from criterion to criterion: half met, as a review usually finds."""

FILED_ON = date(2023, 11, 23)
FILED_AT = time(16, 30)
"""When the history's reports were handed in: two days before the 2023 deadline, a unit a
quarter of an hour after the one before."""


def rehearsal(packaged: Mapping[str, CampaignSpec], today: date) -> CampaignSpec | None:
    """The 2023 review moved so its report is due `DUE_IN_DAYS` after today, opened
    `OPENED_DAYS_AGO` before; None when it would open before every packaged campaign has closed."""
    template = packaged.get(HISTORY_CAMPAIGN)
    opens = today - timedelta(days=OPENED_DAYS_AGO)
    if template is None or any(opens <= (spec.closes or spec.report_due.due) for spec in packaged.values()):
        return None
    shift = today + timedelta(days=DUE_IN_DAYS) - template.report_due.due
    milestones = tuple(
        Milestone(m.kind, m.due + shift, CONFERENCE_TITLE if m.kind == CONFERENCE else m.title) for m in template.milestones
    )
    closes = template.closes + shift if template.closes is not None else None
    return replace(
        template, code=REHEARSAL_CODE, title=REHEARSAL_TITLE, basis=REHEARSAL_BASIS, opens=opens, milestones=milestones, closes=closes
    )


@dataclass(frozen=True)
class Filing:
    """One unit's 2023 report as it was handed in: every answer, and when."""

    unit_code: str
    answers: Mapping[str, AnswerValue]
    at: datetime


def history(forms: Mapping[str, Form], form_of: Mapping[str, str], zone: ZoneInfo) -> list[Filing]:
    """The 2023 reports of `FILED_UNITS` that are enrolled (`form_of`: unit code → form id)."""
    return [
        Filing(code, _answers(forms[form_of[code]], position), datetime.combine(FILED_ON, FILED_AT, zone) + timedelta(minutes=15 * position))
        for position, code in enumerate(FILED_UNITS)
        if code in form_of
    ]


def _answers(form: Form, position: int) -> dict[str, AnswerValue]:
    """A whole report on the form, every required question answered as an officer would; the
    criteria's verdicts vary from unit to unit."""
    return {question.id: value for question in form if (value := _answer(question, position)) is not None}


def _answer(question: Question, position: int) -> AnswerValue | None:
    match question.kind:
        case QuestionKind.CRITERION:
            number = question.criterion_number or 0
            status = VERDICTS[(number + position) % len(VERDICTS)]
            value: AnswerValue = {
                "status": status.value,
                "narrative": f"Năm 2023 đơn vị đã triển khai tiêu chí {number} theo kế hoạch; kết quả được nêu trong báo cáo (dữ liệu mẫu).",
            }
            if status is CriterionStatus.NOT_YET_DUE:
                value["eligible"] = True
            return value
        case QuestionKind.CHOICE:
            return {"choice": question.options[0].code}
        case QuestionKind.TEXT:
            return {"text": "Năm 2023, đơn vị đã thực hiện nội dung này theo kế hoạch; kết quả cụ thể được nêu trong hồ sơ kèm theo (dữ liệu mẫu)."}
        case QuestionKind.NUMBER:
            low, high = number_bounds(question)
            return {"number": min(max(low, 3), high)}
        case QuestionKind.DATE:
            return {"date": FILED_ON.isoformat()}
        case _:
            return None if question.required else SKIPPED
