"""One supervisor turn, as every feature shares it: who asks and what they may see, the reads,
the organisation as the process holds it, the result being collected (state, replies, effects),
and the lookups every feature needs (a unit in scope by name or code, the campaign meant, a
report, an audit entry, a notice); and the two kinds of button every feature may show (a unit;
a confirmation declined).

Features read through query ports only; what they change comes back as effects that the service
applies in its transaction.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from bot.base.buttons import Kind, Shape, button_kind, pack
from bot.base.commands import REPORT, CommandSpec
from bot.base.conversation import ConversationState, Supervising
from bot.base.deadline import deadline_of
from bot.base.effects import RecordAudit, Send, TurnResult
from bot.base.events import Attachment, Button, ButtonRole, Reply
from bot.base.forms import Form, LocalText
from bot.base.i18n import translations
from bot.base.outbox import MessageKind, OutboxMessage
from bot.base.ports import Queries
from bot.base.records import AuditEntry, CampaignRecord, ChatRecord, Enrolment, ReportRecord, Role, UnitRecord
from bot.base.text import fold
from bot.catalog.campaign_time import default_campaign
from bot.delivery.lifetimes import NOTICE_LIFETIME
from bot.feature.settings import FeatureSettings
from bot.organisation.access import Access
from bot.organisation.snapshot import Organisation
from bot.reporting.prompts import Prompts

__all__ = ["DISMISS", "UNIT_BUTTON", "Desk"]

log = logging.getLogger(__name__)

ACTION = ButtonRole.ACTION
CHOICES_SHOWN = 8
LISTED = 20
YEARS = re.compile(r"\d{4}(?:-\d{4})?$")
TIER_WORDS = ("tinh ", "thanh pho ", "thi xa ", "huyen ", "quan ", "xa ", "phuong ", "thi tran ")

UNIT_BUTTON = button_kind("un", Shape.NUMBER_IN_CAMPAIGN)
"""A unit in scope (its report in the campaign), among several a name matched."""
DISMISS = button_kind("dx")
"""A confirmation declined."""


class Desk:
    """A supervisor turn: built for one update (routing.supervise), inside its transaction."""

    def __init__(
        self,
        reads: Queries,
        access: Access,
        organisation: Organisation,
        state: ConversationState,
        now: datetime,
        p: Prompts,
        settings: FeatureSettings,
        chat: ChatRecord,
    ) -> None:
        self.reads = reads
        self.chat = chat  # where the supervisor asks from: a file they ask for is sent there
        self.access = access
        self.tree = organisation.tree
        self.campaigns: Sequence[CampaignRecord] = organisation.campaigns
        self.now = now
        self.p = p
        self._ = p._
        self.settings = settings
        self.out = TurnResult(state=state, locale=state.locale)
        self._chosen: str | None = None
        """Which campaign the turn took when none was named; said at the foot of its first reply."""

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

    def say(self, text: str, buttons: tuple[tuple[Button, ...], ...] = (), attachment: Attachment | None = None) -> None:
        if self._chosen:
            text, self._chosen = f"{text}\n\n{self._chosen}", None
        self.out.reply(text, buttons, attachment)

    def stale(self) -> None:
        self.say(self._("That button belongs to an earlier message and no longer works."))

    def audit(self, action: str, target: UnitRecord, report_id: int | None, **details: Any) -> None:
        log.info("person %s %s unit %s (report %s)", self.access.person_id, action, target.code, report_id)
        entry = AuditEntry(self.now, action, self.access.person_id, unit_id=target.id, report_id=report_id, details=details)
        self.out.effects.append(RecordAudit(entry))

    async def tell_reporters(
        self,
        unit: UnitRecord,
        campaign_code: str,
        campaign_title: LocalText,
        key: str,
        text: Callable[[Callable[[str], str], str], str],
        open_button: bool = False,
    ) -> int:
        """Queues a notice about the campaign, in each reader's language
        (`text` gets their gettext and the campaign's title in it), to each of the unit's
        officers, in the chat they used last; `key` names the notice (unique with the moment);
        returns how many officers will be told."""
        recipients = await self.reads.people.recipients(Role.REPORTER, [unit.id], including_refusing=True)
        people = recipients.get(unit.id, ())
        for person in people:
            gettext = translations(person.locale).gettext
            buttons = ((Button(gettext("Revise now"), pack(Kind.OPEN), ACTION, REPORT.name),),) if open_button else ()
            self.out.effects.append(Send(OutboxMessage(
                key=f"notice/{key}/{self.now.isoformat()}",
                person_id=person.person_id,
                channel=person.channel,
                chat_id=person.chat_id,
                reply=Reply(text(gettext, campaign_title.get(person.locale)), buttons, 0 if buttons else None),
                kind=MessageKind.NOTICE,
                campaign_code=campaign_code,
                unit_id=unit.id,
                person_name=person.full_name,
                locale=person.locale,
                expires_at=self.now + NOTICE_LIFETIME,
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
        return self._("No unit matching “{query}” in your area.").format(query=query)

    def resolve(self, query: str, command: CommandSpec, campaign: CampaignRecord | None = None) -> UnitRecord | None:
        """One unit in scope for `query`; otherwise says what went wrong and returns None. The
        buttons offered for several matches keep the campaign in view."""
        _ = self._
        chosen, self._chosen = self._chosen, None  # named with the answer about the unit, not with a question back
        if not query:
            self.say(_("Name the unit, for example /{command} Nghi Hải or /{command} CAP-CL-NGHIHAI.").format(command=command.name))
            return None
        matches = self.tree.search(query, self.access.unit_ids)
        if not matches:
            self.say(self.not_found(query))
            return None
        if len(matches) > 1:
            lines = [_("Several units match “{query}”; choose one or type its code:").format(query=query)]
            lines += [f"• {u.name} ({u.code})" for u in matches[:LISTED]]
            if len(matches) > LISTED:
                lines.append(_("and {n} more units").format(n=len(matches) - LISTED))
            code = campaign.code if campaign else ""
            self.say("\n".join(lines), tuple((Button(u.name, pack(UNIT_BUTTON, u.id, code)),) for u in matches[:CHOICES_SHOWN]))
            return None
        self._chosen = chosen
        return matches[0]

    async def campaign(self, wanted: str = "") -> CampaignRecord | None:
        """The campaign named (by its code, the years it ends with, or words of its title), else
        the default one (bot/catalog/campaign_time.py), which the turn's reply then names."""
        campaigns = self.campaigns
        chosen = default_campaign(campaigns, self.today())
        if chosen is None:
            self.say(self._("There is no campaign yet."))
            return None
        if not wanted:
            self._chosen = self.p.campaign_chosen(chosen, self.today())
            return chosen
        folded = fold(wanted)
        found = [c for c in campaigns if names(wanted, c)] or [c for c in campaigns if folded in fold(self.title(c))]
        if not found:
            self.say(self._("There is no campaign “{name}”. Campaigns: {codes}.").format(
                name=wanted, codes=", ".join(c.code for c in campaigns)
            ))
            return None
        return found[-1]

    async def campaign_after(self, args: str) -> tuple[str, CampaignRecord] | None:
        """Splits "Nghi Hải 2023" into what precedes and the campaign its last word names (its code
        or years); without such a word, everything precedes and the default campaign is meant."""
        words = args.split()
        named = [c for c in self.campaigns if words and names(words[-1], c)]
        if named:
            return " ".join(words[:-1]), named[-1]
        campaign = await self.campaign()
        return (args, campaign) if campaign else None

    def title(self, campaign: CampaignRecord) -> str:
        return campaign.title.get(self.locale)

    def forms(self, form_id: str) -> Form:
        return self.settings.forms[form_id]

    def questions(self) -> dict[str, int]:
        """Each form's number of questions: what storage measures a report's progress against."""
        return {form_id: len(form) for form_id, form in self.settings.forms.items()}

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

    async def report_of(self, unit: UnitRecord, campaign: CampaignRecord) -> tuple[Enrolment, ReportRecord | None] | None:
        """The unit's enrolment in the campaign and its report (None if never opened); says so
        and returns None when the unit is not enrolled."""
        enrolments = await self.reads.reports.enrolments(campaign.code, [unit.id])
        if not enrolments:
            self.say(self._("{unit} is not enrolled in {campaign}.").format(unit=unit.name, campaign=self.title(campaign)))
            return None
        return enrolments[0], await self.reads.reports.of_unit(campaign.code, unit.id)


def names(word: str, campaign: CampaignRecord) -> bool:
    """Whether a word names the campaign: its code ("so-ket-2023") or the years its code ends
    with ("2023", "2023-2024", "2023–2024")."""
    folded = fold(word).replace("–", "-").replace("—", "-")
    years = YEARS.search(campaign.code)
    return folded == campaign.code or (years is not None and folded == years.group())

