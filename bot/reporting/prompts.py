"""The texts the engine shows: question headers, answer summaries, progress, review pages.

Kept apart from the state machine so the wording can be read (and translated) in one place.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.base.answers import AnswerValue, criterion_status, files_of, is_answered, is_skipped
from bot.base.commands import REPORTER_COMMANDS, CommandSpec
from bot.base.events import Surface
from bot.base.forms import CriterionStatus, Form, Question, QuestionKind
from bot.base.i18n import DEFAULT_LOCALE, N_, Formatter, translations
from bot.base.menu import typed_words
from bot.base.records import CampaignRecord, Role
from bot.base.report_status import ReportStatus
from bot.base.text import shorten
from bot.catalog.campaign_time import Phase, phase_of
from bot.reporting.report import ReportContext

__all__ = ["CLEAR", "DONE", "KEEP", "NOT_STARTED", "OUTLINE_NUMBER", "REPORT_STATUS_LABELS", "ROLE_LABELS", "STATUS_LABELS", "WRITE_MORE", "Prompts", "help_text", "status_word"]

STATUS_LABELS = {
    CriterionStatus.MET: N_("Met"),
    CriterionStatus.NOT_MET: N_("Not met"),
    CriterionStatus.NOT_YET_DUE: N_("Not yet due for assessment"),
}

OUTLINE_NUMBER = re.compile(r"^\s*\d+\.\s*")
"""The outline's own numbering at the start of a prompt ("1. Khái quát…"), left out where the
question is already named by its number."""

ROLE_LABELS = {Role.REPORTER: N_("reporter"), Role.SUPERVISOR: N_("supervisor"), Role.ADMIN: N_("administrator")}

NOT_STARTED = N_("not started")
REPORT_STATUS_LABELS = {
    ReportStatus.DRAFT: N_("in progress"),
    ReportStatus.SUBMITTED: N_("submitted"),
    ReportStatus.RETURNED: N_("returned for revision"),
    ReportStatus.RESUBMITTED: N_("resubmitted"),
    ReportStatus.APPROVED: N_("approved"),
}


def status_word(status: ReportStatus | None, answered: int) -> str:
    """The msgid naming where a report stands, the same in every list: a report without a single
    answer (or never opened, None) is "not started", not a draft being written."""
    if answered == 0 and status in (None, ReportStatus.DRAFT):
        return NOT_STARTED
    return REPORT_STATUS_LABELS[status or ReportStatus.DRAFT]


DONE = N_("Done")
CLEAR = N_("Clear and start again")
KEEP = N_("Keep as it is")
WRITE_MORE = N_("Write more")


class Prompts:
    """Texts in one locale, dates in one time zone, worded for what the messenger can do."""

    def __init__(self, locale: str, zone: ZoneInfo, surface: Surface = Surface()) -> None:
        self.locale = locale
        self.zone = zone
        self.surface = surface
        self._ = translations(locale).gettext
        self.ngettext = translations(locale).ngettext
        self.fmt = Formatter(locale)

    def form_name(self, form: Form) -> str:
        """A form as people call it, “the 22-criteria form” (its title where it has no criteria),
        never its id in the catalog."""
        if form.criteria_count:
            return self._("the {n}-criteria form").format(n=form.criteria_count)
        return form.title.get(self.locale)

    def act(self, label: str) -> str:
        """How to use a button here: "press “Done”", or where there are no buttons, "type “done”"."""
        shown = self._(label)
        if self.surface.buttons:
            return self._("press “{label}”").format(label=shown)
        return self._("type “{label}”").format(label=typed_words(shown).lower())

    @property
    def done(self) -> str:
        return self.act(DONE)

    def files_wanted(self) -> str:
        """What may be sent as a file here."""
        return self._("photos or documents") if self.surface.documents else self._("photos")

    def status_label(self, status: CriterionStatus) -> str:
        return self._(STATUS_LABELS[status])

    def when(self, instant: datetime) -> str:
        return self.fmt.datetime(instant.astimezone(self.zone))

    def day(self, instant: datetime | date) -> str:
        if isinstance(instant, datetime):
            instant = instant.astimezone(self.zone)
        return self.fmt.weekday_date(instant)

    def question_header(self, ctx: ReportContext, question: Question) -> str:
        """Where the officer stands: "Tiêu chí 5/22 · Câu 17/36", the group, then the question."""
        _ = self._
        position = _("Question {n}/{total}").format(
            n=ctx.number_of(question), total=len(ctx.form)
        )
        if question.kind is QuestionKind.CRITERION:
            position = _("Criterion {n}/{total}").format(
                n=question.criterion_number, total=question.criteria_total
            ) + f" · {position}"
        lines = [f"📋 {position}", question.section.get(self.locale), "", question.prompt.get(self.locale)]
        if question.guidance:
            lines.append(f"💡 {question.guidance.get(self.locale)}")
        if not question.required:
            lines.append(_("(optional)"))
        return "\n".join(lines)

    def summary(self, question: Question, value: AnswerValue | None, width: int = 80) -> str:
        """One line saying what was answered."""
        _ = self._
        if not value:
            return _("not answered")
        if is_skipped(value):
            return _("skipped")
        files = files_of(value)
        attached = self.files_count(len(files)) if files else ""
        kind = question.kind
        if kind is QuestionKind.CRITERION:
            status = criterion_status(value)
            text = self.status_label(status) if status else _("not answered")
            if status is CriterionStatus.NOT_YET_DUE and value.get("eligible") is not None:
                text += " (" + (
                    _("meets the conditions") if value["eligible"] else _("does not meet the conditions")
                ) + ")"
            if value.get("narrative"):
                text += " — " + shorten(value["narrative"], width)
        elif kind is QuestionKind.CHOICE:
            option = question.option(value.get("choice", ""))
            text = option.label.get(self.locale) if option else value.get("choice", "")
        elif kind is QuestionKind.NUMBER:
            text = self.fmt.number(value["number"])
        elif kind is QuestionKind.DATE:
            text = self.fmt.date(date.fromisoformat(value["date"]))
        elif kind is QuestionKind.TEXT:
            text = shorten(value.get("text", ""), width)
        else:
            text = attached or _("no files")
            attached = ""
        return f"{text} ({attached})" if attached else text

    def files_count(self, n: int) -> str:
        return self.ngettext("{n} file", "{n} files", n).format(n=self.fmt.number(n))

    def short_label(self, question: Question) -> str:
        if question.kind is QuestionKind.CRITERION:
            return self._("Criterion {n}").format(n=question.criterion_number)
        return self.short_text(question)

    def short_text(self, question: Question, width: int = 48) -> str:
        """The prompt as a label: without the outline's number and the closing stop or question
        mark, since a colon or a list follows it ("Ưu điểm: …", not "Ưu điểm.: …")."""
        return shorten(OUTLINE_NUMBER.sub("", question.prompt.get(self.locale)).strip().rstrip(".:;?"), width)

    def ref(self, ctx: ReportContext, question: Question) -> str:
        """How a sentence names a question: "Tiêu chí 3", or "Câu 5" by its place in the form."""
        if question.kind is QuestionKind.CRITERION:
            return self._("Criterion {n}").format(n=question.criterion_number)
        return self._("Question {n}").format(n=ctx.number_of(question))

    def review_item(self, ctx: ReportContext, question: Question) -> str:
        """"✅ Câu 3 — Khái quát đặc điểm…: the answer"; a criterion by its own number."""
        value = ctx.answers.get(question.id)
        mark = "✅" if is_answered(question, value) else ("⚠️" if question.required else "▫️")
        if question.id in ctx.needs_revision:
            mark = "✏️"
        label = self.ref(ctx, question)
        if question.kind is not QuestionKind.CRITERION:
            label += " — " + self.short_label(question)
        return f"{mark} {label}: {self.summary(question, value)}"

    def revision_lines(self, ctx: ReportContext) -> list[str]:
        """What a supervisor sent back and why, while it is still to be revised."""
        if ctx.status is not ReportStatus.RETURNED:
            return []
        _ = self._
        pending = [q for q in ctx.form if q.id in ctx.needs_revision]
        lines = [
            _("↩ Returned for revision: {questions}.").format(questions=", ".join(self.ref(ctx, q) for q in pending))
            if pending
            else _("↩ Returned for revision; everything asked is revised: submit the report again.")
        ]
        if ctx.return_comment:
            lines.append(_("Your supervisor's comment: “{comment}”").format(comment=ctx.return_comment))
        return lines

    def deadline_line(self, ctx: ReportContext, now: datetime) -> str:
        if not ctx.deadline:
            return ""
        return self.deadline_text(ctx.deadline.astimezone(self.zone).date(), now.astimezone(self.zone).date())

    def deadline_text(self, due: date, today: date) -> str:
        """"Hạn nộp: thứ Bảy, 25/11/2023 (còn 5 ngày)"."""
        _ = self._
        days = (due - today).days
        if days > 0:
            left = self.ngettext("{n} day left", "{n} days left", days).format(n=days)
        elif days == 0:
            left = _("due today")
        else:
            left = self.ngettext("{n} day overdue", "{n} days overdue", -days).format(n=-days)
        return _("Deadline: {day} ({left})").format(day=self.day(due), left=left)

    def campaign_deadline(self, campaign: CampaignRecord, today: date, due: date | None = None) -> str:
        """The deadline line of a campaign as it stands today (`due`: a unit's own): the days
        left or late while it is open; once it has closed, when it closed, since "1108 days
        overdue" says nothing anyone can still act on."""
        _ = self._
        due = due or campaign.report_due
        if phase_of(campaign, today) is Phase.CLOSED:
            assert campaign.closes is not None
            if due is None:
                return _("Closed on {closes}").format(closes=self.fmt.date(campaign.closes))
            return _("Closed on {closes} (the deadline was {due})").format(closes=self.fmt.date(campaign.closes), due=self.fmt.date(due))
        return self.deadline_text(due, today) if due else ""

    def campaign_closed(self, campaign: CampaignRecord) -> str:
        """What an officer asking for a closed campaign's report is told."""
        assert campaign.closes is not None
        return self._("“{campaign}” closed on {day}; its reports are no longer taken.").format(
            campaign=campaign.title.get(self.locale), day=self.fmt.date(campaign.closes)
        )

    def campaign_chosen(self, campaign: CampaignRecord, today: date) -> str:
        """"Đợt: … (đang mở, hạn nộp 25/11/2023)": which campaign a command took when none was
        named, and where it stands."""
        _ = self._
        phase = phase_of(campaign, today)
        if phase is Phase.CLOSED:
            assert campaign.closes is not None
            where = _("closed on {day}").format(day=self.fmt.date(campaign.closes))
        elif phase is Phase.UPCOMING:
            where = _("opens on {day}").format(day=self.fmt.date(campaign.opens))
        elif campaign.report_due is not None:
            where = _("open, deadline {day}").format(day=self.fmt.date(campaign.report_due))
        else:
            where = _("open")
        return _("Campaign: {title} ({where})").format(title=campaign.title.get(self.locale), where=where)

    def progress(self, ctx: ReportContext, now: datetime) -> str:
        _ = self._
        criteria = [q for q in ctx.form if q.kind is QuestionKind.CRITERION]
        lines = [
            _("Report of {unit} — {campaign}").format(unit=ctx.unit_name, campaign=ctx.campaign_title),
            _("Status: {status}").format(status=_(status_word(ctx.status, ctx.answered_count()))),
            _("Answered {done}/{total} questions.").format(
                done=ctx.answered_count(), total=len(ctx.form)
            ),
        ]
        if criteria:
            counts = dict.fromkeys(CriterionStatus, 0)
            for q in criteria:
                status = criterion_status(ctx.answers.get(q.id))
                if status and is_answered(q, ctx.answers.get(q.id)):
                    counts[status] += 1
            lines.append(
                _("Criteria: {done}/{total} answered ({met} met, {not_met} not met, {not_due} not yet due).").format(
                    done=sum(counts.values()),
                    total=len(criteria),
                    met=counts[CriterionStatus.MET],
                    not_met=counts[CriterionStatus.NOT_MET],
                    not_due=counts[CriterionStatus.NOT_YET_DUE],
                )
            )
        lines += self.revision_lines(ctx)
        missing = [q for q in ctx.missing_required() if q.id not in ctx.needs_revision]
        if missing and not ctx.locked:
            lines.append(
                _("Required questions still open: {numbers}.").format(
                    numbers=self.numbers(ctx, missing)
                )
            )
        if ctx.receipt_no and ctx.submitted_at:
            lines.append(self.receipt(ctx.receipt_no, ctx.submitted_at))
        deadline = self.deadline_line(ctx, now)
        if deadline:
            lines.append(deadline)
        return "\n".join(lines)

    def numbers(self, ctx: ReportContext, questions: list[Question], limit: int = 30) -> str:
        shown = ", ".join(str(ctx.number_of(q)) for q in questions[:limit])
        if len(questions) > limit:
            shown += " " + self._("and {n} more").format(n=len(questions) - limit)
        return shown

    def receipt(self, receipt_no: str, at: datetime) -> str:
        local = at.astimezone(self.zone)
        return self._("Receipt number: {receipt}, at {time} on {date}.").format(
            receipt=receipt_no, time=self.fmt.time(local), date=self.fmt.date(local)
        )


def help_text(p: Prompts, supervisor_commands: Sequence[CommandSpec] = ()) -> str:
    """Every command (a supervisor's too, given them); where there are no buttons, each also as
    the words one may type."""
    _ = p._
    typing = not p.surface.buttons

    def line(spec: CommandSpec) -> str:
        name = f"“{spec.words}” /{spec.name}" if typing else f"/{spec.name}"
        if p.locale != DEFAULT_LOCALE and spec.aliases:  # the words of the reader's language work too
            name += " (" + ", ".join(f"/{alias}" for alias in spec.aliases) + ")"
        return f"{name} — {_(spec.description)}"

    lines = [_("baocao helps you file your unit's report one question at a time. Every answer is saved at once."), ""]
    lines += [line(spec) for spec in REPORTER_COMMANDS]
    if supervisor_commands:
        lines += ["", _("For supervisors (type these with the /):")] if typing else ["", _("For supervisors:")]
        lines += [line(spec) for spec in supervisor_commands]
    if typing:
        lines += ["", _("Commands work with or without the / and without diacritics. Answer a choice by typing its number or its words. If you are stuck, type baocao to return to where you were.")]
    else:
        lines += ["", _("You can also press the buttons under each question. If you are stuck, type /baocao to return to where you were.")]
    return "\n".join(lines)
