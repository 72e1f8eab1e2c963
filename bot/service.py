"""One platform update, one transaction: de-duplicate, route to the officer's engine or the
supervisor's desk, apply the effects they return, save the conversation, commit.

Channels call `ReportingService.handle` and show the returned replies only after it returns,
i.e. after the commit: an answer the bot has acknowledged is always on disk. Messages for anyone
else (an officer told of a return) are enqueued in the outbox in the same transaction, so they
are as durable as the change that caused them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.base import commands
from bot.organisation.access import access_of
from bot.delivery.alerts import alert_admins
from bot.base.answers import AnswerValue
from bot.base.buttons import Kind, pack, unpack
from bot.base.clock import Clock
from bot.base.codes import is_code, normalize_code
from bot.base.commands import CommandSpec, canonical
from bot.base.conversation import ConversationState, Mode, Reporting
from bot.base.effects import (
    AlertAdmins,
    CreateInvite,
    Effect,
    ExtendDeadline,
    MoveReport,
    RecordAudit,
    RecordWrongCode,
    RevokeGrant,
    SaveAnswers,
    Send,
    TurnResult,
    WithdrawInvites,
)
from bot.reporting.engine import Engine
from bot.base.events import Attachment, Button, Reply, Surface
from bot.documents.exports import report_document
from bot.base.i18n import next_locale, normalize_locale
from bot.base.inputs import ButtonInput, CommandInput, ContactInput, Input, TextInput
from bot.linking.chat_linking import Linking
from bot.base.menu import menu_of, resolve
from bot.base.phones import international
from bot.base.ports import UnitOfWork
from bot.reporting.prompts import Prompts, help_text
from bot.reporting.no_report import closed_campaign_of, nothing_open
from bot.base.records import CampaignRecord, ChatRecord, InviteLink, ReportRecord, Role
from bot.base.deadline import deadline_of
from bot.base.report_status import LOCKED_STATUSES, ReportStatus
from bot.reporting.report import ReportContext
from bot.supervision.desk import Desk, DeskSettings
from bot.supervision.routing import refusal
from bot.supervision.routing import handle as supervise
from bot.supervision.routing import wants as desk_wants
from bot.organisation.units import UnitTree

__all__ = ["Envelope", "ReportingService"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Envelope:
    """An input with where it came from. `update_id` (the platform's own name for the update,
    used to recognise a redelivery) is None for channels without one."""

    channel: str
    chat_id: str
    input: Input
    update_id: str | None = None
    user_id: str | None = None
    display_name: str = ""
    language_code: str | None = None
    surface: Surface = Surface()


class ReportingService:
    def __init__(
        self, unit_of_work: Callable[[], UnitOfWork], engine: Engine, desk: DeskSettings, clock: Clock, zone: ZoneInfo, default_locale: str
    ) -> None:
        self.unit_of_work = unit_of_work
        self.engine = engine
        self.desk = desk  # what the supervisor's features are given, and the forms
        self.clock = clock
        self.zone = zone
        self.default_locale = default_locale

    async def handle(self, envelope: Envelope) -> TurnResult:
        now = self.clock.now()
        async with self.unit_of_work() as uow:
            if envelope.update_id is not None and not await uow.updates.claim(envelope.channel, envelope.update_id, now):
                log.info("ignored repeated update %s:%s", envelope.channel, envelope.update_id)
                return TurnResult(state=ConversationState())
            turn = _ServiceTurn(self, uow, envelope, now)
            await turn.load()
            await turn.route()
            await turn.store()
            return turn.out

    async def alert(self, topic: str, message: str, fields: Mapping[str, str]) -> None:
        """Tells the administrators in their chats (bot/delivery/alerts.py); the caller has logged it."""
        async with self.unit_of_work() as uow:
            await alert_admins(uow, topic, message, fields, self.clock.now(), self.zone)

    async def locale_of(self, channel: str, chat_id: str) -> str:
        """The chat's interface language, for messages sent outside a turn (errors)."""
        async with self.unit_of_work() as uow:
            chat = await uow.chats.get(channel, chat_id)
        return ConversationState.from_dict(dict(chat.state)).locale if chat else self.default_locale

    def invite_links(self, code: str) -> Sequence[InviteLink]:
        """How the code is opened on each configured channel that has links."""
        return self.desk.invite_links(code)


