"""Who gets which reminder, in what words. The database says who is still pending; this turns
that into outbox messages, each in its reader's language. Firing a slot twice (a restart,
a second worker) enqueues nothing new: the outbox is unique per reminder and person. Each
message is worth sending until the slot's deadline, and firing the series' next slot stops
what is still waiting of the earlier ones, in the same transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.base.buttons import Kind, pack
from bot.base.commands import REPORT
from bot.base.events import Button, ButtonRole, Reply
from bot.base.forms import Form
from bot.base.outbox import MessageKind, OutboxMessage
from bot.base.ports import Queries, UnitOfWork
from bot.base.records import CampaignRecord, Enrolment, Recipient, Role
from bot.base.report_status import NOT_SUBMITTED, ReportStatus
from bot.catalog.campaign_time import worth_sending_until
from bot.organisation.units import UnitTree
from bot.reminders.plan import ReminderSlot, SlotKind, plan_slots, still_worth_sending
from bot.reminders.rerouting import Routes, Subject, by_phone
from bot.reporting.prompts import Prompts

__all__ = ["Composer", "Pending", "ReminderService", "nearest_supervisors", "pending_units"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Pending:
    """An enrolled unit that has not submitted (never opened, a draft, or returned), the
    officers who can be reminded there (those with a chat that has not refused the bot), and
    those whose every chat has refused it."""

    row: Enrolment
    reporters: tuple[Recipient, ...]
    unreachable: tuple[Recipient, ...] = ()


async def pending_units(reads: Queries, campaign_code: str, unit_ids: Collection[int] | None = None) -> list[Pending]:
    """The units of the campaign (or only these) not yet submitted, by unit code."""
    rows = [
        row for row in await reads.reports.enrolments(campaign_code, unit_ids)
        if row.status is None or row.status in NOT_SUBMITTED
    ]  # fmt: skip
    holders = await reads.people.recipients(Role.REPORTER, [row.unit_id for row in rows], including_refusing=True)
    return [
        Pending(
            row,
            tuple(person for person in holders.get(row.unit_id, ()) if not person.refusing),
            tuple(person for person in holders.get(row.unit_id, ()) if person.refusing),
        )
        for row in rows
    ]


@dataclass(frozen=True)
class Composer:
    """Writes reminders for one campaign at one moment, each worth sending until `expires_at`."""

    campaign: CampaignRecord
    unit_names: Mapping[int, str]
    forms: Callable[[str], Form]
    zone: ZoneInfo
    now: datetime
    expires_at: datetime

    def prompts(self, locale: str) -> Prompts:
        return Prompts(locale, self.zone)

    def to_reporter(self, key: str, kind: MessageKind, unit: Pending, person: Recipient, overdue: bool) -> OutboxMessage:
        p = self.prompts(person.locale)
        _ = p._
        name = self.unit_names[unit.row.unit_id]
        title = self.campaign.title.get(person.locale)
        due = unit.row.report_due(self.campaign.report_due)
        assert due is not None
        if overdue:
            lines = [_("⚠️ The report of {unit} for “{campaign}” was due on {day} and has not been submitted yet.").format(
                unit=name, campaign=title, day=p.day(due)
            )]
        else:
            lines = [_("⏰ Reminder: the report of {unit} for “{campaign}” is due. {deadline}").format(
                unit=name, campaign=title, deadline=p.deadline_text(due, self.now.astimezone(self.zone).date())
            )]
        lines.append(self.left_to_answer(p, unit.row))
        if unit.row.status is ReportStatus.RETURNED:
            lines.append(_("It was returned for revision; see what to fix with /baocao."))
        lines.append(_("Type /baocao to continue where you stopped."))
        resume = Button(_("Continue the report"), pack(Kind.OPEN, unit.row.report_id), ButtonRole.ACTION, REPORT.name)
        reply = Reply("\n".join(lines), ((resume,),), step=0)
        return OutboxMessage(
            key=key, person_id=person.person_id, channel=person.channel, chat_id=person.chat_id, reply=reply,
            kind=kind, campaign_code=self.campaign.code, unit_id=unit.row.unit_id, person_name=person.full_name,
            locale=person.locale, expires_at=self.expires_at,
        )

    def left_to_answer(self, p: Prompts, unit: Enrolment) -> str:
        form = self.forms(unit.form_id)
        questions_left = max(0, len(form) - unit.answered)
        criteria = form.criteria_count
        if criteria:
            return p._("Still to answer: {questions}/{total} questions, of which {criteria_left}/{criteria} criteria.").format(
                questions=questions_left, total=len(form),
                criteria_left=max(0, criteria - unit.answered_criteria), criteria=criteria,
            )
        return p._("Still to answer: {questions}/{total} questions.").format(questions=questions_left, total=len(form))

    def to_supervisor(self, key: str, person: Recipient, units: Sequence[Pending], due: date, overdue: bool) -> OutboxMessage:
        p = self.prompts(person.locale)
        _ = p._
        title = self.campaign.title.get(person.locale)
        if overdue:
            head = _("📋 “{campaign}” was due on {day}. These units have not submitted:").format(campaign=title, day=p.day(due))
        else:
            head = _("📋 “{campaign}”: {deadline}. These units have nobody linked to the bot, so no reminder reached them:").format(
                campaign=title, deadline=p.deadline_text(due, self.now.astimezone(self.zone).date())
            )
        lines = [head]
        for unit in sorted(units, key=lambda u: self.unit_names[u.row.unit_id]):
            total = len(self.forms(unit.row.form_id))
            if unit.reporters:
                extra = ""
            elif unit.unreachable:
                names = ", ".join(person.full_name for person in unit.unreachable)
                extra = " · " + _("{names}: cannot be reached in any chat; call them").format(names=names)
            else:
                extra = " · " + _("no officer linked")
            lines.append(f"• {self.unit_names[unit.row.unit_id]} — {unit.row.answered}/{total}{extra}")
        lines.append(_("Invite an officer with /moi UNIT; see every unit not yet submitted with /chuanop."))
        return OutboxMessage(
            key=key, person_id=person.person_id, channel=person.channel, chat_id=person.chat_id,
            reply=Reply("\n".join(lines)), kind=MessageKind.DIGEST, campaign_code=self.campaign.code,
            person_name=person.full_name, locale=person.locale, expires_at=self.expires_at,
        )


async def nearest_supervisors(reads: Queries, tree: UnitTree, unit_ids: Collection[int]) -> dict[int, tuple[Recipient, ...]]:
    """Per unit, the supervisors of its nearest ancestor where anyone supervises (its parent
    first), those of them who can be reached; () when nobody above it supervises. The level is
    chosen by who holds the role: when the nearest supervisors have all refused the bot, the
    unit gets nobody rather than skipping up a level."""
    above = {ancestor.id for unit_id in unit_ids for ancestor in tree.ancestors(unit_id)}
    supervisors = await reads.people.recipients(Role.SUPERVISOR, above)
    nearest = {unit_id: tree.nearest(unit_id, supervisors) for unit_id in unit_ids}
    return {unit_id: tuple(supervisors[level]) if level is not None else () for unit_id, level in nearest.items()}


async def compose_slot(
    uow: Queries, tree: UnitTree, composer: Composer, slot: ReminderSlot, routes: Routes = Routes(frozenset())
) -> list[OutboxMessage]:
    """The reporters of every pending unit whose deadline the slot is about (an officer no chat
    reaches by text message, where that is possible), and a digest to the supervisors nearest
    above the units nobody can be reminded in (all of them, when overdue)."""
    campaign_due = composer.campaign.report_due
    units = [unit for unit in await pending_units(uow, composer.campaign.code) if unit.row.report_due(campaign_due) == slot.due]
    overdue = slot.kind is SlotKind.OVERDUE
    kind = MessageKind.OVERDUE if overdue else MessageKind.REMINDER
    messages = [
        composer.to_reporter(f"{slot.key}/{unit.row.unit_id}", kind, unit, person, overdue)
        for unit in units
        for person in unit.reporters
    ]
    texted: set[int] = set()
    for unit in units:
        for person in () if unit.reporters else unit.unreachable:
            about = Subject(composer.unit_names[unit.row.unit_id], composer.campaign.title.get(person.locale), unit.row.report_due(campaign_due))
            message = await by_phone(uow, composer.to_reporter(f"{slot.key}/{unit.row.unit_id}", kind, unit, person, overdue), routes, about)
            if message is not None:
                messages.append(message)
                texted.add(unit.row.unit_id)
    listed = [unit for unit in units if overdue or not (unit.reporters or unit.row.unit_id in texted)]
    supervisors = await nearest_supervisors(uow, tree, [unit.row.unit_id for unit in listed])
    by_supervisor: dict[int, tuple[Recipient, list[Pending]]] = {}
    for unit in listed:
        for person in supervisors[unit.row.unit_id]:
            by_supervisor.setdefault(person.person_id, (person, []))[1].append(unit)
    messages += [
        composer.to_supervisor(f"{slot.key}/digest", person, pending, slot.due, overdue)
        for person, pending in by_supervisor.values()
    ]
    return messages


class ReminderService:
    """Turns the campaigns in the database into slots, and fires a slot into the outbox."""

    def __init__(
        self, unit_of_work: Callable[[], UnitOfWork], forms: Callable[[str], Form], zone: ZoneInfo, routes: Routes = Routes(frozenset())
    ) -> None:
        self.unit_of_work = unit_of_work
        self.forms = forms
        self.zone = zone
        self.routes = routes

    async def slots(self, now: datetime) -> list[tuple[CampaignRecord, ReminderSlot]]:
        """Each campaign's series for its deadline, and one for each date units were given, as
        planned at `now`: nothing of a campaign closed by then (a closed campaign is history,
        whatever it missed), nor any slot that would fall after its closing day."""
        today = now.astimezone(self.zone).date()
        async with self.unit_of_work() as uow:
            campaigns = await uow.units.campaigns()
            extensions = await uow.reports.extensions()
        extended: dict[str, set[date]] = {}
        for code, due in extensions:
            extended.setdefault(code, set()).add(due)
        planned = [
            (campaign, slot)
            for campaign in campaigns
            if campaign.report_due is not None and not campaign.closed(today)
            for due in sorted({campaign.report_due, *extended.get(campaign.code, ())})
            for slot in plan_slots(campaign.code, due, campaign.reminders, self.zone, extended=due != campaign.report_due)
        ]
        return [(campaign, slot) for campaign, slot in planned if not campaign.closed(slot.fire_at.astimezone(self.zone).date())]

    async def was_fired(self, slot_key: str) -> bool:
        async with self.unit_of_work() as uow:
            return await uow.reminder_runs.fired(slot_key)

    async def skip(self, slot_key: str, now: datetime, outcome: str) -> None:
        """Records a slot that will not be sent (superseded by a newer one after downtime)."""
        async with self.unit_of_work() as uow:
            if await uow.reminder_runs.record(slot_key, outcome, now):
                log.info("reminder %s not sent: %s", slot_key, outcome)

    async def fire(self, slot_key: str, now: datetime) -> int:
        """Enqueues a slot's reminders once; returns how many messages were new."""
        found = {slot.key: (campaign, slot) for campaign, slot in await self.slots(now)}.get(slot_key)
        if found is None:
            log.warning("no reminder slot %s any more (its campaign closed, or its date changed); nothing sent", slot_key)
            return 0
        campaign, slot = found
        async with self.unit_of_work() as uow:
            if await uow.reminder_runs.fired(slot_key):
                return 0
            if not still_worth_sending(slot, now):
                await uow.reminder_runs.record(slot_key, "dropped", now)
                log.info("dropped reminder %s: due at %s, its deadline %s has passed", slot_key, slot.fire_at, slot.deadline)
                return 0
            messages = await self.compose(uow, slot, campaign, now)
            if not await uow.reminder_runs.record(slot_key, "enqueued", now):
                return 0
            superseded = await uow.outbox.supersede(slot.series, messages, now)
            new = await uow.outbox.enqueue(messages, now)
        log.info("reminder %s: %d messages queued, %d earlier ones of its series stopped", slot_key, new, superseded)
        return new

    async def compose(self, uow: Queries, slot: ReminderSlot, campaign: CampaignRecord, now: datetime) -> list[OutboxMessage]:
        tree = UnitTree(await uow.units.units())
        expires_at = worth_sending_until(campaign, slot.expires_at, self.zone)
        composer = Composer(campaign, {unit.id: unit.name for unit in tree}, self.forms, self.zone, now, expires_at)
        return await compose_slot(uow, tree, composer, slot, self.routes)

    async def preview(self, slot: ReminderSlot, campaign: CampaignRecord, now: datetime) -> list[OutboxMessage]:
        """What firing the slot now would queue; nothing is written."""
        async with self.unit_of_work() as uow:
            return await self.compose(uow, slot, campaign, now)
