"""A unit's report as the official document it files: the outline's sections with the officer's
answers in their words, the criteria as a table, and nothing invented — what was not answered
says so. Official documents are written in Vietnamese whatever language the person uses."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from itertools import pairwise
from typing import TypeGuard
from zoneinfo import ZoneInfo

from bot.base.answers import AnswerValue, criterion_status, files_of, is_skipped
from bot.base.forms import CriterionStatus, Form, Question, QuestionKind
from bot.base.letterhead import Letterhead
from bot.base.ports import ReportQueries
from bot.base.records import ReportRecord, UnitRecord
from bot.documents.issuer import BLANK, SHORT_BLANK, Issuer, issuer_of, lower_first
from bot.documents.model import (
    Block,
    Chunked,
    Heading,
    OfficialReport,
    Paragraph,
    Table,
    place_and_date,
)
from bot.organisation.units import UnitTree
from bot.reporting.criteria_counts import CriteriaCount, count_criteria
from bot.reporting.prompts import OUTLINE_NUMBER, Prompts

__all__ = [
    "DOCUMENT_LOCALE",
    "ReportSource",
    "answer_text",
    "criteria_line",
    "document_label",
    "item_heading",
    "name_in_sentence",
    "place_of",
    "report_source",
    "text_lines",
    "unit_report",
]

DOCUMENT_LOCALE = "vi"
EXAMPLE = re.compile(r"\s*\([^)]*\)\s*\.?$")
"""A prompt's closing hint for the officer ("(ngày/tháng/năm, ví dụ 20/11/2023)"), not for the document."""
TOP_SECTION = re.compile(r"^[IVX]+\.\s")
"""A section of the outline ("I. Tình hình có liên quan"); others ("III.2. …") are items in one."""
ITEM_OF_SECTION = re.compile(r"^[IVX]+\.(\d+\.)")
PROVINCE_WORDS = ("Tỉnh ", "Thành phố ")
TIER_WORDS = (*PROVINCE_WORDS, "Thị xã ", "Thị trấn ", "Huyện ", "Quận ", "Xã ", "Phường ")
"""The administrative tiers a unit's name may start with, lowered inside a sentence."""


@dataclass(frozen=True)
class ReportSource:
    """What a unit's report is made from."""

    form: Form
    answers: Mapping[str, AnswerValue]
    unit: UnitRecord
    issuer: Issuer
    place: str  # the province, as the date line names it ("Nghệ An")
    campaign_title: str


def unit_report(source: ReportSource, today: date, zone: ZoneInfo) -> OfficialReport:
    p = Prompts(DOCUMENT_LOCALE, zone)
    _ = p._
    form, answers = source.form, source.answers
    blocks: list[Block] = [Paragraph(_("{unit} reports on the {subject} as follows:").format(
        unit=source.unit.name, subject=lower_first(source.campaign_title)
    ))]  # fmt: skip
    section = ""
    criteria = [q for q in form if q.kind is QuestionKind.CRITERION]
    dated = dated_items(form)
    item_dated_by = {day: item for item, day in dated.items()}
    for question in form:
        stated_with = item_dated_by.get(question)
        if stated_with is not None and stated(answers.get(stated_with.id)):
            continue  # said in the sentence of the item it dates
        if question.kind is QuestionKind.CRITERION:
            if question is criteria[0]:
                blocks += [heading_of(question.section.vi), Paragraph(criteria_line(p, count_criteria(form, answers)))]
                blocks.append(criteria_table(p, criteria, answers))
            continue
        if question.section.vi != section and TOP_SECTION.match(question.section.vi):
            section = question.section.vi
            blocks.append(heading_of(section))
        day_question = dated.get(question)
        blocks += answer_blocks(p, question, answers.get(question.id), answers.get(day_question.id) if day_question else None)
    reviewed = next((answers.get(q.id, {}).get("date") for q in form if q.kind is QuestionKind.DATE and q.within_campaign), None)
    day = date.fromisoformat(reviewed) if reviewed else today
    return issued_by(p, source.issuer, place_and_date(source.place, day), source.campaign_title, blocks)