class _ServiceTurn:
    def __init__(self, service: ReportingService, uow: UnitOfWork, envelope: Envelope, now: datetime) -> None:
        self.service = service
        self.uow = uow
        self.envelope = envelope
        self.now = now
        self.chat = ChatRecord(envelope.channel, envelope.chat_id, None, {}, envelope.user_id)
        self.out = TurnResult(state=ConversationState())
        self.first_contact = False

    @property
    def state(self) -> ConversationState:
        return self.out.state

    @state.setter
    def state(self, state: ConversationState) -> None:
        self.out.state = state

    @property
    def prompts(self) -> Prompts:
        return Prompts(self.state.locale, self.service.zone, self.envelope.surface)

    def say(self, text: str, buttons: tuple[tuple[Button, ...], ...] = (), attachment: Attachment | None = None) -> None:
        if buttons:
            self.state = replace(self.state, step=self.state.step + 1)
        self.out.say(Reply(text, buttons, self.state.step if buttons else None, attachment=attachment))

    def take(self, result: TurnResult) -> None:
        """What the engine or the desk produced becomes this turn's."""
        self.state = result.state
        self.out.replies += result.replies
        self.out.effects += result.effects

    async def load(self) -> None:
        chat = await self.uow.chats.get(self.envelope.channel, self.envelope.chat_id)
        if chat is not None:
            self.chat = chat
            self.state = ConversationState.from_dict(dict(chat.state))
        else:
            locale = normalize_locale(self.envelope.language_code or self.service.default_locale)
            self.state = ConversationState(locale=locale)
            self.first_contact = True

    async def store(self) -> None:
        """Applies the effects in order, then saves the conversation; all in the one transaction."""
        sends = [effect.message for effect in self.out.effects if isinstance(effect, Send)]
        for effect in self.out.effects:
            await self.apply(effect)
        if sends:
            await self.uow.outbox.enqueue(sends, self.now)
        menu = menu_of(self.out.replies)
        if menu is not None:
            self.state = replace(self.state, menu=menu)
        self.out.locale = self.state.locale
        self.chat = replace(self.chat, state=self.state.to_dict(), user_id=self.envelope.user_id)
        await self.uow.chats.save(self.chat, self.now)

    async def apply(self, effect: Effect) -> None:
        match effect:
            case SaveAnswers(report_id, values, author_id):
                await self.uow.reports.save_answers(report_id, values, author_id, self.now)
            case MoveReport(report_id, transition):
                await self.uow.reports.move(report_id, transition, self.now)
                log.info("report %s: %s → %s by person %s", report_id, transition.before, transition.after, transition.by)
            case RecordAudit(entry):
                await self.uow.audit.record(entry)
            case CreateInvite(code, unit_code, role, expires_at, created_by, full_name, phone):
                await self.uow.invites.create(unit_code, role, expires_at, self.now, created_by, code=code, full_name=full_name, phone=phone)
            case WithdrawInvites(codes):
                await self.uow.invites.withdraw(codes, self.now)
            case RevokeGrant(grant_id):
                await self.uow.people.revoke(grant_id, self.now)
            case ExtendDeadline(campaign_code, unit_id, due):
                await self.uow.reports.extend(campaign_code, unit_id, due)
            case RecordWrongCode(channel, chat_id):
                await self.uow.wrong_codes.record(channel, chat_id, self.now)
            case AlertAdmins(topic, message, fields):
                await alert_admins(self.uow, topic, message, fields, self.now, self.service.zone)
            case Send():
                pass  # enqueued together, after the rest

    # ----- routing ------------------------------------------------------------------------------

    async def route(self) -> None:
        received = self.envelope.input
        if isinstance(received, TextInput):
            received = resolve(self.state.menu, received.text) or received
        command = canonical(received.name) if isinstance(received, CommandInput) else None
        args = received.args.strip() if isinstance(received, CommandInput) else ""
        linking = Linking(self)
        if self.first_contact and not (command is commands.START and not args):  # the welcome says it too
            self.say(self.prompts._("You are writing to baocao, an automated reporting system."))
        if isinstance(received, ContactInput):
            self.remember_phone(received.phone)
            return
        if isinstance(received, CommandInput) and await self.general(received, command, args, linking):
            return
        if self.chat.person_id is None:
            if isinstance(received, TextInput) and is_code(received.text):
                await linking.redeem(normalize_code(received.text))
                return
            self.say(self.prompts._("This chat is not linked to a unit yet. Ask your supervisor for an invite code, then send /start followed by the code, for example /start AB12CD34."))
            return
        if command is commands.EXPORT_REPORT and not await self.supervises():
            await self.export_own_report()
            return
        if desk_wants(received, self.state, command):
            await self.supervise(received, command)
            return
        await self.report(received, command)

    async def general(self, received: CommandInput, command: CommandSpec | None, args: str, linking: Linking) -> bool:
        """The commands that are no report's or desk's: linking, language, help, an unknown one.
        True when the input was one of them."""
        _ = self.prompts._
        if command in (commands.START, commands.LINK) and args:
            await linking.redeem(normalize_code(args))
        elif command is commands.START:
            linking.welcome()
        elif command is commands.LINK and self.chat.person_id is not None:
            await linking.offer_link(self.chat.person_id)
        elif command is commands.LANGUAGE:
            await self.switch_language(args)
        elif command is commands.HELP:
            self.say(help_text(self.prompts, supervises=await self.supervises()))
        elif command is None:
            self.say(_("Unknown command /{name}. Type /trogiup to see what the bot understands.").format(name=received.name))
        else:
            return False
        return True

    def remember_phone(self, shared: str) -> None:
        """A number the person shared from their messenger: kept with the chat, so that a
        reminder no chat can carry can go to that phone."""
        _ = self.prompts._
        phone = international(shared)
        if phone is None:
            log.info("%s:%s shared %r, which is no Vietnamese mobile number", self.chat.channel, self.chat.chat_id, shared)
            self.say(_("“{phone}” is not a Vietnamese mobile number, so it was not saved.").format(phone=shared))
            return
        self.chat = replace(self.chat, phone=phone)
        self.say(_("Thank you: your phone number is saved. When the bot cannot write to you here, a reminder before a deadline will come as a text message to {phone}.").format(phone=shared))

    async def switch_language(self, wanted: str) -> None:
        locale = normalize_locale(wanted) if wanted else next_locale(self.state.locale)
        self.state = replace(self.state, locale=locale)
        if self.chat.person_id is not None:
            await self.uow.people.set_locale(self.chat.person_id, locale)
        self.say(self.prompts._("This chat now uses English. Type /ngonngu to switch language."))

    async def supervises(self) -> bool:
        """Whether the person behind the chat holds any role above officer (no one yet: no)."""
        if self.chat.person_id is None:
            return False
        return any(grant.role is not Role.REPORTER for grant in await self.uow.people.grants(self.chat.person_id))

    async def export_own_report(self) -> None:
        """/xuatbaocao from an officer: the report they are on (or would open), as a document."""
        assert self.chat.person_id is not None
        reports = await self.uow.reports.open_for(self.chat.person_id, self.today(), self.now)
        report = next((r for r in reports if r.id == self.state.reporting.report_id), reports[0] if reports else None)
        if report is None:
            self.say(self.prompts._("There is no report to file for your unit at the moment."))
            return
        tree = UnitTree(await self.uow.units.units())
        text, attachment = await report_document(self.uow, tree, report, self.service.desk, self.prompts, self.today())
        self.say(text, attachment=attachment)

    async def supervise(self, received: Input, command: CommandSpec | None) -> None:
        person_id = self.chat.person_id
        assert person_id is not None
        tree = UnitTree(await self.uow.units.units())
        access = access_of(person_id, await self.uow.people.grants(person_id), tree)
        if not access.supervises:
            name = command.name if command else received.name if isinstance(received, CommandInput) else "?"
            log.warning("refused /%s from person %s (%s:%s): not a supervisor", name, person_id, self.chat.channel, self.chat.chat_id)
            self.say(refusal(self.prompts._, name))
            return
        desk = Desk(self.uow, access, tree, self.state, self.now, self.prompts, self.service.desk)
        await supervise(desk, received, command)
        self.take(desk.out)

    # ----- the officer's report ---------------------------------------------------------------

    async def report(self, received: Input, command: CommandSpec | None) -> None:
        person_id = self.chat.person_id
        assert person_id is not None
        if self.state.supervising.return_draft is not None:  # turning to a report leaves a return unfinished
            self.state = replace(self.state, supervising=replace(self.state.supervising, return_draft=None))
        pressed = unpack(received.value) if isinstance(received, ButtonInput) else None
        if isinstance(received, ButtonInput) and pressed is not None and pressed.kind is Kind.REPORT:
            await self.choose_report(received, pressed.number)
            return
        wants_report = (pressed is not None and pressed.kind is Kind.OPEN) or command is commands.REPORT
        going_on = self.state.reporting.report_id is not None and self.state.reporting.mode is not Mode.CHOOSING_REPORT
        if going_on and not wants_report:  # an answer to the report already open: one query finds it
            current = await self.uow.reports.current_for(person_id, self.state.reporting.report_id, self.today())
            if current is not None:
                await self.go_on(current.report, received, person_id, current.answers)
                return
        reports = await self.uow.reports.open_for(person_id, self.today(), self.now)
        current = next((r for r in reports if r.id == self.state.reporting.report_id), None)
        named = int(pressed.arg) if pressed is not None and pressed.kind is Kind.OPEN and pressed.arg else None
        named_report = next((r for r in reports if r.id == named), None)
        if named_report is not None:
            await self.start_report(named_report)
            return
        closed = None
        if current is None and self.state.reporting.report_id is not None:  # the report on hand is no longer open
            if closed := await closed_campaign_of(self.uow, self.state.reporting.report_id, self.today()):
                self.say(self.prompts.campaign_closed(closed))
            self.state = replace(self.state, reporting=Reporting())
        if wants_report or current is None or self.state.reporting.mode is Mode.CHOOSING_REPORT:
            await self.open_report(reports, current, closed)
            return
        await self.go_on(current, received, person_id)

    async def go_on(self, report: ReportRecord, received: Input, person_id: int, answers: Mapping[str, AnswerValue] | None = None) -> None:
        """The officer's input to the report they are on (its answers, if already read)."""
        ctx = await self.context(report, answers)
        self.take(self.service.engine.handle(ctx, self.state, received, self.now, self.envelope.surface, person_id))

    def today(self) -> date:
        return self.now.astimezone(self.service.zone).date()

    async def open_report(self, reports: Sequence[ReportRecord], current: ReportRecord | None, closed: CampaignRecord | None = None) -> None:
        """Opens the one report still to be filed; offers a choice when there are several;
        with none left, shows the current (locked) one so the officer sees its receipt; with
        none at all, what is opening next or what closed (`closed`: already said)."""
        unlocked = [r for r in reports if r.status not in LOCKED_STATUSES]
        if len(unlocked) > 1:
            self.offer_reports(unlocked)
            return
        report = unlocked[0] if unlocked else current or (reports[0] if reports else None)
        if report is None:
            self.say(await nothing_open(self.uow, self.today(), self.prompts, closed))
            return
        await self.start_report(report)

    async def start_report(self, report: ReportRecord) -> None:
        ctx = await self.context(report)
        if self.state.reporting.report_id != report.id:
            self.state = replace(self.state, reporting=Reporting())
        self.take(self.service.engine.open(ctx, self.state, self.now, self.envelope.surface, self.chat.person_id))

    def offer_reports(self, reports: list[ReportRecord]) -> None:
        self.state = self.state.evolve(mode=Mode.CHOOSING_REPORT, report_choices=tuple(r.id for r in reports))
        rows = tuple((Button(f"{r.campaign_title.get(self.state.locale)} — {r.unit_name}", pack(Kind.REPORT, r.id)),) for r in reports)
        self.say(self.prompts._("Which report do you want to work on?"), rows)

    async def choose_report(self, pressed: ButtonInput, chosen: int) -> None:
        if pressed.step != self.state.step or chosen not in self.state.reporting.report_choices:
            self.say(self.prompts._("That button belongs to an earlier message and no longer works."))
            return
        report = await self.uow.reports.get(chosen)
        self.state = self.state.evolve(report_choices=())
        if report is None:
            self.say(self.prompts._("There is no report to file for your unit at the moment."))
            return
        await self.start_report(report)

    async def context(self, report: ReportRecord, answers: Mapping[str, AnswerValue] | None = None) -> ReportContext:
        form = self.service.desk.forms[report.form_id]
        if answers is None:
            answers = await self.uow.reports.answers(report.id)
        # Last campaign's answers matter only while a first draft still has questions open, and
        # are looked for once for a report that has none.
        previous = None
        if report.status is ReportStatus.DRAFT and len(answers) < len(form) and self.state.reporting.without_previous != report.id:
            previous = await self.uow.reports.previous_answers(report.id)
            if previous is None:
                self.state = replace(self.state, reporting=replace(self.state.reporting, without_previous=report.id))
        return ReportContext(
            report_id=report.id,
            form=form,
            answers=answers,
            status=report.status,
            unit_name=report.unit_name,
            campaign_title=report.campaign_title.get(self.state.locale),
            deadline=deadline_of(report.report_due, self.service.zone) if report.report_due else None,
            opens=report.campaign_opens,
            receipt_no=report.receipt_no,
            submitted_at=report.submitted_at,
            reopened=report.reopened,
            needs_revision=report.needs_revision,
            submissions=report.submissions,
            return_comment=report.return_comment,
            previous_answers=previous.answers if previous else {},
            previous_campaign=previous.campaign_code if previous else "",
            previous_title=previous.campaign_title.get(self.state.locale) if previous else "",
        )
