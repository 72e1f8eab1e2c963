"""Supervisor commands: see, chase, appraise and send back reports, within scope only.

Every command resolves units through the caller's scope; a unit outside it is answered exactly
like one that does not exist. Reads are built from storage rows here, in the core.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any

from bot.access import Access
from bot.answers import AnswerValue, criterion_status
from bot.commands import REPORT, SUPERVISOR_COMMANDS
from bot.conversation import ConversationState, Mode, ReturnDraft
from bot.events import OPEN_REPORT, Button, ButtonRole, Reply

ACTION = ButtonRole.ACTION
from bot.forms import CriterionStatus, Form, LocalText, QuestionKind
from bot.i18n import N_, translations
from bot.inputs import ButtonInput, CommandInput, Input, TextInput
from bot.ports import (
    REMINDER_KINDS,
    AuditEntry,
    CampaignRecord,
    DeliveryState,
    InviteLink,
    Ledger,
    MessageKind,
    OutboxMessage,
    ReportRecord,
    Role,
    UnitOfWork,
    UnitRecord,
)
from bot.prompts import REPORT_STATUS_LABELS, Prompts
from bot.reminding import Composer
from bot.report import ReportStatus
from bot.standing import Group, Standing, Tally, UnitStanding, standing_of
from bot.text import fold, parse_whole_number
from bot.units import UnitTree

log = logging.getLogger(__name__)

CONTINUE = N_("Continue ▶")
PAGE_SIZE = 10
PICK_ROW = 6
APPRAISABLE = frozenset({ReportStatus.SUBMITTED, ReportStatus.RESUBMITTED})
BUTTON_PREFIXES = ("mp", "un", "ap", "rt", "hs", "rv", "rq", "rgo", "rx")

TIER_WORDS = ("tinh ", "thanh pho ", "thi xa ", "huyen ", "quan ", "xa ", "phuong ", "thi tran ")

ACTION_LABELS = {
    "submitted": N_("submitted the report ({receipt})"),
    "resubmitted": N_("resubmitted the report ({receipt})"),
    "approved": N_("approved the report"),
    "returned": N_("returned the report for revision of {questions}: «{comment}»"),
    "invited": N_("made an invite code for {unit}"),
    "revoked": N_("revoked the access of {name} to {unit}"),
    "reminded": N_("sent a reminder"),
}


@dataclass
class DeskResult:
    """A supervisor turn: the new state, replies to the supervisor, and messages for others
    (notices, reminders) that the service enqueues in the outbox in the same transaction."""

    state: ConversationState
    replies: list[Reply] = field(default_factory=list)
    outbox: list[OutboxMessage] = field(default_factory=list)


class SupervisorDesk:
    """One supervisor turn. Built per update by the service, inside its transaction."""

    def __init__(
        self,
        uow: UnitOfWork,
        access: Access,
        tree: UnitTree,
        state: ConversationState,
        now: datetime,
        prompts: Prompts,
        forms: Callable[[str], Form],
        kind_label: Callable[[str], LocalText],
        invite_links: Callable[[str], Sequence[InviteLink]],
        channel_label: Callable[[str], str],
        invite_days: int,
    ) -> None:
        self.uow = uow
        self.access = access
        self.tree = tree
        self.now = now
        self.zone = prompts.zone
        self.forms = forms
        self.kind_label = kind_label
        self.invite_links = invite_links
        self.channel_label = channel_label
        self.invite_days = invite_days
        self.p = prompts
        self._ = self.p._
        self.result = DeskResult(state)

    @property
    def state(self) -> ConversationState:
        return self.result.state

    @property
    def locale(self) -> str:
        return self.state.locale

    def say(self, text: str, buttons: tuple[tuple[Button, ...], ...] = ()) -> None:
        if buttons:
            self.result.state = self.state.evolve(step=self.state.step + 1)
        self.result.replies.append(Reply(text, buttons, self.state.step if buttons else None))

    @staticmethod
    def wants(received: Input, state: ConversationState, command: str | None) -> bool:
        """Whether this input is for the desk (a supervisor command, button or pending step)."""
        if state.mode in (Mode.RETURN_PICKING, Mode.RETURN_COMMENTING) and not isinstance(received, CommandInput):
            return True
        if isinstance(received, ButtonInput):
            return received.value.partition(":")[0] in BUTTON_PREFIXES
        return command in {spec.name for spec in SUPERVISOR_COMMANDS}

    async def handle(self, received: Input, command: str | None) -> DeskResult:
        if isinstance(received, CommandInput):
            self.result.state = self.state.evolve(mode=Mode.IDLE, return_draft=None)
            await self.command(command or "", received.args.strip())
        elif isinstance(received, ButtonInput):
            await self.press(received)
        elif self.state.mode is Mode.RETURN_COMMENTING and isinstance(received, TextInput):
            await self.finish_return(received.text.strip())
        elif self.state.mode is Mode.RETURN_PICKING and isinstance(received, TextInput):
            await self.pick_typed(received.text)
        else:
            self.say(self._("Please answer with text or the buttons.") if self.p.surface.buttons else self._("Please answer with text."))
        return self.result

    async def command(self, name: str, args: str) -> None:
        actions = {
            "tinhhinh": self.status,
            "chuanop": lambda a: self.missing(a, 0),
            "donvi": self.unit_report,
            "tieuchi": self.criterion,
            "duyet": self.approve,
            "tralai": self.start_return,
            "lichsu": self.history,
            "moi": self.invite,
            "canbo": self.people,
            "thuhoi": self.revoke_typed,
            "nhacnho": self.remind,
            "guitin": self.deliveries,
        }
        await actions[name](args)

    async def press(self, pressed: ButtonInput) -> None:
        kind, _sep, arg = pressed.value.partition(":")
        number = int(arg) if arg.isdigit() else None
        if kind in ("rq", "rgo", "rx") and (pressed.step != self.state.step or self.state.return_draft is None):
            self.say(self._("That button belongs to an earlier message and no longer works."))
            return
        if kind == "rq":
            await self.toggle(arg)
        elif kind == "rgo":
            self.ask_comment()
        elif kind == "rx":
            self.result.state = self.state.evolve(mode=Mode.IDLE, return_draft=None)
            self.say(self._("Return cancelled; the report stays as it was."))
        elif number is None:
            self.say(self._("That button belongs to an earlier message and no longer works."))
        elif kind == "mp":
            await self.missing("", number)
        elif kind == "rv":
            await self.revoke(number)
        else:
            unit = self.visible(number)
            if unit is None:
                self.say(self.not_found(str(number)))
                return
            actions = {"un": self.show_report, "ap": self.approve_unit, "rt": self.return_unit, "hs": self.history_of}
            await actions[kind](unit)

    # ----- scope and lookups ---------------------------------------------------------------

    def visible(self, unit_id: int) -> UnitRecord | None:
        return self.tree.get(unit_id) if self.access.sees(unit_id) else None

    def not_found(self, query: str) -> str:
        return self._("No unit matching «{query}» in your area.").format(query=query)

    def resolve(self, query: str, command: str) -> UnitRecord | None:
        """One unit in scope for `query`; otherwise says what went wrong and returns None."""
        _ = self._
        if not query:
            self.say(_("Name the unit, for example /{command} Nghi Hải or /{command} CAP-CL-NGHIHAI.").format(command=command))
            return None
        matches = self.tree.search(query, self.access.unit_ids)
        if not matches:
            self.say(self.not_found(query))
            return None
        if len(matches) > 1:
            lines = [_("Several units match «{query}»; choose one or type its code:").format(query=query)]
            lines += [f"• {u.name} ({u.code})" for u in matches[:20]]
            if len(matches) > 20:
                lines.append(_("and {n} more units").format(n=len(matches) - 20))
            self.say("\n".join(lines), tuple((Button(u.name, f"un:{u.id}"),) for u in matches[:8]))
            return None
        return matches[0]

    async def campaign(self, wanted: str = "") -> CampaignRecord | None:
        """The campaign named, else the open one with the nearest deadline, else the latest."""
        campaigns = list(await self.uow.supervision.campaigns())
        if wanted:
            folded = fold(wanted)
            found = [c for c in campaigns if c.code == wanted or folded in fold(c.title.get(self.locale))]
            if not found:
                self.say(self._("There is no campaign «{name}». Campaigns: {codes}.").format(
                    name=wanted, codes=", ".join(c.code for c in campaigns)
                ))
                return None
            return found[0]
        today = self.today()
        opened = [c for c in campaigns if c.opens <= today] or campaigns
        upcoming = [c for c in opened if c.report_due and c.report_due >= today]
        if upcoming:
            return min(upcoming, key=lambda c: c.report_due or today)
        if not opened:
            self.say(self._("There is no campaign yet."))
            return None
        return max(opened, key=lambda c: c.opens)

    def today(self) -> date:
        return self.now.astimezone(self.zone).date()

    def place(self, unit: UnitRecord) -> str:
        """A unit's name as it reads mid-sentence ("tại thị xã Cửa Lò"): an administrative tier
        word is lower-cased, a proper name ("Sở Tài chính") is not."""
        if fold(unit.name).startswith(TIER_WORDS):
            return unit.name[:1].lower() + unit.name[1:]
        return unit.name

    async def standing(self, campaign: CampaignRecord) -> Standing:
        rows = await self.uow.supervision.report_rows(campaign.code, self.access.unit_ids)
        people = await self.uow.supervision.people({row.unit_id for row in rows})
        linked: dict[int, list[str]] = {}
        for person in people:
            if person.role is Role.REPORTER and person.linked_chats:
                linked.setdefault(person.unit_id, []).append(person.full_name)
        return standing_of(
            rows, self.tree, self.access.roots, lambda form_id: len(self.forms(form_id)),
            lambda form_id: self.forms(form_id).criteria_count == 0, linked, campaign.report_due, self.today(),
        )

    # ----- status and chasing --------------------------------------------------------------

    async def status(self, args: str) -> None:
        _ = self._
        campaign = await self.campaign(args)
        if campaign is None:
            return
        standing = await self.standing(campaign)
        lines = [
            _("📊 Report status — {campaign}").format(campaign=campaign.title.get(self.locale)),
            _("Area: {area}").format(area=", ".join(self.tree.get(r).name for r in self.access.roots)),
        ]
        if campaign.report_due:
            lines.append(self.p.deadline_text(campaign.report_due, self.today()))
        if not standing.units:
            lines += ["", _("No unit in your area is enrolled in this campaign.")]
            self.say("\n".join(lines))
            return
        lines += ["", _("By kind of unit:")]
        mixed = {kind for kind, narrative in standing.by_kind if (kind, not narrative) in standing.by_kind}
        for group, tally in sorted(standing.by_kind.items(), key=lambda item: -item[1].enrolled):
            lines.append("• " + self.kind_line(group, tally, mixed))
            lines.append("   " + self.details(tally))
        branches: dict[int, list[str]] = {}
        for (branch_id, group), tally in standing.by_branch.items():
            branches.setdefault(branch_id, []).append(
                _("{kind}: {done}/{total} submitted in {place}").format(
                    kind=self.group_label(group, mixed),
                    done=f"{tally.submitted:02d}", total=f"{tally.enrolled:02d}",
                    place=self.place(self.tree.get(branch_id)),
                )
            )
        if branches:
            lines += ["", _("By area:")]
            for branch_id in sorted(branches, key=lambda b: fold(self.tree.get(b).name)):
                lines += [f"• {line}" for line in sorted(branches[branch_id])]
        self.say("\n".join(lines), ((Button(_("Not yet submitted"), "mp:0", ACTION),),))

    def group_label(self, group: Group, mixed: set[str]) -> str:
        """The kind's name; where a kind files both forms, the narrative one is marked."""
        kind, narrative = group
        label = self.kind_label(kind).get(self.locale)
        return self._("{kind} (compiled report)").format(kind=label) if narrative and kind in mixed else label

    def kind_line(self, group: Group, tally: Tally, mixed: set[str]) -> str:
        return self._("{kind}: {done}/{total} submitted").format(
            kind=self.group_label(group, mixed), done=f"{tally.submitted:02d}", total=f"{tally.enrolled:02d}"
        )

    def details(self, tally: Tally) -> str:
        return self._(
            "{linked} with an officer linked · {not_started} not started · {in_progress} in progress ({average}%) · "
            "{returned} returned · {approved} approved · {overdue} overdue"
        ).format(
            linked=tally.linked, not_started=tally.not_started, in_progress=tally.in_progress,
            average=tally.average_progress, returned=tally.returned, approved=tally.approved, overdue=tally.overdue,
        )

    async def missing(self, args: str, page: int) -> None:
        _ = self._
        campaign = await self.campaign(args)
        if campaign is None:
            return
        standing = await self.standing(campaign)
        pending = sorted(
            (u for u in standing.units if not u.has_submitted),
            key=lambda u: (u.progress, fold(self.tree.get(u.row.unit_id).name)),
        )
        title = campaign.title.get(self.locale)
        if not pending:
            self.say(_("Every enrolled unit in your area has submitted ({campaign}).").format(campaign=title))
            return
        pages = -(-len(pending) // PAGE_SIZE)
        page = min(max(page, 0), pages - 1)
        lines = [
            _("Not yet submitted — {campaign}: {n} units (page {page}/{pages})").format(
                campaign=title, n=len(pending), page=page + 1, pages=pages
            ),
            "",
        ]
        for number, unit in enumerate(pending[page * PAGE_SIZE : (page + 1) * PAGE_SIZE], start=page * PAGE_SIZE + 1):
            lines.append(f"{number}. {self.missing_line(unit)}")
        pager = []
        if page > 0:
            pager.append(Button(_("◀ Previous"), f"mp:{page - 1}", ACTION))
        if page < pages - 1:
            pager.append(Button(_("Next ▶"), f"mp:{page + 1}", ACTION))
        self.say("\n".join(lines), (tuple(pager),) if pager else ())

    def missing_line(self, unit: UnitStanding) -> str:
        _ = self._
        record = self.tree.get(unit.row.unit_id)
        parent = self.tree.get(record.parent_id).name if record.parent_id in self.tree else ""
        status = unit.row.status or ReportStatus.DRAFT
        parts = [
            f"{record.name}" + (f" ({parent})" if parent else ""),
            _("{percent}% ({answered}/{total})").format(
                percent=round(100 * unit.progress), answered=unit.row.answered, total=unit.questions
            ) if unit.started else _("not started"),
        ]
        if status is ReportStatus.RETURNED:
            parts.append(_(REPORT_STATUS_LABELS[status]))
        if unit.row.last_activity:
            parts.append(_("last activity {time}").format(time=self.p.when(unit.row.last_activity)))
        parts.append(
            _("officer: {names}").format(names=", ".join(unit.linked_names))
            if unit.linked_names
            else _("no officer linked")
        )
        return " — ".join(parts[:2]) + " · " + " · ".join(parts[2:])

    # ----- one unit --------------------------------------------------------------------------

    async def unit_report(self, args: str) -> None:
        unit = self.resolve(args, "donvi")
        if unit is not None:
            await self.show_report(unit)

    async def report_of(self, unit: UnitRecord) -> tuple[CampaignRecord, ReportRecord] | None:
        campaign = await self.campaign()
        if campaign is None:
            return None
        report = await self.uow.supervision.report_of(campaign.code, unit.id, self.now)
        if report is None:
            self.say(self._("{unit} is not enrolled in {campaign}.").format(
                unit=unit.name, campaign=campaign.title.get(self.locale)
            ))
            return None
        return campaign, report

    async def show_report(self, unit: UnitRecord) -> None:
        _ = self._
        found = await self.report_of(unit)
        if found is None:
            return
        campaign, report = found
        form = self.forms(report.form_id)
        answers = await self.uow.reports.answers(report.id)
        people = [p for p in await self.uow.supervision.people([unit.id]) if p.role is Role.REPORTER]
        lines = [
            f"📄 {unit.name} — {campaign.title.get(self.locale)}",
            _("Status: {status}").format(status=_(REPORT_STATUS_LABELS[report.status])),
        ]
        if report.receipt_no and report.submitted_at:
            lines.append(self.p.receipt(report.receipt_no, report.submitted_at))
        if report.status is ReportStatus.RETURNED and report.return_comment:
            lines.append(_("Returned with the comment: «{comment}»").format(comment=report.return_comment))
        lines.append(
            _("officer: {names}").format(names=", ".join(p.full_name for p in people)) if people else _("no officer linked")
        )
        lines.append(_("Answered {done}/{total} questions.").format(done=len(answers), total=len(form)))
        lines.append("")
        for number, question in enumerate(form, start=1):
            value = answers.get(question.id)
            lines.append(f"{number}. {self.p.short_label(question)}: {self.p.summary(question, value, width=100_000)}")
        buttons: list[Button] = []
        if report.status in APPRAISABLE:
            buttons += [Button(_("✅ Approve"), f"ap:{unit.id}", ACTION), Button(_("↩ Return"), f"rt:{unit.id}", ACTION)]
        buttons.append(Button(_("History"), f"hs:{unit.id}", ACTION))
        self.say("\n".join(lines), (tuple(buttons),))

    # ----- criterion statistics ------------------------------------------------------------

    async def criterion(self, args: str) -> None:
        _ = self._
        parts = args.split()
        number = parse_whole_number(parts[-1]) if parts else None
        form = self.form_named(parts[0]) if len(parts) == 2 else None
        if form is None or number is None or not form.has(f"TC.{number}"):
            self.say(_("Give a form and a criterion number, for example /tieuchi cap-22 5 or /tieuchi 22 5."))
            return
        campaign = await self.campaign()
        if campaign is None:
            return
        rows = [r for r in await self.uow.supervision.report_rows(campaign.code, self.access.unit_ids) if r.form_id == form.id]
        values = await self.uow.supervision.answers_to(campaign.code, f"TC.{number}", [r.unit_id for r in rows])
        self.say(self.criterion_text(form, number, campaign, [r.unit_id for r in rows], values))

    def form_named(self, name: str) -> Form | None:
        """A form by id, or by its criteria count ("22" for the ward police form)."""
        try:
            return self.forms(name)
        except KeyError:
            pass
        count = parse_whole_number(name)
        for form_id in ("cap-22", "xa-34", "cq-14", "huyen-32"):
            try:
                form = self.forms(form_id)
            except KeyError:
                continue
            if form.criteria_count == count:
                return form
        return None

    def criterion_text(
        self, form: Form, number: int, campaign: CampaignRecord, unit_ids: list[int], values: dict[int, AnswerValue]
    ) -> str:
        _ = self._
        counts = {status: 0 for status in CriterionStatus}
        eligible = 0
        behind: list[str] = []
        for unit_id in unit_ids:
            status = criterion_status(values.get(unit_id))
            if status is None:
                behind.append(self.tree.get(unit_id).name + " " + _("(not answered)"))
                continue
            counts[status] += 1
            if status is CriterionStatus.NOT_YET_DUE and values[unit_id].get("eligible"):
                eligible += 1
            elif status is not CriterionStatus.MET:
                behind.append(f"{self.tree.get(unit_id).name} ({self.p.status_label(status).lower()})")
        unanswered = len(unit_ids) - sum(counts.values())
        lines = [
            _("Criterion {n} of {form} — {campaign}: {total} units").format(
                n=number, form=form.id, campaign=campaign.title.get(self.locale), total=len(unit_ids)
            ),
            f"• {self.p.status_label(CriterionStatus.MET)}: {counts[CriterionStatus.MET]}",
            f"• {self.p.status_label(CriterionStatus.NOT_MET)}: {counts[CriterionStatus.NOT_MET]}",
            f"• {self.p.status_label(CriterionStatus.NOT_YET_DUE)}: {counts[CriterionStatus.NOT_YET_DUE]} "
            + _("({eligible} meet the conditions)").format(eligible=eligible),
            "• " + _("Not answered: {n}").format(n=unanswered),
        ]
        if behind:
            lines += ["", _("Behind on this criterion:")] + [f"– {name}" for name in sorted(behind, key=fold)]
        return "\n".join(lines)

    # ----- appraisal ---------------------------------------------------------------------------

    async def approve(self, args: str) -> None:
        unit = self.resolve(args, "duyet")
        if unit is not None:
            await self.approve_unit(unit)

    async def appraisable(self, unit: UnitRecord) -> ReportRecord | None:
        found = await self.report_of(unit)
        if found is None:
            return None
        report = found[1]
        if report.status not in APPRAISABLE:
            self.say(self._("The report of {unit} is {status}; only a submitted report can be approved or returned.").format(
                unit=unit.name, status=self._(REPORT_STATUS_LABELS[report.status])
            ))
            return None
        return report

    async def approve_unit(self, unit: UnitRecord) -> None:
        report = await self.appraisable(unit)
        if report is None:
            return
        await self.uow.supervision.approve(report.id, self.access.person_id, self.now)
        await self.audit("approved", unit, report.id)
        told = await self.tell_reporters(
            unit, report, "approved", lambda _: _("✅ The report of {unit} has been approved.").format(unit=unit.name)
        )
        self.say(self._("✅ The report of {unit} is approved.").format(unit=unit.name) + "\n" + self.notified(told))

    async def start_return(self, args: str) -> None:
        unit = self.resolve(args, "tralai")
        if unit is not None:
            await self.return_unit(unit)

    async def return_unit(self, unit: UnitRecord) -> None:
        report = await self.appraisable(unit)
        if report is None:
            return
        self.result.state = self.state.evolve(
            mode=Mode.RETURN_PICKING, return_draft=ReturnDraft(report.id, unit.id)
        )
        self.show_picker(report.form_id)

    def show_picker(self, form_id: str) -> None:
        _ = self._
        draft = self.state.return_draft
        assert draft is not None
        form = self.forms(form_id)
        buttons = [
            Button(("✓ " if q.id in draft.selected else "") + self.pick_label(form, q.id), f"rq:{q.id}", ButtonRole.PICK)
            for q in form
        ]
        rows = tuple(tuple(buttons[i : i + PICK_ROW]) for i in range(0, len(buttons), PICK_ROW))
        chosen = ", ".join(self.pick_label(form, qid) for qid in draft.selected) or _("none yet")
        if self.p.surface.buttons:
            text = _("Return the report of {unit}: choose what must be revised (press again to unselect; or type the question numbers as /donvi shows them, e.g. 3, 12), then «Continue». Chosen: {chosen}.")
        else:
            text = _("Return the report of {unit}: type the numbers of the questions to revise, as /donvi shows them (e.g. 3, 12), then {go}. Chosen: {chosen}.")
        self.say(
            text.format(unit=self.tree.get(draft.unit_id).name, chosen=chosen, go=self.p.act(CONTINUE)),
            rows + ((Button(_(CONTINUE), "rgo", ACTION), Button(_("Cancel"), "rx", ACTION)),),
        )

    def pick_label(self, form: Form, question_id: str) -> str:
        question = form.question(question_id)
        if question.kind is QuestionKind.CRITERION:
            return self._("Criterion {n}").format(n=question.criterion_number)
        return self._("Question {n}").format(n=form.index_of(question_id) + 1)

    async def draft_form(self) -> Form | None:
        draft = self.state.return_draft
        report = await self.uow.reports.get(draft.report_id) if draft else None
        return self.forms(report.form_id) if report else None

    async def toggle(self, question_id: str) -> None:
        draft = self.state.return_draft
        form = await self.draft_form()
        if draft is None or form is None or not form.has(question_id):
            self.say(self._("That button belongs to an earlier message and no longer works."))
            return
        selected = tuple(q for q in draft.selected if q != question_id)
        if question_id not in draft.selected:
            selected = tuple(q.id for q in form if q.id in {*draft.selected, question_id})
        self.result.state = self.state.evolve(return_draft=replace(draft, selected=selected))
        self.show_picker(form.id)

    async def pick_typed(self, text: str) -> None:
        draft = self.state.return_draft
        form = await self.draft_form()
        if draft is None or form is None:
            return
        numbers = [parse_whole_number(part) for part in text.replace(";", ",").split(",")]
        if not numbers or any(n is None or not 1 <= n <= len(form) for n in numbers):
            self.say(self._("Type question numbers from 1 to {total}, separated by commas.").format(total=len(form)))
            return
        wanted = {form.questions[n - 1].id for n in numbers if n is not None} | set(draft.selected)
        selected = tuple(q.id for q in form if q.id in wanted)
        self.result.state = self.state.evolve(return_draft=replace(draft, selected=selected))
        self.show_picker(form.id)

    def ask_comment(self) -> None:
        draft = self.state.return_draft
        assert draft is not None
        if not draft.selected:
            self.say(self._("Choose at least one question to revise."))
            return
        self.result.state = self.state.evolve(mode=Mode.RETURN_COMMENTING)
        self.say(self._("Now write in one message what must be corrected and why. The officer will read it as you write it."))

    async def finish_return(self, comment: str) -> None:
        _ = self._
        draft = self.state.return_draft
        if draft is None or not comment:
            self.say(_("Please write the comment as text."))
            return
        unit = self.visible(draft.unit_id)
        report = await self.uow.reports.get(draft.report_id)
        if unit is None or report is None or report.status not in APPRAISABLE:
            self.result.state = self.state.evolve(mode=Mode.IDLE, return_draft=None)
            self.say(_("This report can no longer be returned; it has changed meanwhile."))
            return
        form = self.forms(report.form_id)
        await self.uow.supervision.return_report(report.id, draft.selected, comment, self.access.person_id, self.now)
        await self.audit("returned", unit, report.id, questions=list(draft.selected), comment=comment)
        self.result.state = self.state.evolve(mode=Mode.IDLE, return_draft=None)
        labels = ", ".join(self.pick_label(form, qid) for qid in draft.selected)

        def notice(gettext: Callable[[str], str]) -> str:
            return gettext("↩ The report of {unit} has been returned for revision.\nTo revise: {labels}.\nComment: «{comment}»\nType /baocao to revise it.").format(
                unit=unit.name, labels=labels, comment=comment
            )

        told = await self.tell_reporters(unit, report, "returned", notice, open_button=True)
        self.say(
            _("↩ The report of {unit} is returned for revision of {labels}.").format(unit=unit.name, labels=labels)
            + "\n" + self.notified(told)
        )

    # ----- history, invites, people -----------------------------------------------------------

    async def history(self, args: str) -> None:
        unit = self.resolve(args, "lichsu")
        if unit is not None:
            await self.history_of(unit)

    async def history_of(self, unit: UnitRecord) -> None:
        _ = self._
        found = await self.report_of(unit)
        if found is None:
            return
        campaign, report = found
        form = self.forms(report.form_id)
        entries = await self.uow.supervision.history(report.id)
        lines = [_("History of the report of {unit} — {campaign}").format(unit=unit.name, campaign=campaign.title.get(self.locale)), ""]
        if not entries:
            lines.append(_("Nothing has happened yet."))
        system = _("system")
        for entry in entries:
            lines.append(f"{self.p.when(entry.at)} — {entry.actor_name or system}: {self.describe(entry, form)}")
        self.say("\n".join(lines))

    def describe(self, entry: AuditEntry, form: Form) -> str:
        _ = self._
        details: dict[str, Any] = dict(entry.details)
        if entry.action == "answer":
            question_id = details.get("question_id", "")
            if not form.has(question_id):
                return question_id
            question = form.question(question_id)
            label = self.p.short_label(question)
            after = self.p.summary(question, details.get("after"))
            if details.get("before") is None:
                return _("answered {label}: {after}").format(label=label, after=after)
            return _("changed {label}: {before} → {after}").format(
                label=label, before=self.p.summary(question, details["before"]), after=after
            )
        template = ACTION_LABELS.get(entry.action)
        if template is None:
            return entry.action
        questions = ", ".join(self.pick_label(form, q) for q in details.get("questions", []) if form.has(q))
        return _(template).format(
            receipt=details.get("receipt", ""), questions=questions, comment=details.get("comment", ""),
            unit=details.get("unit", ""), name=details.get("name", ""),
        )

    async def invite(self, args: str) -> None:
        _ = self._
        unit = self.resolve(args, "moi")
        if unit is None:
            return
        expires = self.now + timedelta(days=self.invite_days)
        invite = await self.uow.invites.create(unit.code, Role.REPORTER, expires, self.now, self.access.person_id)
        await self.audit("invited", unit, None, unit=unit.name)
        lines = [
            _("Invite for {unit}: {code}").format(unit=unit.name, code=invite.code),
            _("The officer sends: /start {code}").format(code=invite.code),
        ]
        for link in self.invite_links(invite.code):
            lines.append(_("or opens on {channel}: {link}").format(channel=link.channel, link=link.url))
        lines.append(_("Valid once, until {time}.").format(time=self.p.when(invite.expires_at)))
        self.say("\n".join(lines))

    async def people(self, args: str) -> None:
        _ = self._
        scope = self.access.unit_ids
        if args:
            unit = self.resolve(args, "canbo")
            if unit is None:
                return
            scope = self.tree.subtree([unit.id]) & self.access.unit_ids
        people = sorted(
            await self.uow.supervision.people(scope), key=lambda p: (fold(self.tree.get(p.unit_id).name), fold(p.full_name))
        )
        if not people:
            self.say(_("Nobody is linked in this area yet. Make an invite with /moi UNIT."))
            return
        roles = {Role.REPORTER: N_("reporter"), Role.SUPERVISOR: N_("supervisor"), Role.ADMIN: N_("administrator")}
        lines = [_("People with access ({n}):").format(n=len(people)), ""]
        for person in people:
            seen = _("last seen {time}").format(time=self.p.when(person.last_seen)) if person.last_seen else _("no chat linked")
            channels = ", ".join(self.channel_label(name) for name in person.channels)
            lines.append(
                f"#{person.grant_id} {person.full_name} — {_(roles[person.role])} — {self.tree.get(person.unit_id).name} · {seen}"
                + (f" ({channels})" if channels else "")
            )
        lines += ["", _("To revoke someone's access: /thuhoi NUMBER (the number after #).")]
        self.say("\n".join(lines))

    async def revoke_typed(self, args: str) -> None:
        number = parse_whole_number(args.lstrip("#"))
        if number is None:
            self.say(self._("Give the number shown by /canbo, for example /thuhoi 12."))
            return
        await self.revoke(number)

    async def revoke(self, grant_id: int) -> None:
        _ = self._
        people = {p.grant_id: p for p in await self.uow.supervision.people(self.access.unit_ids)}
        person = people.get(grant_id)
        if person is None or (person.role is not Role.REPORTER and not self.access.administers):
            self.say(_("No such access in your area (see /canbo)."))
            return
        await self.uow.supervision.revoke(grant_id, self.now)
        unit = self.tree.get(person.unit_id)
        await self.audit("revoked", unit, None, name=person.full_name, unit=unit.name)
        self.say(_("Access of {name} to {unit} is revoked.").format(name=person.full_name, unit=unit.name))

    # ----- reminders ---------------------------------------------------------------------------

    async def remind(self, args: str) -> None:
        """Reminds the pending units in scope now; a unit at most once a day."""
        _ = self._
        campaign = await self.campaign(args)
        if campaign is None or campaign.report_due is None:
            return
        today = self.today()
        day_key = f"manual/{campaign.code}/{today.isoformat()}/"
        pending = await self.uow.reminders.pending_units(campaign.code, self.access.unit_ids)
        already = await self.uow.reminders.reminded_today([u.unit_id for u in pending], day_key)
        todo = [unit for unit in pending if unit.unit_id not in already]
        composer = Composer(campaign, {u.unit_id: self.tree.get(u.unit_id).name for u in pending}, self.forms, self.zone, self.now)
        overdue = today > campaign.report_due
        messages = [
            composer.to_reporter(f"{day_key}{unit.unit_id}", MessageKind.MANUAL, unit, person, overdue)
            for unit in todo
            for person in unit.reporters
        ]
        self.result.outbox.extend(messages)
        queued = len(messages)
        reached = [unit for unit in todo if unit.reporters]
        unlinked = [self.tree.get(unit.unit_id).name for unit in todo if not unit.reporters]
        for unit in reached:
            await self.audit("reminded", self.tree.get(unit.unit_id), unit.report_id)
        lines = [
            _("Reminders queued: {messages} messages to {units} units that have not submitted.").format(
                messages=queued, units=len(reached)
            )
        ]
        if already:
            lines.append(self.p.ngettext(
                "{n} unit was already reminded today and is not reminded again.",
                "{n} units were already reminded today and are not reminded again.",
                len(already),
            ).format(n=len(already)))
        if unlinked:
            lines.append(self.p.ngettext(
                "{n} unit has nobody linked, so nobody can be reminded there:",
                "{n} units have nobody linked, so nobody can be reminded there:",
                len(unlinked),
            ).format(n=len(unlinked)))
            lines += [f"• {name}" for name in sorted(unlinked, key=fold)]
        lines.append(_("See what was delivered with /guitin."))
        self.say("\n".join(lines))

    async def deliveries(self, args: str) -> None:
        _ = self._
        campaign = await self.campaign(args)
        if campaign is None:
            return
        ledger = await self.uow.outbox.ledger(campaign.code, self.access.unit_ids)
        reminders = totals(ledger, REMINDER_KINDS)
        notices = totals(ledger, {MessageKind.NOTICE})
        lines = [
            _("Reminders — {campaign}").format(campaign=campaign.title.get(self.locale)),
            _("Reminders in all: {n}").format(n=sum(reminders.values())),
            _("Delivered: {n}").format(n=reminders[DeliveryState.SENT]),
            _("Waiting to be sent: {n}").format(n=reminders[DeliveryState.PENDING] + reminders[DeliveryState.SENDING]),
            _("Failed: {n}").format(n=reminders[DeliveryState.FAILED]),
            _("Bot blocked by the person: {n}").format(n=reminders[DeliveryState.BLOCKED]),
            _("Never started the bot: {n}").format(n=reminders[DeliveryState.NEVER_STARTED]),
        ]
        if reminders[DeliveryState.OUTSIDE_WINDOW]:
            lines.append(_("Outside the time the platform allows: {n}").format(n=reminders[DeliveryState.OUTSIDE_WINDOW]))
        unreachable = sum(notices[state] for state in (DeliveryState.BLOCKED, DeliveryState.NEVER_STARTED, DeliveryState.OUTSIDE_WINDOW))
        lines += [
            "",
            _("Notices to officers (returned, approved): {n} · delivered {sent} · waiting {waiting} · unreachable {unreachable} · other failures {failed}").format(
                n=sum(notices.values()),
                sent=notices[DeliveryState.SENT],
                waiting=notices[DeliveryState.PENDING] + notices[DeliveryState.SENDING],
                unreachable=unreachable,
                failed=notices[DeliveryState.FAILED],
            ),
        ]
        self.say("\n".join(lines))

    # ----- effects ---------------------------------------------------------------------------

    async def audit(self, action: str, target: UnitRecord, report_id: int | None, **details: Any) -> None:
        log.info("person %s %s unit %s (report %s)", self.access.person_id, action, target.code, report_id)
        await self.uow.supervision.record(
            AuditEntry(at=self.now, action=action, actor_id=self.access.person_id, unit_id=target.id, report_id=report_id, details=details)
        )

    async def tell_reporters(
        self,
        unit: UnitRecord,
        report: ReportRecord,
        action: str,
        text: Callable[[Callable[[str], str]], str],
        open_button: bool = False,
    ) -> int:
        """Queues a notice, in each reader's language, to each of the unit's officers, in the chat
        they used last; returns how many officers will be told."""
        recipients = await self.uow.people.recipients(Role.REPORTER, [unit.id], including_refusing=True)
        people = recipients.get(unit.id, ())
        for person in people:
            gettext = translations(person.locale).gettext
            buttons = ((Button(gettext("Revise now"), OPEN_REPORT, ACTION, REPORT),),) if open_button else ()
            self.result.outbox.append(OutboxMessage(
                key=f"notice/{action}/{report.id}/{self.now.isoformat()}",
                person_id=person.person_id,
                channel=person.channel,
                chat_id=person.chat_id,
                reply=Reply(text(gettext), buttons, 0 if buttons else None),
                kind=MessageKind.NOTICE,
                campaign_code=report.campaign_code,
                unit_id=unit.id,
                person_name=person.full_name,
                locale=person.locale,
            ))
        return len(people)

    def notified(self, officers: int) -> str:
        if not officers:
            return self._("No officer of this unit is linked to the bot, so nobody is notified.")
        return self.p.ngettext(
            "The officer will be notified.", "The {n} officers will be notified.", officers
        ).format(n=officers)


def totals(ledger: Ledger, kinds: Collection[MessageKind]) -> dict[DeliveryState, int]:
    """The ledger's counts per state, summed over these kinds of message."""
    return {state: sum(ledger[kind][state] for kind in kinds) for state in DeliveryState}


def refusal(gettext: Callable[[str], str], command: str) -> str:
    return gettext("The command /{command} is for supervisors. Your account does not have this permission; ask your supervisor if you need it.").format(command=command)

