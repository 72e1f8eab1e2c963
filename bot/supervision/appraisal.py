"""Appraising handed-in reports: /duyet approves one, /tralai sends one back with only the
questions picked reopened and a comment; the officers are told through the outbox."""

from __future__ import annotations

from collections.abc import Callable

from bot.buttons import Kind, Pressed, pack
from bot.conversation import ReturnDraft
from bot.effects import MoveReport
from bot.events import Button, ButtonRole
from bot.forms import Form
from bot.i18n import N_
from bot.prompts import REPORT_STATUS_LABELS
from bot.records import ReportRecord, UnitRecord
from bot.report import APPRAISABLE, ReportStatus, approval, return_for_revision
from bot.supervision.desk import Desk
from bot.supervision.unit_views import pick_label
from bot.text import parse_whole_number

__all__ = ["approve_unit", "comment", "pick", "pick_cancel", "pick_done", "pick_typed", "return_unit"]

ACTION = ButtonRole.ACTION
CONTINUE = N_("Continue ▶")
PICK_ROW = 6


async def appraisable(desk: Desk, unit: UnitRecord) -> ReportRecord | None:
    found = await desk.report_of(unit)
    if found is None:
        return None
    report = found[1]
    if report is None or report.status not in APPRAISABLE:
        status = report.status if report else ReportStatus.DRAFT
        desk.say(desk._("The report of {unit} is {status}; only a submitted report can be approved or returned.").format(
            unit=unit.name, status=desk._(REPORT_STATUS_LABELS[status])
        ))
        return None
    return report


async def approve_unit(desk: Desk, unit: UnitRecord) -> None:
    report = await appraisable(desk, unit)
    if report is None:
        return
    desk.out.effects.append(MoveReport(report.id, approval(report.id, report.status, desk.access.person_id)))
    desk.audit("approved", unit, report.id)
    told = await desk.tell_reporters(
        unit, report, "approved", lambda _: _("✅ The report of {unit} has been approved.").format(unit=unit.name)
    )
    desk.say(desk._("✅ The report of {unit} is approved.").format(unit=unit.name) + "\n" + desk.notified(told))


async def return_unit(desk: Desk, unit: UnitRecord) -> None:
    report = await appraisable(desk, unit)
    if report is None:
        return
    desk.set_slice(return_draft=ReturnDraft(report.id, unit.id))
    show_picker(desk, desk.forms(report.form_id))


def show_picker(desk: Desk, form: Form) -> None:
    _ = desk._
    draft = desk.slice.return_draft
    assert draft is not None
    buttons = [
        Button(("✓ " if q.id in draft.selected else "") + pick_label(desk, form, q.id), pack(Kind.PICK, q.id), ButtonRole.PICK)
        for q in form
    ]
    rows = tuple(tuple(buttons[i : i + PICK_ROW]) for i in range(0, len(buttons), PICK_ROW))
    chosen = ", ".join(pick_label(desk, form, qid) for qid in draft.selected) or _("none yet")
    if desk.p.surface.buttons:
        text = _("Return the report of {unit}: choose what must be revised (press again to unselect; or type the question numbers as /donvi shows them, e.g. 3, 12), then «Continue». Chosen: {chosen}.")
    else:
        text = _("Return the report of {unit}: type the numbers of the questions to revise, as /donvi shows them (e.g. 3, 12), then {go}. Chosen: {chosen}.")
    desk.say(
        text.format(unit=desk.tree.get(draft.unit_id).name, chosen=chosen, go=desk.p.act(CONTINUE)),
        rows + ((Button(_(CONTINUE), pack(Kind.PICK_DONE), ACTION), Button(_("Cancel"), pack(Kind.PICK_CANCEL), ACTION)),),
    )


async def draft_form(desk: Desk) -> Form | None:
    draft = desk.slice.return_draft
    report = await desk.reads.reports.get(draft.report_id) if draft else None
    return desk.forms(report.form_id) if report else None


async def pick(desk: Desk, pressed: Pressed) -> None:
    """A question pressed in the picker: chosen, or unchosen if it was."""
    draft = desk.slice.return_draft
    form = await draft_form(desk)
    if draft is None or form is None or not form.has(pressed.arg):
        desk.stale()
        return
    wanted = set(draft.selected) ^ {pressed.arg}
    choose(desk, draft, form, wanted)


async def pick_typed(desk: Desk, text: str) -> None:
    """Question numbers typed in the picker ("3, 12"): added to those chosen."""
    draft = desk.slice.return_draft
    form = await draft_form(desk)
    if draft is None or form is None:
        return
    numbers = [parse_whole_number(part) for part in text.replace(";", ",").split(",")]
    if not numbers or any(n is None or not 1 <= n <= len(form) for n in numbers):
        desk.say(desk._("Type question numbers from 1 to {total}, separated by commas.").format(total=len(form)))
        return
    choose(desk, draft, form, {form.questions[n - 1].id for n in numbers if n is not None} | set(draft.selected))


def choose(desk: Desk, draft: ReturnDraft, form: Form, wanted: set[str]) -> None:
    selected = tuple(q.id for q in form if q.id in wanted)
    desk.set_slice(return_draft=ReturnDraft(draft.report_id, draft.unit_id, selected))
    show_picker(desk, form)


async def pick_done(desk: Desk, pressed: Pressed) -> None:
    draft = desk.slice.return_draft
    if draft is None:
        desk.stale()
        return
    if not draft.selected:
        desk.say(desk._("Choose at least one question to revise."))
        return
    desk.set_slice(return_draft=ReturnDraft(draft.report_id, draft.unit_id, draft.selected, commenting=True))
    desk.say(desk._("Now write in one message what must be corrected and why. The officer will read it as you write it."))


async def pick_cancel(desk: Desk, pressed: Pressed) -> None:
    desk.set_slice(return_draft=None)
    desk.say(desk._("Return cancelled; the report stays as it was."))


async def comment(desk: Desk, text: str) -> None:
    """The comment that completes a return."""
    _ = desk._
    draft = desk.slice.return_draft
    text = text.strip()
    if draft is None or not text:
        desk.say(_("Please write the comment as text."))
        return
    unit = desk.visible(draft.unit_id)
    report = await desk.reads.reports.get(draft.report_id)
    desk.set_slice(return_draft=None)
    if unit is None or report is None or report.status not in APPRAISABLE:
        desk.say(_("This report can no longer be returned; it has changed meanwhile."))
        return
    form = desk.forms(report.form_id)
    move = return_for_revision(report.id, report.status, desk.access.person_id, draft.selected, text)
    desk.out.effects.append(MoveReport(report.id, move))
    desk.audit("returned", unit, report.id, questions=list(draft.selected), comment=text)
    labels = ", ".join(pick_label(desk, form, qid) for qid in draft.selected)

    def notice(gettext: Callable[[str], str]) -> str:
        return gettext("↩ The report of {unit} has been returned for revision.\nTo revise: {labels}.\nComment: «{comment}»\nType /baocao to revise it.").format(
            unit=unit.name, labels=labels, comment=text
        )

    told = await desk.tell_reporters(unit, report, "returned", notice, open_button=True)
    desk.say(_("↩ The report of {unit} is returned for revision of {labels}.").format(unit=unit.name, labels=labels) + "\n" + desk.notified(told))
