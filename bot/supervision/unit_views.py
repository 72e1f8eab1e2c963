"""Looking at units: /donvi shows one unit's report answer by answer, /tieuchi how the units in
scope stand on one criterion, /lichsu a report's history."""

from __future__ import annotations

from datetime import date
from typing import Any

from bot.base.answers import criterion_status
from bot.base.buttons import Shape, button_kind, pack
from bot.base.commands import CommandSpec
from bot.base.counts import CriterionAnswers
from bot.base.deadline import deadline_of
from bot.base.events import Button, ButtonRole
from bot.base.forms import CRITERION_PREFIX, CriterionStatus, Form
from bot.base.i18n import N_
from bot.base.records import ANSWER_ACTION, AuditEntry, CampaignRecord, Role, UnitRecord
from bot.base.report_status import APPRAISABLE, RETURNABLE, ReportStatus
from bot.base.text import fold, parse_whole_number
from bot.reporting.criteria_counts import tally_criterion
from bot.reporting.prompts import status_word
from bot.supervision.desk import LISTED, UNIT_BUTTON, Desk
from bot.supervision.registry import command, on_unit

__all__ = [
    "APPROVE_BUTTON", "CRITERION", "HISTORY", "HISTORY_BUTTON", "RETURN_BUTTON", "UNIT", "criterion", "history_of", "pick_button",
    "pick_label", "show_report",
]  # fmt: skip

UNIT = CommandSpec("donvi", ("unit",), N_("One unit's report: /donvi UNIT [CAMPAIGN]"), "đơn vị")
CRITERION = CommandSpec("tieuchi", ("criterion",), N_("How units stand on one criterion: /tieuchi 22 5 [CAMPAIGN]"), "tiêu chí")
HISTORY = CommandSpec("lichsu", ("history",), N_("A unit's report history: /lichsu UNIT [CAMPAIGN]"), "lịch sử")
APPROVE_BUTTON = button_kind("ap", Shape.NUMBER_IN_CAMPAIGN)
"""Asks to confirm an approval (bot/supervision/appraisal.py)."""
RETURN_BUTTON = button_kind("rt", Shape.NUMBER_IN_CAMPAIGN)
"""Starts a return for revision (bot/supervision/appraisal.py)."""
HISTORY_BUTTON = button_kind("hs", Shape.NUMBER_IN_CAMPAIGN)

ACTION = ButtonRole.ACTION
PICK_TEXT = 30
ACTION_LABELS = {
    "submitted": N_("submitted the report ({receipt})"),
    "resubmitted": N_("resubmitted the report ({receipt})"),
    "approved": N_("approved the report"),
    "returned": N_("returned the report for revision of {questions}: “{comment}”"),
    "reopened": N_("reopened the approved report for revision of {questions}: “{comment}”"),
    "invited": N_("made an invite code for {unit}"),
    "revoked": N_("revoked the access of {name} to {unit}"),
    "reminded": N_("sent a reminder"),
    "carried_over": N_("kept {questions} as answered in {campaign}"),
    "deadline_extended": N_("set the unit's deadline to {due} (it was {previous})"),
}


