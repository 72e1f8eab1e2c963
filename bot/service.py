"""One platform update, one transaction: claim the update, load the chat and its conversation,
route to the one feature that answers the input, apply the effects it returns in order, save
the conversation, commit. Features only read; every change is an effect applied here.

Channels call `ReportingService.handle` and show the returned replies only after it returns,
i.e. after the commit: an answer the bot has acknowledged is always on disk. Messages for anyone
else (an officer told of a return) are enqueued in the outbox in the same transaction, so they
are as durable as the change that caused them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.base.clock import Clock
from bot.base.codes import is_code, normalize_code
from bot.base.commands import EXPORT_REPORT, HELP, LANGUAGE, LINK, START
from bot.base.conversation import ConversationState
from bot.base.effects import (
    AlertAdmins,
    CreateInvite,
    Effect,
    ExtendDeadline,
    IssueLinkCode,
    MoveReport,
    RecordAudit,
    RecordWrongCode,
    RedeemCode,
    RememberPhone,
    RequestExport,
    RevokeGrant,
    SaveAnswers,
    Send,
    SetLocale,
    TurnResult,
    WithdrawInvites,
)
from bot.base.events import Reply, Surface
from bot.base.i18n import normalize_locale
from bot.base.inputs import CommandInput, ContactInput, Input, TextInput
from bot.base.menu import menu_of, resolve
from bot.base.ports import CodeSpent, UnitOfWork
from bot.base.records import ChatRecord, InviteLink, Role
from bot.delivery.alerts import alert_admins
from bot.feature.settings import FeatureSettings
from bot.feature.turn import Turn
from bot.general import chat as general
from bot.linking import chat_linking as linking
from bot.officer import choosing
from bot.organisation.snapshot import Organisation, OrganisationSource
from bot.reporting.engine import Engine
from bot.supervision import SUPERVISOR_COMMANDS
from bot.supervision.routing import supervise
from bot.supervision.routing import wants as desk_wants

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
        self,
        unit_of_work: Callable[[], UnitOfWork],
        engine: Engine,
        settings: FeatureSettings,
        organisation: OrganisationSource,
        clock: Clock,
        zone: ZoneInfo,
        default_locale: str,
    ) -> None:
        self.unit_of_work = unit_of_work
        self.engine = engine
        self.settings = settings  # what every feature is given, the forms among them
        self.organisation = organisation  # the units and campaigns, as this process holds them
        self.clock = clock
        self.zone = zone
        self.default_locale = default_locale

    async def handle(self, envelope: Envelope) -> TurnResult:
        now = self.clock.now()
        async with self.unit_of_work() as uow:
            if envelope.update_id is not None and not await uow.updates.claim(envelope.channel, envelope.update_id, now):
                log.info("ignored repeated update %s:%s", envelope.channel, envelope.update_id)
                return TurnResult(state=ConversationState())
            turn, first_contact = await self.load(uow, envelope, now)
            result = await self.route(turn)
            if first_contact and not _bare_start(turn.received):  # the welcome says it too
                result.replies.insert(0, Reply(turn.prompts._("You are writing to baocao, an automated reporting system.")))
            await self.apply(uow, turn, result)
            return result

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
        return self.settings.invite_links(code)

    async def load(self, uow: UnitOfWork, envelope: Envelope, now: datetime) -> tuple[Turn, bool]:
        """The turn as features see it: the chat (locked until commit) with its person and their
        conversation, and the input, typed words that name a button already its press; and
        whether the chat is new to the bot."""
        chat = await uow.chats.get(envelope.channel, envelope.chat_id)
        first_contact = chat is None
        if chat is not None:
            chat = replace(chat, user_id=envelope.user_id)
            state = ConversationState.from_dict(dict(chat.state))
        else:
            chat = ChatRecord(envelope.channel, envelope.chat_id, None, {}, envelope.user_id)
            state = ConversationState(locale=normalize_locale(envelope.language_code or self.default_locale))
        received = envelope.input
        if isinstance(received, TextInput):
            received = resolve(state.menu, received.text) or received

        async def organisation() -> Organisation:
            return await self.organisation.current(uow.units)

        turn = Turn(chat, state, received, now, self.zone, envelope.surface, envelope.display_name, uow, self.settings, organisation)
        return turn, first_contact

    async def route(self, turn: Turn) -> TurnResult:
        """The one feature that answers the input."""
        received = turn.received
        if isinstance(received, ContactInput):
            return general.remember_phone(turn, received.phone)
        if isinstance(received, CommandInput):
            spec, args = received.spec, received.args.strip()
            if spec in (START, LINK) and args:
                return await linking.redeem(turn, normalize_code(args))
            if spec is START:
                return linking.welcome(turn)
            if spec is LINK and turn.person_id is not None:
                return linking.offer_link(turn)
            if spec is LANGUAGE:
                return general.switch_language(turn, args)
            if spec is HELP:
                return general.help_for(turn, SUPERVISOR_COMMANDS if await _supervises(turn) else ())
            if spec is None:
                return general.unknown_command(turn, received.name)
        if turn.person_id is None:
            if isinstance(received, TextInput) and is_code(received.text):
                return await linking.redeem(turn, normalize_code(received.text))
            return general.not_linked(turn)
        if isinstance(received, CommandInput) and received.spec is EXPORT_REPORT and not await _supervises(turn):
            return await choosing.export_own_report(turn)
        if desk_wants(received, turn.state):
            return await supervise(turn)
        return await choosing.report(turn, self.engine)

    async def apply(self, uow: UnitOfWork, turn: Turn, result: TurnResult) -> None:
        """Applies the effects in order, then saves the conversation; all in the one transaction."""
        chat = turn.chat
        sends = [effect.message for effect in result.effects if isinstance(effect, Send)]
        for effect in result.effects:
            chat = await self.apply_one(uow, effect, chat, result, turn.now)
        if sends:
            await uow.outbox.enqueue(sends, turn.now)
        menu = menu_of(result.replies)
        if menu is not None:
            result.state = replace(result.state, menu=menu)
        result.locale = result.state.locale
        await uow.chats.save(replace(chat, state=result.state.to_dict()), turn.now)

    async def apply_one(self, uow: UnitOfWork, effect: Effect, chat: ChatRecord, result: TurnResult, now: datetime) -> ChatRecord:
        """One effect, through the write ports; returns the chat as it now stands."""
        match effect:
            case SaveAnswers(report_id, values, author_id):
                await uow.reports.save_answers(report_id, values, author_id, now)
            case MoveReport(report_id, transition):
                await uow.reports.move(report_id, transition, now)
                log.info("report %s: %s → %s by person %s", report_id, transition.before, transition.after, transition.by)
            case RecordAudit(entry):
                await uow.audit.record(entry)
            case CreateInvite(code, unit_code, role, expires_at, created_by, full_name, phone):
                await uow.invites.create(unit_code, role, expires_at, now, created_by, code=code, full_name=full_name, phone=phone)
            case WithdrawInvites(codes):
                await uow.invites.withdraw(codes, now)
            case RevokeGrant(grant_id):
                await uow.people.revoke(grant_id, now)
            case ExtendDeadline(campaign_code, unit_id, due):
                await uow.reports.extend(campaign_code, unit_id, due)
            case RecordWrongCode(channel, chat_id):
                await uow.wrong_codes.record(channel, chat_id, now)
            case AlertAdmins(topic, message, fields):
                await alert_admins(uow, topic, message, fields, now, self.zone)
            case RedeemCode(code, display_name, person_id, locale):
                redemption = await uow.invites.redeem(code, display_name, person_id, now)
                if redemption.person_id is None:
                    raise CodeSpent(f"code {code}: {redemption.problem}")
                await uow.people.set_locale(redemption.person_id, locale)
                result.menu_roles = frozenset(grant.role for grant in await uow.people.grants(redemption.person_id))
                log.info("linked %s:%s to person %s (%s)", chat.channel, chat.chat_id, redemption.person_id, redemption.grant or "joined")
                return replace(chat, person_id=redemption.person_id)
            case IssueLinkCode(code, person_id, expires_at):
                await uow.invites.link_code(person_id, expires_at, now, code)
            case SetLocale(person_id, locale):
                await uow.people.set_locale(person_id, locale)
            case RememberPhone(phone):
                return replace(chat, phone=phone)
            case RequestExport(request):
                job_id = await uow.exports.request(request, now)
                log.info("export %s asked for: %s of unit %s in %s", job_id, request.kind, request.unit_id, request.campaign_code)
            case Send():
                pass  # enqueued together, after the rest
        return chat


def _bare_start(received: Input) -> bool:
    return isinstance(received, CommandInput) and received.spec is START and not received.args.strip()


async def _supervises(turn: Turn) -> bool:
    """Whether the person behind the chat holds any role above officer (no one yet: no)."""
    if turn.person_id is None:
        return False
    return any(grant.role is not Role.REPORTER for grant in await turn.reads.people.grants(turn.person_id))
