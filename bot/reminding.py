"""Who gets which reminder, in what words. The database says who is still pending; this turns
that into outbox messages, each in its reader's language. Firing a slot twice (a restart,
a second worker) enqueues nothing new: the outbox is unique per reminder and person.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.commands import REPORT
from bot.events import Button, ButtonRole, Reply, open_report_value
from bot.forms import Form
from bot.ports import CampaignRecord, MessageKind, OutboxMessage, PendingUnit, Recipient, UnitOfWork
from bot.prompts import Prompts
from bot.reminders import ReminderSlot, SlotKind, plan_from_json, plan_slots, still_worth_sending
from bot.report import ReportStatus

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Composer:
    """Writes reminders for one campaign at one moment."""

    campaign: CampaignRecord
    unit_names: Mapping[int, str]
    forms: Callable[[str], Form]
    zone: ZoneInfo
    now: datetime

    def prompts(self, locale: str) -> Prompts:
        return Prompts(locale, self.zone)

    def to_reporter(self, key: str, kind: MessageKind, unit: PendingUnit, person: Recipient, overdue: bool) -> OutboxMessage:
        p = self.prompts(person.locale)
        _ = p._
        name = self.unit_names[unit.unit_id]
        title = self.campaign.title.get(person.locale)
        due = self.campaign.report_due
        assert due is not None
        if overdue:
            lines = [_("⚠️ The report of {unit} for «{campaign}» was due on {day} and has not been submitted yet.").format(
                unit=name, campaign=title, day=p.day(due)
            )]
        else:
            lines = [_("⏰ Reminder: the report of {unit} for «{campaign}» is due. {deadline}").format(
                unit=name, campaign=title, deadline=p.deadline_text(due, self.now.astimezone(self.zone).date())
            )]
        lines.append(self.left_to_answer(p, unit))
        if unit.status is ReportStatus.RETURNED:
            lines.append(_("It was returned for revision; see what to fix with /baocao."))
        lines.append(_("Type /baocao to continue where you stopped."))
        resume = Button(_("Continue the report"), open_report_value(unit.report_id), ButtonRole.ACTION, REPORT)
        reply = Reply("\n".join(lines), ((resume,),), step=0)
        return OutboxMessage(
            key=key, person_id=person.person_id, channel=person.channel, chat_id=person.chat_id, reply=reply,
            kind=kind, campaign_code=self.campaign.code, unit_id=unit.unit_id, person_name=person.full_name,
            locale=person.locale,
        )

    def left_to_answer(self, p: Prompts, unit: PendingUnit) -> str:
        form = self.forms(unit.form_id)
        questions_left = max(0, len(form) - unit.answered)
        criteria = form.criteria_count
        if criteria:
            return p._("Still to answer: {questions}/{total} questions, of which {criteria_left}/{criteria} criteria.").format(
                questions=questions_left, total=len(form),
                criteria_left=max(0, criteria - unit.answered_criteria), criteria=criteria,
            )
        return p._("Still to answer: {questions}/{total} questions.").format(questions=questions_left, total=len(form))

    def to_supervisor(self, key: str, person: Recipient, units: Sequence[PendingUnit], overdue: bool) -> OutboxMessage:
        p = self.prompts(person.locale)
        _ = p._
        title = self.campaign.title.get(person.locale)
        due = self.campaign.report_due
        assert due is not None
        if overdue:
            head = _("📋 «{campaign}» was due on {day}. These units have not submitted:").format(campaign=title, day=p.day(due))
        else:
            head = _("📋 «{campaign}»: {deadline}. These units have nobody linked to the bot, so no reminder reached them:").format(
                campaign=title, deadline=p.deadline_text(due, self.now.astimezone(self.zone).date())
            )
        lines = [head]
        for unit in sorted(units, key=lambda u: self.unit_names[u.unit_id]):
            total = len(self.forms(unit.form_id))
            extra = "" if unit.reporters else " · " + _("no officer linked")
            lines.append(f"• {self.unit_names[unit.unit_id]} — {unit.answered}/{total}{extra}")
        lines.append(_("Invite an officer with /moi UNIT; see every unit not yet submitted with /chuanop."))
        return OutboxMessage(
            key=key, person_id=person.person_id, channel=person.channel, chat_id=person.chat_id,
            reply=Reply("\n".join(lines)), kind=MessageKind.DIGEST, campaign_code=self.campaign.code,
            person_name=person.full_name, locale=person.locale,
        )


async def compose_slot(uow: UnitOfWork, composer: Composer, slot_key: str, overdue: bool, unit_ids: Collection[int] | None = None) -> list[OutboxMessage]:
    """The reporters of every pending unit, and a digest to the supervisors of the units that
    nobody can be reminded in (all pending units, when overdue)."""
    units = await uow.reminders.pending_units(composer.campaign.code, unit_ids)
    kind = MessageKind.OVERDUE if overdue else MessageKind.REMINDER
    messages = [
        composer.to_reporter(f"{slot_key}/{unit.unit_id}", kind, unit, person, overdue)
        for unit in units
        for person in unit.reporters
    ]
    listed = [unit for unit in units if overdue or not unit.reporters]
    by_supervisor: dict[int, tuple[Recipient, list[PendingUnit]]] = {}
    supervisors = await uow.reminders.supervisors_of([unit.unit_id for unit in listed])
    for unit in listed:
        for person in supervisors.get(unit.unit_id, ()):
            by_supervisor.setdefault(person.person_id, (person, []))[1].append(unit)
    messages += [
        composer.to_supervisor(f"{slot_key}/digest", person, pending, overdue)
        for person, pending in by_supervisor.values()
    ]
    return messages


class ReminderService:
    """Turns the campaigns in the database into slots, and fires a slot into the outbox."""

    def __init__(self, unit_of_work: Callable[[], UnitOfWork], forms: Callable[[str], Form], zone: ZoneInfo) -> None:
        self.unit_of_work = unit_of_work
        self.forms = forms
        self.zone = zone

    async def slots(self) -> list[tuple[CampaignRecord, ReminderSlot]]:
        async with self.unit_of_work() as uow:
            campaigns = await uow.supervision.campaigns()
        return [
            (campaign, slot)
            for campaign in campaigns
            if campaign.report_due is not None
            for slot in plan_slots(campaign.code, campaign.report_due, plan_from_json(campaign.reminders), self.zone)
        ]

    async def was_fired(self, slot_key: str) -> bool:
        async with self.unit_of_work() as uow:
            return await uow.reminders.fired(slot_key)

    async def skip(self, slot_key: str, now: datetime, outcome: str) -> None:
        """Records a slot that will not be sent (superseded by a newer one after downtime)."""
        async with self.unit_of_work() as uow:
            if await uow.reminders.record_fire(slot_key, outcome, now):
                log.info("reminder %s not sent: %s", slot_key, outcome)

    async def fire(self, slot_key: str, now: datetime) -> int:
        """Enqueues a slot's reminders once; returns how many messages were new."""
        found = {slot.key: (campaign, slot) for campaign, slot in await self.slots()}.get(slot_key)
        if found is None:
            log.warning("no reminder slot %s any more; nothing sent", slot_key)
            return 0
        campaign, slot = found
        async with self.unit_of_work() as uow:
            if await uow.reminders.fired(slot_key):
                return 0
            if not still_worth_sending(slot, now):
                await uow.reminders.record_fire(slot_key, "dropped", now)
                log.info("dropped reminder %s: due at %s, its deadline %s has passed", slot_key, slot.fire_at, slot.deadline)
                return 0
            composer = await self.composer(uow, campaign, now)
            messages = await compose_slot(uow, composer, slot_key, slot.kind is SlotKind.OVERDUE)
            if not await uow.reminders.record_fire(slot_key, "enqueued", now):
                return 0
            new = await uow.outbox.enqueue(messages, now)
        log.info("reminder %s: %d messages queued", slot_key, new)
        return new

    async def composer(self, uow: UnitOfWork, campaign: CampaignRecord, now: datetime) -> Composer:
        names = {unit.id: unit.name for unit in await uow.supervision.units()}
        return Composer(campaign, names, self.forms, self.zone, now)

    async def preview(self, slot: ReminderSlot, campaign: CampaignRecord, now: datetime) -> list[OutboxMessage]:
        """What firing the slot now would queue; nothing is written."""
        async with self.unit_of_work() as uow:
            composer = await self.composer(uow, campaign, now)
            return await compose_slot(uow, composer, slot.key, slot.kind is SlotKind.OVERDUE)