def issued_by(p: Prompts, issuer: Issuer, dated: str, subject: str, blocks: Sequence[Block], annex: Chunked[Block] = ()) -> OfficialReport:
    """A report `issuer` sends to the body it reports to: the header, one copy to that body, the
    others it names and one kept, signed as the province says or with blanks to fill in. The
    number is left blank: it is given when registered."""
    _ = p._
    abbreviation = issuer.abbreviation or SHORT_BLANK
    return OfficialReport(
        parent_body=issuer.managing_body.upper(),
        issuing_body=issuer.issuing_body.upper(),
        number=f"Số:        /BC-{abbreviation}",
        place_and_date=dated,
        subject=subject,
        blocks=tuple(blocks),
        recipients=(
            *((_("- {body} (to report);").format(body=issuer.reports_to),) if issuer.reports_to else ()),
            *(f"- {recipient};" for recipient in issuer.copies_to),
            f"- Lưu: VT, {abbreviation}.",
        ),
        signer_authority=issuer.signer_authority.upper(),
        signer_role=(issuer.signer_title or BLANK).upper(),
        signer_name=issuer.signer_name,
        annex=annex,
    )


async def report_source(
    reads: ReportQueries, tree: UnitTree, report: ReportRecord, form: Form, letterhead: Callable[[str], Letterhead]
) -> ReportSource:
    """What the report of `report` is made from, read from storage; `letterhead` is how each kind
    of unit issues its documents."""
    unit = tree.get(report.unit_id)
    return ReportSource(
        form, await reads.answers(report.id), unit, issuer_of(tree, unit, letterhead), place_of(tree, unit), report.campaign_title.vi
    )


def place_of(tree: UnitTree, unit: UnitRecord) -> str:
    """The place a date line names: the top of the tree ("Tỉnh Nghệ An"), without its tier word."""
    top = (tree.ancestors(unit.id) or [unit])[-1].name
    return next((top[len(word) :] for word in PROVINCE_WORDS if top.startswith(word)), top)


def heading_of(section: str) -> Heading:
    """"I. …" is a section, in capitals; "III.2. …" an item of III, numbered "2." as in the outline."""
    if TOP_SECTION.match(section):
        return Heading(section.upper(), 1)
    return Heading(ITEM_OF_SECTION.sub(r"\1", section), 2)


def dated_items(form: Form) -> dict[Question, Question]:
    """The review's date (a date within the campaign) is said in the sentence of the item right
    before it, the review's form: "Hình thức sơ kết: hội nghị sơ kết, ngày 20/11/2023."."""
    return {
        item: day
        for item, day in pairwise(form)
        if day.kind is QuestionKind.DATE and day.within_campaign and item.kind is QuestionKind.CHOICE and item.section == day.section
    }


def stated(value: AnswerValue | None) -> TypeGuard[AnswerValue]:
    """An answer given, neither left out nor skipped."""
    return bool(value) and not is_skipped(value)


def answer_blocks(p: Prompts, question: Question, value: AnswerValue | None, day: AnswerValue | None = None) -> list[Block]:
    """An item of the outline stated with its answer: a text under its heading, anything else
    after its label ("Hình thức sơ kết: hội nghị sơ kết, ngày 20/11/2023.", with the `day` that
    dates it). An optional item left out is left out of the document; a required one says it
    is missing."""
    _ = p._
    label = document_label(question)
    if not stated(value):
        if not question.required:
            return []
        said = _("(Not answered.)") if not value else _("(Skipped.)")
        if question.kind is QuestionKind.TEXT and not question.document:
            return [Heading(question.prompt.vi, 2), Paragraph(said, note=True)]
        return [*item_heading(question), Paragraph(f"{label}: {said}", note=True)]
    if question.kind is QuestionKind.TEXT:
        lines = text_lines(value)
        if question.document:  # a text that continues an item: stated after its label
            return [Paragraph(f"{label}: {lines[0]}"), *(Paragraph(line) for line in lines[1:])]
        return [Heading(question.prompt.vi, 2), *(Paragraph(line) for line in lines)]
    statement = f"{label}: {answer_text(p, question, value)}"
    if stated(day):
        statement = _("{statement}, on {date}").format(statement=statement, date=p.fmt.date(date.fromisoformat(day["date"])))
    return [*item_heading(question), Paragraph(f"{statement}.")]


