"""One platform update, one transaction: de-duplicate, route, run the engine, save, commit.

Channels call `ReportingService.handle` and show the returned replies only after it returns,
i.e. after the commit: an answer the bot has acknowledged is always on disk. Messages for anyone
else (an officer told of a return) are enqueued in the outbox in the same transaction, so they
are as durable as the change that caused them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.clock import Clock
from bot.access import access_of
from bot.codes import is_code, normalize_code
from bot.commands import LINK, REPORT, REPORTER_COMMANDS, START, SUPERVISOR_COMMANDS, CommandSpec, canonical
from bot.conversation import ConversationState, Mode
from bot.engine import Engine, Outcome
from bot.events import OPEN_REPORT, Button, ButtonRole, Reply, Surface, opened_report
from bot.forms import Form, LocalText
from bot.i18n import DEFAULT_LOCALE, normalize_locale
from bot.inputs import ButtonInput, CommandInput, Input, TextInput
from bot.menu import menu_of, resolve
from bot.ports import AuditEntry, ChatRecord, InviteLink, InviteProblem, OutboxMessage, ReportRecord, Role, UnitOfWork
from bot.prompts import Prompts
from bot.report import LOCKED_STATUSES, ReportContext, ReportStatus
from bot.supervision import SupervisorDesk, refusal
from bot.units import UnitTree

log = logging.getLogger(__name__)

REPORT_CHOICE = "r"
LINK_CODE_LIFETIME = timedelta(days=1)


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


@dataclass
class Response:
    """What one update produced: replies to show in this chat after the commit; the messages for
    other people that were enqueued in the outbox with it; and, when the person's roles changed,
    the roles to show commands for."""

    replies: list[Reply] = field(default_factory=list)
    outbox: list[OutboxMessage] = field(default_factory=list)
    menu_roles: frozenset[Role] | None = None
    locale: str = DEFAULT_LOCALE  # what the replies are written in


def no_invite_links(code: str) -> Sequence[InviteLink]:
    return ()


class ReportingService:
    def __init__(
        self,
        unit_of_work: Callable[[], UnitOfWork],
        forms: Callable[[str], Form],
        engine: Engine,
        clock: Clock,
        zone: ZoneInfo,
        default_locale: str = "vi",
        kind_label: Callable[[str], LocalText] = LocalText,
        invite_links: Callable[[str], Sequence[InviteLink]] = no_invite_links,
        channel_label: Callable[[str], str] = str,
        invite_days: int = 7,
    ) -> None:
        self.unit_of_work = unit_of_work
        self.forms = forms
        self.engine = engine
        self.clock = clock
        self.zone = zone
        self.default_locale = default_locale
        self.kind_label = kind_label
        self.invite_links = invite_links  # how each running channel opens an invite code
        self.channel_label = channel_label  # how people call a messenger, by its stored name
        self.invite_days = invite_days

    async def handle(self, envelope: Envelope) -> Response:
        now = self.clock.now()
        async with self.unit_of_work() as uow:
            if envelope.update_id is not None and not await uow.updates.claim(
                envelope.channel, envelope.update_id, now
            ):
                log.info("ignored repeated update %s:%s", envelope.channel, envelope.update_id)
                return Response()
            turn = _ServiceTurn(self, uow, envelope, now)
            await turn.load()
            await turn.route()
            await turn.store()
            return turn.response

    async def locale_of(self, channel: str, chat_id: str) -> str:
        """The chat's interface language, for messages sent outside a turn (errors)."""
        async with self.unit_of_work() as uow:
            chat = await uow.chats.get(channel, chat_id)
        state = ConversationState.from_dict(dict(chat.state) if chat else None)
        return state.locale if chat else self.default_locale