@on_unit(UNIT, UNIT_BUTTON, menu=30)
async def show_report(desk: Desk, unit: UnitRecord, campaign: CampaignRecord) -> None:
    _ = desk._
    found = await desk.report_of(unit, campaign)
    if found is None:
        return
    enrolment, report = found
    form = desk.forms(enrolment.form_id)
    answers = await desk.reads.reports.answers(report.id) if report else {}
    status = report.status if report else None
    people = [p for p in await desk.reads.people.linked([unit.id]) if p.role is Role.REPORTER]
    lines = [f"📄 {unit.name} — {desk.title(campaign)}", _("Status: {status}").format(status=_(status_word(status, len(answers))))]
    if campaign.closed(desk.today()):
        lines.append(desk.p.campaign_deadline(campaign, desk.today(), enrolment.report_due(campaign.report_due)))
    elif enrolment.extended_to:
        lines.append(_("⏳ Extended for this unit — {deadline}").format(deadline=desk.p.deadline_text(enrolment.extended_to, desk.today())))
    if report and report.receipt_no and report.submitted_at:
        lines.append(desk.p.receipt(report.receipt_no, report.submitted_at))
        if report.report_due and report.submitted_at > deadline_of(report.report_due, desk.p.zone):
            lines.append(_("⏰ Submitted after the deadline of {day}.").format(day=desk.p.fmt.date(report.report_due)))
    if report and report.status is ReportStatus.RETURNED and report.return_comment:
        lines.append(_("Returned with the comment: “{comment}”").format(comment=report.return_comment))
    lines.append(_("Officer: {names}").format(names=", ".join(p.full_name for p in people)) if people else _("No officer linked."))
    lines.append(_("Answered {done}/{total} questions.").format(done=len(answers), total=len(form)))
    lines.append("")
    for number, question in enumerate(form, start=1):
        lines.append(f"{number}. {desk.p.short_label(question)}: {desk.p.summary(question, answers.get(question.id), width=100_000)}")
    buttons: list[Button] = []
    if status in APPRAISABLE:
        buttons.append(Button(_("✅ Approve"), pack(APPROVE_BUTTON, unit.id, campaign.code), ACTION))
    if status in RETURNABLE:
        label = _("↩ Reopen") if status is ReportStatus.APPROVED else _("↩ Return")
        buttons.append(Button(label, pack(RETURN_BUTTON, unit.id, campaign.code), ACTION))
    buttons.append(Button(_("History"), pack(HISTORY_BUTTON, unit.id, campaign.code), ACTION))
    desk.say("\n".join(lines), (tuple(buttons),))


@command(CRITERION, menu=40)
async def criterion(desk: Desk, args: str) -> None:
    _ = desk._
    found = await desk.campaign_after(args)
    if found is None:
        return
    rest, campaign = found
    parts = rest.split()
    number = parse_whole_number(parts[-1]) if len(parts) == 2 else None
    if number is None:
        desk.say(_(
            "Give the form by its number of criteria (the 22-criteria form: 22), then the criterion's number, and the campaign if not the current one:"
            " for example /tieuchi 22 5 or /tieuchi 22 5 2023."
        ))
        return
    form = form_named(desk, parts[0])
    problem = criterion_problem(desk, parts[0], form, number)
    if form is None or problem:
        desk.say(problem)
        return
    answers = await desk.reads.standing.criterion(campaign.code, desk.access.roots, form.id, f"{CRITERION_PREFIX}{number}", LISTED)
    desk.say(criterion_text(desk, form, number, campaign, answers))


def criterion_problem(desk: Desk, name: str, form: Form | None, number: int) -> str:
    """What is wrong with the form and criterion asked for, said precisely; "" when nothing is."""
    _ = desk._
    if form is None:
        counted = sorted((f for f in desk.settings.forms.values() if f.criteria_count), key=lambda f: f.criteria_count)
        return _("There is no form “{name}”. Name a form by its number of criteria: {forms}.").format(
            name=name, forms=", ".join(f"{f.criteria_count} ({desk.p.form_name(f)})" for f in counted)
        )
    if not form.criteria_count:
        return _("“{form}” has no criteria to count.").format(form=desk.p.form_name(form))
    if not form.has(f"{CRITERION_PREFIX}{number}"):
        return _("The {n}-criteria form has {n} criteria: give a criterion number from 1 to {n}.").format(n=form.criteria_count)
    return ""


def form_named(desk: Desk, name: str) -> Form | None:
    """A form by id, or by its criteria count ("22" for the ward police form), among the forms
    the campaigns use."""
    try:
        return desk.forms(name)
    except KeyError:
        pass
    count = parse_whole_number(name)
    return next((form for form in desk.settings.forms.values() if count and form.criteria_count == count), None)


