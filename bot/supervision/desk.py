"""One supervisor turn, as every feature shares it: who asks and what they may see, the reads,
the result being collected (state, replies, effects), and the lookups every feature needs (a
unit in scope by name or code, the campaign meant, a report, an audit entry, a notice).

Features read through query ports only; what they change comes back as effects that the service
applies in its transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from bot.access import Access
from bot.buttons import Kind, pack
from bot.commands import REPORT, CommandSpec
from bot.conversation import ConversationState, Supervising
from bot.effects import RecordAudit, Send, TurnResult
from bot.events import Button, ButtonRole, Reply
from bot.forms import Form, LocalText
from bot.i18n import translations
from bot.ports import Queries
from bot.prompts import Prompts
from bot.records import (
    AuditEntry,
    CampaignRecord,
    InviteLink,
    MessageKind,
    OutboxMessage,
    ReportRecord,
    Role,
    UnitRecord,
)
from bot.reminders import deadline_of
from bot.text import fold
from bot.units import UnitTree

__all__ = ["Desk", "DeskSettings"]

log = logging.getLogger(__name__)

ACTION = ButtonRole.ACTION
CHOICES_SHOWN = 8
LISTED = 20
TIER_WORDS = ("tinh ", "thanh pho ", "thi xa ", "huyen ", "quan ", "xa ", "phuong ", "thi tran ")


@dataclass(frozen=True)
class DeskSettings:
    """What the composition root gives every supervisor turn."""

    forms: Mapping[str, Form]
    kind_label: Callable[[str], LocalText]
    invite_links: Callable[[str], Sequence[InviteLink]]
    channel_label: Callable[[str], str]
    invite_days: int
    new_code: Callable[[], str]


class Desk:
    """A supervisor turn: built by the service for one update, inside its transaction."""

    def __init__(
        self, reads: Queries, access: Access, tree: UnitTree, state: ConversationState, now: datetime, p: Prompts, settings: DeskSettings
    ) -> None:
        self.reads = reads
        self.access = access
        self.tree = tree
        self.now = now
        self.p = p
        self._ = p._
        self.settings = settings
        self.out = TurnResult(state=state, locale=state.locale)

    # ----- the result ---------------------------------------------------------------------------

    @property
    def state(self) -> ConversationState:
        return self.out.state

    @property
    def locale(self) -> str:
        return self.state.locale

    @property
    def slice(self) -> Supervising:
        """The supervisor's own part of the state (an officer's answering is left alone)."""
        return self.state.supervising

    def set_slice(self, **changes: Any) -> None:
        self.out.state = replace(self.state, supervising=replace(self.slice, **changes))

    def say(self, text: str, buttons: tuple[tuple[Button, ...], ...] = ()) -> None:
        if buttons:
            self.out.state = replace(self.state, step=self.state.step + 1)
        self.out.say(Reply(text, buttons, self.state.step if buttons else None))

    def stale(self) -> None:
        self.say(self._("That button belongs to an earlier message and no longer works."))

    def audit(self, action: str, target: UnitRecord, report_id: int | None, **details: Any) -> None:
        log.info("person %s %s unit %s (report %s)", self.access.person_id, action, target.code, report_id)
        entry = AuditEntry(self.now, action, self.access.person_id, unit_id=target.id, report_id=report_id, details=details)
        self.out.effects.append(RecordAudit(entry))

    async def tell_reporters(
        self, unit: UnitRecord, report: ReportRecord, action: str, text: Callable[[Callable[[str], str]], str], open_button: bool = False
    ) -> int:
        """Queues a notice, in each reader's language, to each of the unit's officers, in the chat
        they used last; returns how many officers will be told."""
        recipients = await self.reads.people.recipients(Role.REPORTER, [unit.id], including_refusing=True)
        people = recipients.get(unit.id, ())
        for person in people:
            gettext = translations(person.locale).gettext
            buttons = ((Button(gettext("Revise now"), pack(Kind.OPEN), ACTION, REPORT.name),),) if open_button else ()
            self.out.effects.append(Send(OutboxMessage(
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
            )))
        return len(people)

    def notified(self, officers: int) -> str:
        if not officers:
            return self._("No officer of this unit is linked to the bot, so nobody is notified.")
        return self.p.ngettext("The officer will be notified.", "The {n} officers will be notified.", officers).format(n=officers)

    # ----- scope and lookups ----------------------------------------------------------------------

    def visible(self, unit_id: int) -> UnitRecord | None:
        return self.tree.get(unit_id) if self.access.sees(unit_id) else None

    def not_found(self, query: str) -> str:
        return self._("No unit matching «{query}» in your area.").format(query=query)

    def resolve(self, query: str, command: CommandSpec) -> UnitRecord | None:
        """One unit in scope for `query`; otherwise says what went wrong and returns None."""
        _ = self._
        if not query:
            self.say(_("Name the unit, for example /{command} Nghi Hải or /{command} CAP-CL-NGHIHAI.").format(command=command.name))
            return None
        matches = self.tree.search(query, self.access.unit_ids)
        if not matches:
            self.say(self.not_found(query))
            return None
        if len(matches) > 1:
            lines = [_("Several units match «{query}»; choose one or type its code:").format(query=query)]
            lines += [f"• {u.name} ({u.code})" for u in matches[:LISTED]]
            if len(matches) > LISTED:
                lines.append(_("and {n} more units").format(n=len(matches) - LISTED))
            self.say("\n".join(lines), tuple((Button(u.name, pack(Kind.UNIT, u.id)),) for u in matches[:CHOICES_SHOWN]))
            return None
        return matches[0]

    async def campaign(self, wanted: str = "") -> CampaignRecord | None:
        """The campaign named, else the open one with the nearest deadline, else the latest."""
        campaigns = list(await self.reads.units.campaigns())
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

    def forms(self, form_id: str) -> Form:
        return self.settings.forms[form_id]

    def today(self) -> date:
        return self.now.astimezone(self.p.zone).date()

    def overdue(self, campaign: CampaignRecord) -> bool:
        return campaign.report_due is not None and self.now > deadline_of(campaign.report_due, self.p.zone)

    def place(self, unit: UnitRecord) -> str:
        """A unit's name as it reads mid-sentence ("tại thị xã Cửa Lò"): an administrative tier
        word is lower-cased, a proper name ("Sở Tài chính") is not."""
        if fold(unit.name).startswith(TIER_WORDS):
            return unit.name[:1].lower() + unit.name[1:]
        return unit.name

    async def report_of(self, unit: UnitRecord) -> tuple[CampaignRecord, ReportRecord | None] | None:
        """The campaign and the unit's report in it (None if never opened); says so and returns
        None when the unit is not enrolled."""
        campaign = await self.campaign()
        if campaign is None:
            return None
        if not await self.reads.reports.enrolments(campaign.code, [unit.id]):
            self.say(self._("{unit} is not enrolled in {campaign}.").format(unit=unit.name, campaign=campaign.title.get(self.locale)))
            return None
        return campaign, await self.reads.reports.of_unit(campaign.code, unit.id)
