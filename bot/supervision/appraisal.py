"""Appraising handed-in reports: /duyet approves one once confirmed, /tralai sends one back (or
reopens an approved one) with only the questions picked reopened and a comment; the officers
are told through the outbox."""

from __future__ import annotations

from collections.abc import Callable, Collection

from bot.base.buttons import Pressed, Shape, button_kind, pack
from bot.base.commands import CommandSpec
from bot.base.conversation import ReturnDraft
from bot.base.effects import MoveReport
from bot.base.events import Button, ButtonRole
from bot.base.i18n import N_
from bot.base.records import CampaignRecord, ReportRecord, UnitRecord
from bot.base.report_status import APPRAISABLE, RETURNABLE, ReportStatus, approval, return_for_revision
from bot.base.text import parse_whole_number
from bot.reporting.prompts import status_word
from bot.supervision.desk import DISMISS, Desk
from bot.supervision.registry import Fresh, button, on_unit
from bot.supervision.unit_views import APPROVE_BUTTON, RETURN_BUTTON, pick_button, pick_label

__all__ = [
    "APPROVE", "RETURN", "approve_confirmed", "approve_unit", "comment", "dismiss", "pick", "pick_cancel", "pick_done", "pick_typed",
    "return_unit",
]  # fmt: skip

APPROVE = CommandSpec("duyet", ("approve",), N_("Approve a submitted report: /duyet UNIT [CAMPAIGN]"), "duyệt")
RETURN = CommandSpec("tralai", ("return",), N_("Return or reopen a report for revision: /tralai UNIT [CAMPAIGN]"), "trả lại")
APPROVE_CONFIRM = button_kind("apy", Shape.NUMBER)
"""The approval confirmed (the report's id)."""
PICK = button_kind("rq", Shape.NAME)
"""A question chosen, or unchosen, in a return."""
PICK_DONE = button_kind("rgo")
PICK_CANCEL = button_kind("rx")

ACTION = ButtonRole.ACTION
CONTINUE = N_("Continue ▶")
PICK_ROW = 2


async def appraisable(desk: Desk, unit: UnitRecord, campaign: CampaignRecord, allowed: Collection[ReportStatus]) -> ReportRecord | None:
    """The unit's report in the campaign if it stands where this action may start; else says why."""
    found = await desk.report_of(unit, campaign)
    if found is None:
        return None
    report = found[1]
    if report is None or report.status not in allowed:
        desk.say(desk._("The report of {unit} ({campaign}) is {status}; only a submitted report can be approved or returned, and an approved one reopened.").format(
            unit=unit.name, campaign=desk.title(campaign), status=desk._(status_word(report.status if report else None, found[0].answered))
        ))
        return None
    return report


@on_unit(APPROVE, APPROVE_BUTTON, menu=50)
async def approve_unit(desk: Desk, unit: UnitRecord, campaign: CampaignRecord) -> None:
    """Asks to confirm, saying what an approval does: an approved report is final for the officer."""
    _ = desk._
    report = await appraisable(desk, unit, campaign, APPRAISABLE)
    if report is None:
        return
    lines = [_("Approve the report of {unit} — {campaign}?").format(unit=unit.name, campaign=desk.title(campaign))]
    if report.receipt_no and report.submitted_at:
        lines.append(desk.p.receipt(report.receipt_no, report.submitted_at))
    lines.append(_("The officers will be told and can no longer change it; should it need changes later, /tralai reopens it."))
    desk.say("\n".join(lines), ((
        Button(_("✅ Confirm the approval"), pack(APPROVE_CONFIRM, report.id), ACTION),
        Button(_("Cancel"), pack(DISMISS), ACTION),
    ),))


@button(APPROVE_CONFIRM, Fresh.NEWEST)
async def approve_confirmed(desk: Desk, pressed: Pressed) -> None:
    report = await desk.reads.reports.get(pressed.number)
    unit = desk.visible(report.unit_id) if report else None
    if report is None or unit is None or report.status not in APPRAISABLE:
        desk.say(desk._("This report can no longer be approved; it has changed meanwhile."))
        return
    desk.out.effects.append(MoveReport(report.id, approval(report.id, report.status, desk.access.person_id)))
    desk.audit("approved", unit, report.id)
    title = report.campaign_title.get(desk.locale)
    told = await desk.tell_reporters(
        unit, report.campaign_code, report.campaign_title, f"approved/{report.id}", lambda _, campaign: _("✅ The report of {unit} — {campaign} has been approved.").format(unit=unit.name, campaign=campaign)
    )
    desk.say(desk._("✅ The report of {unit} — {campaign} is approved.").format(unit=unit.name, campaign=title) + "\n" + desk.notified(told))


@button(DISMISS, Fresh.NEWEST)
async def dismiss(desk: Desk, pressed: Pressed) -> None:
    desk.say(desk._("Cancelled; nothing was changed."))