def criterion_text(desk: Desk, form: Form, number: int, campaign: CampaignRecord, answers: CriterionAnswers) -> str:
    """The count per status, then the units in each status but "met", by name (the first LISTED
    of each): what a supervisor chases is different for each (not met, not yet due, not answered)."""
    _ = desk._
    count = tally_criterion(answers.counted)
    named: dict[CriterionStatus | None, list[str]] = {status: [] for status in (*CriterionStatus, None)}
    for unit_id, value in answers.named:
        status = criterion_status(value)
        name = desk.tree.get(unit_id).name
        if status is CriterionStatus.NOT_YET_DUE and value and value.get("eligible"):
            name += f" ({_('meets the conditions')})"
        named[status].append(name)
    lines = [
        _("Criterion {n} of {form_name} — {campaign}: {total} units").format(
            n=number, form_name=desk.p.form_name(form), campaign=desk.title(campaign), total=count.total
        ),
        f"• {desk.p.status_label(CriterionStatus.MET)}: {count.met}",
        f"• {desk.p.status_label(CriterionStatus.NOT_MET)}: {count.not_met}",
        f"• {desk.p.status_label(CriterionStatus.NOT_YET_DUE)}: {count.not_yet_due} "
        + _("({eligible} meet the conditions)").format(eligible=count.eligible),
        "• " + _("Not answered: {n}").format(n=count.unanswered),
    ]
    headings = {
        CriterionStatus.NOT_MET: desk.p.status_label(CriterionStatus.NOT_MET),
        CriterionStatus.NOT_YET_DUE: desk.p.status_label(CriterionStatus.NOT_YET_DUE),
        None: _("Not answered"),
    }
    for status, heading in headings.items():
        if named[status]:
            lines += ["", f"{heading}:"] + [f"– {name}" for name in sorted(named[status], key=fold)]
        if count.of(status) > len(named[status]):
            lines.append(_("and {n} more units").format(n=count.of(status) - len(named[status])))
    return "\n".join(lines)


@on_unit(HISTORY, HISTORY_BUTTON, menu=70)
async def history_of(desk: Desk, unit: UnitRecord, campaign: CampaignRecord) -> None:
    _ = desk._
    found = await desk.report_of(unit, campaign)
    if found is None:
        return
    report = found[1]
    entries = await desk.reads.audit.history(report.id) if report else []
    lines = [_("History of the report of {unit} — {campaign}").format(unit=unit.name, campaign=desk.title(campaign)), ""]
    if not entries:
        lines.append(_("Nothing has happened yet."))
    if report is not None:
        form = desk.forms(report.form_id)
        system = _("system")
        for entry in entries:
            lines.append(f"{desk.p.when(entry.at)} — {entry.actor_name or system}: {describe(desk, entry, form)}")
    desk.say("\n".join(lines))


def describe(desk: Desk, entry: AuditEntry, form: Form) -> str:
    _ = desk._
    details: dict[str, Any] = dict(entry.details)
    if entry.action == ANSWER_ACTION:
        question_id = str(details.get("question_id", ""))
        if not form.has(question_id):
            return question_id
        question = form.question(question_id)
        label = desk.p.short_label(question)
        after = desk.p.summary(question, details.get("after"))
        if details.get("before") is None:
            return _("answered {label}: {after}").format(label=label, after=after)
        if details["before"] == details.get("after"):  # kept when sent back for revision: no edit
            return _("kept {label} as it was: {after}").format(label=label, after=after)
        return _("changed {label}: {before} → {after}").format(label=label, before=desk.p.summary(question, details["before"]), after=after)
    template = ACTION_LABELS.get(entry.action)
    if template is None:
        return entry.action
    questions = ", ".join(pick_label(desk, form, q) for q in details.get("questions", []) if form.has(q))
    return _(template).format(
        receipt=details.get("receipt", ""), questions=questions, comment=details.get("comment", ""),
        unit=details.get("unit", ""), name=details.get("name", ""), campaign=details.get("campaign", ""),
        due=written_day(desk, details.get("due")), previous=written_day(desk, details.get("previous")),
    )


def written_day(desk: Desk, iso: str | None) -> str:
    """A day the audit keeps as 2023-12-05, as the reader writes it."""
    return desk.p.fmt.date(date.fromisoformat(iso)) if iso else ""


def pick_button(desk: Desk, form: Form, question_id: str) -> str:
    """A question on the return picker's button: the number /donvi shows and its short text
    ("3. Khái quát đặc điểm…"), so the supervisor need not look each number up."""
    question = form.question(question_id)
    return f"{form.index_of(question_id) + 1}. {desk.p.short_text(question, PICK_TEXT)}"


def pick_label(desk: Desk, form: Form, question_id: str) -> str:
    """How a question is named when picking what to revise: "Tiêu chí 3", "Câu 12"."""
    question = form.question(question_id)
    if question.criterion_number is not None:
        return desk._("Criterion {n}").format(n=question.criterion_number)
    return desk._("Question {n}").format(n=form.index_of(question_id) + 1)