class _ServiceTurn:
    def __init__(self, service: ReportingService, uow: UnitOfWork, envelope: Envelope, now: datetime) -> None:
        self.service = service
        self.uow = uow
        self.envelope = envelope
        self.now = now
        self.response = Response()
        self.replies = self.response.replies
        self.chat = ChatRecord(envelope.channel, envelope.chat_id, None, {}, envelope.user_id)
        self.state = ConversationState()
        self.first_contact = False

    @property
    def prompts(self) -> Prompts:
        return Prompts(self.state.locale, self.service.zone, self.envelope.surface)

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
        self.response.locale = self.state.locale
        menu = menu_of(self.replies)
        if menu is not None:
            self.state = self.state.evolve(menu=menu)
        self.chat = ChatRecord(
            self.chat.channel, self.chat.chat_id, self.chat.person_id, self.state.to_dict(), self.envelope.user_id
        )
        await self.uow.chats.save(self.chat, self.now)
        if self.response.outbox:
            await self.uow.outbox.enqueue(self.response.outbox, self.now)

    def say(self, text: str, buttons: tuple[tuple[Button, ...], ...] = ()) -> None:
        self.replies.append(Reply(text, buttons, self.state.step if buttons else None))

    async def route(self) -> None:
        received = self.envelope.input
        if isinstance(received, TextInput):
            received = resolve(self.state.menu, received.text) or received
        _ = self.prompts._
        command = canonical(received.name) if isinstance(received, CommandInput) else None
        args = received.args.strip() if isinstance(received, CommandInput) else ""
        if self.first_contact and not (command == START and not args):  # the welcome says it too
            self.say(_("You are writing to baocao, an automated reporting system."))
        if isinstance(received, CommandInput):
            name = command
            if name in (START, LINK) and args:
                await self.redeem(normalize_code(args))
                return
            if name == START:
                self.welcome()
                return
            if name == LINK and self.chat.person_id is not None:
                await self.offer_link(self.chat.person_id)
                return
            if name == "ngonngu":
                await self.switch_language(received.args.strip())
                return
            if name == "trogiup":
                roles = await self.uow.people.grants(self.chat.person_id) if self.chat.person_id else []
                self.say(self.help_text(supervises=any(g.role is not Role.REPORTER for g in roles)))
                return
            if name is None:
                self.say(_("Unknown command /{name}. Type /trogiup to see what the bot understands.").format(name=received.name))
                return
        if self.chat.person_id is None:
            if isinstance(received, TextInput) and is_code(received.text):
                await self.redeem(normalize_code(received.text))
                return
            self.say(_("This chat is not linked to a unit yet. Ask your supervisor for an invite code, then send /start followed by the code, for example /start AB12CD34."))
            return
        if SupervisorDesk.wants(received, self.state, command):
            await self.supervise(received, command)
            return
        if isinstance(received, ButtonInput) and received.value.startswith(f"{REPORT_CHOICE}:"):
            await self.choose_report(received)
            return
        reports = await self.uow.reports.open_for(self.chat.person_id, self.today(), self.now)
        current = next((r for r in reports if r.id == self.state.report_id), None)
        named = opened_report(received.value) if isinstance(received, ButtonInput) else None
        named_report = next((r for r in reports if r.id == named), None)
        if named_report is not None:
            await self.start_report(named_report)
            return
        wants_report = named is not None or (isinstance(received, CommandInput) and canonical(received.name) == REPORT)
        if wants_report or current is None or self.state.mode is Mode.CHOOSING_REPORT:
            await self.open_report(reports, current)
            return
        ctx = await self.context(current)
        await self.apply(self.service.engine.handle(ctx, self.state, received, self.now, self.envelope.surface), ctx)

    # ----- linking and language ------------------------------------------------------------

    def welcome(self) -> None:
        _ = self.prompts._
        if self.chat.person_id is None:
            self.say(_("Welcome to baocao, the reporting assistant. This is an automated system.\nTo begin, send /start followed by the invite code your supervisor gave you, for example /start AB12CD34."))
        else:
            self.say(_("Welcome back. Type /baocao to continue your report, or /trogiup for help."))

    async def redeem(self, code: str) -> None:
        """Spends an invite (a new person, or a new role) or a link code (this chat joins the
        person's other chats, and their conversation goes on here)."""
        _ = self.prompts._
        redemption = await self.uow.invites.redeem(
            code, self.envelope.display_name or f"{self.chat.channel} {self.chat.chat_id}", self.chat.person_id, self.now
        )
        if redemption.person_id is None:
            problems = {
                InviteProblem.UNKNOWN: _("The code {code} is not valid. Check it, or ask your supervisor for a new one."),
                InviteProblem.USED: _("The code {code} has already been used. Each code works once; ask your supervisor for a new one."),
                InviteProblem.EXPIRED: _("The code {code} has expired. Ask your supervisor for a new one."),
                InviteProblem.REVOKED: _("The code {code} has been withdrawn. Ask your supervisor for a new one."),
            }
            self.say(problems[redemption.problem or InviteProblem.UNKNOWN].format(code=code))
            log.info("refused code %r for %s:%s: %s", code, self.chat.channel, self.chat.chat_id, redemption.problem)
            return
        person_id = redemption.person_id
        if redemption.joined_existing:
            conversation = await self.uow.people.conversation(person_id)
            if conversation:
                self.state = ConversationState.from_dict(dict(conversation))
        self.chat = ChatRecord(self.chat.channel, self.chat.chat_id, person_id, self.chat.state, self.envelope.user_id)
        await self.uow.people.set_locale(person_id, self.state.locale)
        self.response.menu_roles = frozenset(g.role for g in await self.uow.people.grants(person_id))
        grant = redemption.grant
        log.info("linked %s:%s to person %s (%s)", self.chat.channel, self.chat.chat_id, person_id, grant or "joined")
        _ = self.prompts._
        if grant is None:
            self.say(_("Linked: this chat now belongs to your account, like your other chats. Type /baocao to continue where you left off."))
            return
        self.state = self.state.evolve(mode=Mode.IDLE)
        if grant.role is Role.REPORTER:
            self.say(
                _("Linked: you report for {unit}. Type /baocao to start the report.").format(unit=grant.unit_name),
                ((Button(_("Start the report"), OPEN_REPORT, ButtonRole.ACTION, REPORT),),),
            )
        else:
            self.say(_("Linked: you follow the reports of {unit} and the units under it. Type /tinhhinh to see who has reported, or /trogiup for every command.").format(unit=grant.unit_name))

    async def offer_link(self, person_id: int) -> None:
        """/lienket: a one-time code that links a chat in another messenger to this person."""
        _ = self.prompts._
        expires = self.now + LINK_CODE_LIFETIME
        code = await self.uow.invites.link_code(person_id, expires, self.now)
        lines = [_("To use the bot from another messenger too, send it this message there: lienket {code}").format(code=code)]
        lines += [
            _("or opens on {channel}: {link}").format(channel=link.channel, link=link.url)
            for link in self.service.invite_links(code)
        ]
        lines.append(_("Valid once, until {time}.").format(time=self.prompts.when(expires)))
        self.say("\n".join(lines))

    async def switch_language(self, wanted: str) -> None:
        current = self.state.locale
        locale = normalize_locale(wanted) if wanted else ("en" if current == "vi" else "vi")
        self.state = self.state.evolve(locale=locale)
        if self.chat.person_id is not None:
            await self.uow.people.set_locale(self.chat.person_id, locale)
        self.say(self.prompts._("This chat now uses English. Type /ngonngu to switch language."))

    def help_text(self, supervises: bool) -> str:
        """Every command; where there are no buttons, each also as the words one may type."""
        _ = self.prompts._
        typing = not self.envelope.surface.buttons

        def line(spec: CommandSpec) -> str:
            name = f"«{spec.words}» /{spec.name}" if typing else f"/{spec.name}"
            return f"{name} — {_(spec.description)}"

        lines = [_("baocao helps you file your unit's report one question at a time. Every answer is saved at once."), ""]
        lines += [line(spec) for spec in REPORTER_COMMANDS]
        if supervises:
            lines += ["", _("For supervisors (type these with the /):")] if typing else ["", _("For supervisors:")]
            lines += [line(spec) for spec in SUPERVISOR_COMMANDS]
        if typing:
            lines += ["", _("Commands work with or without the / and without diacritics. Answer a choice by typing its number or its words. If you are stuck, type baocao to return to where you were.")]
        else:
            lines += ["", _("You can also press the buttons under each question. If you are stuck, type /baocao to return to where you were.")]
        return "\n".join(lines)

    # ----- supervision ---------------------------------------------------------------------

    async def supervise(self, received: Input, command: str | None) -> None:
        person_id = self.chat.person_id
        assert person_id is not None
        tree = UnitTree(await self.uow.supervision.units())
        access = access_of(person_id, await self.uow.people.grants(person_id), tree)
        if not access.supervises:
            name = received.name if isinstance(received, CommandInput) else command or "?"
            log.warning("refused /%s from person %s (%s:%s): not a supervisor", name, person_id, self.chat.channel, self.chat.chat_id)
            self.say(refusal(self.prompts._, name))
            return
        desk = SupervisorDesk(
            self.uow, access, tree, self.state, self.now, self.prompts, self.service.forms,
            self.service.kind_label, self.service.invite_links, self.service.channel_label, self.service.invite_days,
        )
        result = await desk.handle(received, command)
        self.state = result.state
        self.replies.extend(result.replies)
        self.response.outbox.extend(result.outbox)

    # ----- reports -------------------------------------------------------------------------

    def today(self) -> date:
        return self.now.astimezone(self.service.zone).date()

    async def open_report(self, reports: Sequence[ReportRecord], current: ReportRecord | None) -> None:
        """Opens the one report still to be filed; offers a choice when there are several;
        with none left, shows the current (locked) one so the officer sees its receipt."""
        unlocked = [r for r in reports if r.status not in LOCKED_STATUSES]
        if len(unlocked) > 1:
            self.offer_reports(unlocked)
            return
        report = unlocked[0] if unlocked else current or (reports[0] if reports else None)
        if report is None:
            self.say(self.prompts._("There is no report to file for your unit at the moment."))
            return
        await self.start_report(report)

    async def start_report(self, report: ReportRecord) -> None:
        ctx = await self.context(report)
        if self.state.report_id != report.id:
            self.state = ConversationState(locale=self.state.locale, step=self.state.step)
        await self.apply(self.service.engine.open(ctx, self.state, self.now, self.envelope.surface), ctx)

    def offer_reports(self, reports: list[ReportRecord]) -> None:
        _ = self.prompts._
        self.state = self.state.evolve(
            mode=Mode.CHOOSING_REPORT, step=self.state.step + 1, report_choices=tuple(r.id for r in reports)
        )
        rows = tuple(
            (Button(f"{r.campaign_title.get(self.state.locale)} — {r.unit_name}", f"{REPORT_CHOICE}:{r.id}"),)
            for r in reports
        )
        self.say(_("Which report do you want to work on?"), rows)

    async def choose_report(self, pressed: ButtonInput) -> None:
        chosen_id = pressed.value.partition(":")[2]
        chosen = int(chosen_id) if chosen_id.isdigit() else None
        if pressed.step != self.state.step or chosen not in self.state.report_choices:
            self.say(self.prompts._("That button belongs to an earlier message and no longer works."))
            return
        report = await self.uow.reports.get(chosen) if chosen is not None else None
        self.state = self.state.evolve(report_choices=())
        if report is None:
            self.say(self.prompts._("There is no report to file for your unit at the moment."))
            return
        await self.start_report(report)

    async def context(self, report: ReportRecord) -> ReportContext:
        deadline = (
            datetime.combine(report.report_due, time(23, 59, 59), self.service.zone) if report.report_due else None
        )
        return ReportContext(
            report_id=report.id,
            form=self.service.forms(report.form_id),
            answers=await self.uow.reports.answers(report.id),
            status=report.status,
            unit_name=report.unit_name,
            campaign_title=report.campaign_title.get(self.state.locale),
            deadline=deadline,
            receipt_no=report.receipt_no,
            submitted_at=report.submitted_at,
            reopened=report.reopened,
            needs_revision=report.needs_revision,
        )

    async def apply(self, outcome: Outcome, ctx: ReportContext) -> None:
        if outcome.saves:
            await self.uow.reports.save_answers(ctx.report_id, outcome.saves, self.chat.person_id, self.now)
        self.state = outcome.state
        self.replies.extend(outcome.replies)
        if outcome.submit:
            receipt = await self.uow.reports.submit(ctx.report_id, self.chat.person_id, self.now)
            log.info("report %s submitted by person %s: %s", ctx.report_id, self.chat.person_id, receipt.number)
            action = "resubmitted" if ctx.status is ReportStatus.RETURNED else "submitted"
            await self.uow.supervision.record(
                AuditEntry(self.now, action, self.chat.person_id, report_id=ctx.report_id, details={"receipt": receipt.number})
            )
            _ = self.prompts._
            self.say(
                _("✅ The report of {unit} has been submitted.").format(unit=ctx.unit_name)
                + "\n"
                + self.prompts.receipt(receipt.number, receipt.at)
            )