@on_unit(RETURN, RETURN_BUTTON, menu=60)
async def return_unit(desk: Desk, unit: UnitRecord, campaign: CampaignRecord) -> None:
    """Starts a return: of a submitted report, or reopening an approved one."""
    report = await appraisable(desk, unit, campaign, RETURNABLE)
    if report is None:
        return
    desk.set_slice(return_draft=ReturnDraft(report.id, unit.id))
    show_picker(desk, report)


def show_picker(desk: Desk, report: ReportRecord) -> None:
    _ = desk._
    draft = desk.slice.return_draft
    assert draft is not None
    form = desk.forms(report.form_id)
    buttons = [
        Button(("✓ " if q.id in draft.selected else "") + pick_button(desk, form, q.id), pack(PICK, q.id), ButtonRole.PICK)
        for q in form
    ]
    rows = tuple(tuple(buttons[i : i + PICK_ROW]) for i in range(0, len(buttons), PICK_ROW))
    chosen = ", ".join(pick_label(desk, form, qid) for qid in draft.selected) or _("none yet")
    if report.status is ReportStatus.APPROVED:
        heading = _("Reopen the approved report of {unit} — {campaign} for revision.")
    else:
        heading = _("Return the report of {unit} — {campaign} for revision.")
    if desk.p.surface.buttons:
        how = _("Choose what must be revised (press again to unselect; or type the question numbers as /donvi shows them, e.g. 3, 12), then “Continue”. Chosen: {chosen}.")
    else:
        how = _("Type the numbers of the questions to revise, as /donvi shows them (e.g. 3, 12), then {go}. Chosen: {chosen}.")
    unit = desk.tree.get(draft.unit_id).name
    desk.say(
        heading.format(unit=unit, campaign=report.campaign_title.get(desk.locale)) + " " + how.format(chosen=chosen, go=desk.p.act(CONTINUE)),
        (*rows, (Button(_(CONTINUE), pack(PICK_DONE), ACTION), Button(_("Cancel"), pack(PICK_CANCEL), ACTION))),
    )


async def draft_report(desk: Desk) -> ReportRecord | None:
    draft = desk.slice.return_draft
    return await desk.reads.reports.get(draft.report_id) if draft else None


@button(PICK, Fresh.PICKING)
async def pick(desk: Desk, pressed: Pressed) -> None:
    """A question pressed in the picker: chosen, or unchosen if it was."""
    draft = desk.slice.return_draft
    report = await draft_report(desk)
    if draft is None or report is None or not desk.forms(report.form_id).has(pressed.arg):
        desk.stale()
        return
    choose(desk, draft, report, set(draft.selected) ^ {pressed.arg})


async def pick_typed(desk: Desk, text: str) -> None:
    """Question numbers typed in the picker ("3, 12"): added to those chosen."""
    draft = desk.slice.return_draft
    report = await draft_report(desk)
    if draft is None or report is None:
        return
    form = desk.forms(report.form_id)
    numbers = [parse_whole_number(part) for part in text.replace(";", ",").split(",")]
    if not numbers or any(n is None or not 1 <= n <= len(form) for n in numbers):
        desk.say(desk._("Type question numbers from 1 to {total}, separated by commas.").format(total=len(form)))
        return
    choose(desk, draft, report, {form.questions[n - 1].id for n in numbers if n is not None} | set(draft.selected))


def choose(desk: Desk, draft: ReturnDraft, report: ReportRecord, wanted: set[str]) -> None:
    selected = tuple(q.id for q in desk.forms(report.form_id) if q.id in wanted)
    desk.set_slice(return_draft=ReturnDraft(draft.report_id, draft.unit_id, selected))
    show_picker(desk, report)


@button(PICK_DONE, Fresh.PICKING)
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


@button(PICK_CANCEL, Fresh.PICKING)
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
    if unit is None or report is None or report.status not in RETURNABLE:
        desk.say(_("This report can no longer be returned; it has changed meanwhile."))
        return
    form = desk.forms(report.form_id)
    move = return_for_revision(report.id, report.status, desk.access.person_id, draft.selected, text)
    desk.out.effects.append(MoveReport(report.id, move))
    action = "reopened" if report.status is ReportStatus.APPROVED else "returned"
    desk.audit(action, unit, report.id, questions=list(draft.selected), comment=text)
    labels = ", ".join(pick_label(desk, form, qid) for qid in draft.selected)

    def notice(gettext: Callable[[str], str], campaign: str) -> str:
        return gettext("↩ The report of {unit} — {campaign} has been returned for revision.\nTo revise: {labels}.\nComment: “{comment}”\nType /baocao to revise it.").format(
            unit=unit.name, campaign=campaign, labels=labels, comment=text
        )

    told = await desk.tell_reporters(unit, report.campaign_code, report.campaign_title, f"{action}/{report.id}", notice, open_button=True)
    desk.say(_("↩ The report of {unit} — {campaign} is returned for revision of {labels}.").format(
        unit=unit.name, campaign=report.campaign_title.get(desk.locale), labels=labels
    ) + "\n" + desk.notified(told))