def document_label(question: Question) -> str:
    """How a document names an item: the catalog's `document` wording, else the prompt without
    its closing hint and mark; a criterion by its number."""
    if question.document:
        return question.document.vi
    return EXAMPLE.sub("", question.prompt.vi).rstrip("?:. ")


def item_heading(question: Question) -> list[Block]:
    """A question numbered as an item of the outline ("3. Công tác kiểm tra…: … bao nhiêu cuộc?")
    opens the item: its heading is the prompt up to the question it asks."""
    if question.kind is QuestionKind.TEXT or not OUTLINE_NUMBER.match(question.prompt.vi) or ":" not in question.prompt.vi:
        return []
    return [Heading(question.prompt.vi.split(":")[0] + ".", 2)]


def answer_text(p: Prompts, question: Question, value: AnswerValue) -> str:
    """A choice, number, date or attachment answer as a document states it, in full; a choice
    inside the sentence, as a common noun ("hội nghị sơ kết")."""
    if question.kind is QuestionKind.ATTACHMENT:
        return p.files_count(len(files_of(value)))
    if question.kind is QuestionKind.CHOICE:
        return lower_first(p.summary(question, value, 100_000))
    return p.summary(question, value, 100_000)


def text_lines(value: AnswerValue) -> list[str]:
    """A text answer's lines, each a paragraph of its own: a line break kept inside a justified
    paragraph would stretch the words of its line across the page."""
    return [line.strip() for line in value.get("text", "").splitlines() if line.strip()] or [""]


def criteria_table(p: Prompts, criteria: list[Question], answers: Mapping[str, AnswerValue]) -> Table:
    _ = p._
    rows = []
    for question in criteria:
        value = answers.get(question.id)
        status = criterion_status(value)
        files = len(files_of(value))
        rows.append((
            str(question.criterion_number),
            question.prompt.vi,
            verdict(p, status, value) if status else _("Not answered"),
            value.get("narrative", "") if value else "",
            p.files_count(files) if files else "—",
        ))  # fmt: skip
    columns = (_("No."), _("Criterion"), _("Self-assessment"), _("What was done and achieved"), _("Evidence"))
    return Table(columns, tuple(rows), widths=(0.6, 2.4, 1.6, 4.2, 1.2))


def verdict(p: Prompts, status: CriterionStatus, value: AnswerValue | None) -> str:
    label = p.status_label(status)
    if status is not CriterionStatus.NOT_YET_DUE or not value or value.get("eligible") is None:
        return label
    conditions = p._("meets the conditions") if value["eligible"] else p._("does not yet meet the conditions")
    return f"{label} ({conditions})"


def criteria_line(p: Prompts, count: CriteriaCount) -> str:
    """"Đơn vị tự đánh giá đạt 15/22 tiêu chí; 3 chưa đạt; 4 chưa đến thời điểm xét (…); …"."""
    return p._(
        "The unit assesses itself as meeting {met}/{total} criteria; {not_met} not met; {not_yet_due} not yet due for "
        "assessment ({eligible} meeting the conditions); {unanswered} not answered."
    ).format(
        met=f"{count.met:02d}", total=f"{count.total:02d}", not_met=count.not_met, not_yet_due=count.not_yet_due,
        eligible=count.eligible, unanswered=count.unanswered,
    )


def name_in_sentence(name: str) -> str:
    """A unit's name inside a sentence: an administrative tier word is lowered ("thị xã Cửa Lò"),
    any other name is a proper noun and keeps its capital ("Công an tỉnh Hà Tĩnh")."""
    return lower_first(name) if name.startswith(TIER_WORDS) else name
