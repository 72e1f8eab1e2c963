"""What the core needs from storage, one protocol per thing stored, so `bot/` never imports a
database library. `storage/` implements them; every method runs inside the unit of work's single
transaction. The records they take and give are in bot/base/records.py; the inbox's and the
outbox's protocols stand beside their records (bot/base/inbox.py, bot/base/outbox.py), and the
unit of work here gathers them all.

The features only read (the protocols' query methods, `Queries`); every change they decide comes
back as an effect (bot/base/effects.py) that the service applies through the write methods.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import date, datetime
from types import TracebackType
from typing import Any, Protocol

from bot.base.answers import AnswerValue
from bot.base.counts import StandingQueries
from bot.base.exports import ExportQueue, ExportQueueQueries
from bot.base.forms import CriterionStatus
from bot.base.inbox import Inbox, UpdateLog
from bot.base.outbox import Outbox, OutboxQueries
from bot.base.records import (
    AuditEntry,
    CampaignRecord,
    ChatRecord,
    ChatRoute,
    CodeCheck,
    Contact,
    Enrolment,
    Grant,
    LinkedPerson,
    NewInvite,
    PendingInvite,
    PreviousAnswers,
    Recipient,
    Redemption,
    ReportRecord,
    ReportWithAnswers,
    Role,
    UnitRecord,
)
from bot.base.report_status import Transition

__all__ = [
    "AnswerReads",
    "Audit",
    "AuditQueries",
    "Chats",
    "CodeSpent",
    "InviteQueries",
    "Invites",
    "People",
    "PeopleQueries",
    "Queries",
    "ReminderRuns",
    "ReportMoved",
    "ReportQueries",
    "Reports",
    "UnitOfWork",
    "Units",
    "UsageQueries",
    "WrongCodeQueries",
    "WrongCodes",
]


class Chats(Protocol):
    async def get(self, channel: str, chat_id: str) -> ChatRecord | None:
        """The chat and its conversation (the person's, once linked), locked until commit."""
        ...

    async def save(self, record: ChatRecord, now: datetime) -> None:
        """Creates or updates the chat (its person, and the conversation where it belongs); a
        chat marked as refusing the bot is unmarked, since its person just wrote."""
        ...


class InviteQueries(Protocol):
    async def check(self, code: str, now: datetime) -> CodeCheck:
        """What the code would do if spent now; its row stays locked until commit, so that what
        the turn read of it still holds when the turn spends it."""
        ...

    async def pending(self, unit_ids: Collection[int], now: datetime) -> Sequence[PendingInvite]:
        """Invites to these units not yet used and not expired at `now`, soonest to expire first
        (link codes, which name a person, not a unit, are not among them)."""
        ...


class Invites(InviteQueries, Protocol):
    async def create(
        self,
        unit_code: str,
        role: Role,
        expires_at: datetime,
        now: datetime,
        created_by: int | None = None,
        code: str | None = None,
        full_name: str = "",
        phone: str = "",
    ) -> NewInvite:
        """A one-time code for a role on a unit (`code`, or a new one), for a named person if
        given (who then joins under that name); LookupError for an unknown unit."""
        ...

    async def withdraw(self, codes: Collection[str], now: datetime) -> int:
        """Revokes these codes where still unused (a re-issued sheet makes the old one void);
        returns how many were withdrawn."""
        ...

    async def redeem(self, code: str, display_name: str, person_id: int | None, now: datetime) -> Redemption:
        """Spends a one-time code: makes (or reuses) the person and grants the role on the unit;
        a link code joins the chat's person (if any) to the person it was made for, their chats
        and roles moving over."""
        ...

    async def link_code(self, person_id: int, expires_at: datetime, now: datetime, code: str | None = None) -> str:
        """A one-time code (`code`, or a new one) that links another chat to this person (/lienket)."""
        ...


class CodeSpent(Exception):
    """A code was no longer what the turn had read of it when the turn spent it: the turn is
    rolled back."""


class PeopleQueries(Protocol):
    async def grants(self, person_id: int) -> Sequence[Grant]:
        """The person's roles in force, by unit code."""
        ...

    async def conversation(self, person_id: int) -> Mapping[str, Any] | None:
        """The person's conversation state, as the chats of the person share it."""
        ...

    async def recipients(
        self, role: Role, unit_ids: Collection[int], including_refusing: bool = False
    ) -> Mapping[int, Sequence[Recipient]]:
        """Per unit, the holders of `role` there (by name), each with the chat to write to: their
        most recently active chat that has not refused the bot; with `including_refusing`, a
        person whose every chat refused is still given their latest one (a notice is then
        recorded as refused instead of being dropped unseen). Holders without any usable chat
        are left out; a unit where someone holds the role is a key even then."""
        ...

    async def linked(self, unit_ids: Collection[int]) -> Sequence[LinkedPerson]:
        """Grants in force on these units, by unit code, role and name."""
        ...

    async def chats_of(self, person_id: int) -> Sequence[ChatRoute]:
        """The person's chats, those that have not refused the bot first, latest first."""
        ...

    async def contact_of(self, person_id: int) -> Contact:
        """The person's name, and a mobile number they shared or were imported with."""
        ...


class People(PeopleQueries, Protocol):
    async def set_locale(self, person_id: int, locale: str) -> None: ...

    async def revoke(self, grant_id: int, now: datetime) -> LinkedPerson | None:
        """Ends a grant in force and returns it as it stood; None if there is none. The person's
        chats stay linked but lose that unit."""
        ...


class Units(Protocol):
    """The organisation and the campaigns it runs."""

    async def units(self) -> Sequence[UnitRecord]:
        """Every unit, a parent before its children, siblings by code."""
        ...

    async def campaigns(self) -> Sequence[CampaignRecord]:
        """Every campaign, by opening date and code."""
        ...

    async def version(self) -> int:
        """A number that moves whenever a unit or a campaign is written: one row, read cheaply."""
        ...


class ReportMoved(Exception):
    """A report was no longer where the core saw it when its move was applied (another turn
    moved it first): the turn is rolled back."""


class AnswerReads(Protocol):
    """The current answers of many reports at once, as a document of a whole scope reads them:
    what it shows only as counts counted by the database, the rest a question or a batch of
    reports at a time, so a province's thousands of reports are never held at once."""

    async def answers_of(self, report_ids: Collection[int], criteria: bool | None = None) -> Mapping[int, Mapping[str, AnswerValue]]:
        """The current answers of each of these reports: to the criteria only (True), to every
        other question (False) or all (None); each report's in a row of its own, whatever the
        number of its answers."""
        ...

    async def criteria_by_report(self, report_ids: Collection[int], criteria: Collection[str]) -> Mapping[int, Mapping[CriterionStatus, int]]:
        """Per report, how many of these criteria its current answers give each status, counted
        by the database (a skipped criterion has none)."""
        ...

    async def criteria_by_question(
        self, report_ids: Collection[int], criteria: Collection[str]
    ) -> Mapping[str, Mapping[tuple[CriterionStatus, bool], int]]:
        """Per criterion, how many of these reports give it each status, with whether it said
        the unit meets the conditions, counted by the database."""
        ...

    async def answer_counts(self, report_ids: Collection[int], question_ids: Collection[str]) -> Sequence[tuple[str, AnswerValue, int]]:
        """(question, answer, how many of these reports give it) for each distinct current
        answer to these questions, in the order of the first unit, by code, to give it."""
        ...

    async def answers_to_question(self, report_ids: Collection[int], question_id: str) -> Mapping[int, AnswerValue]:
        """The current answer to one question, per report of these that has one."""
        ...


class ReportQueries(AnswerReads, Protocol):
    async def get(self, report_id: int) -> ReportRecord | None: ...

    async def open_for(self, person_id: int, today: date, now: datetime) -> Sequence[ReportRecord]:
        """Reports of the units this person reports for, in campaigns that have opened, open ones
        first, then by deadline; creates the draft rows on first use (the rows a report
        is kept in, not a change anyone decided)."""
        ...

    async def current_for(self, person_id: int, report_id: int, today: date) -> ReportWithAnswers | None:
        """The report and its current answers, if the person still files it in a campaign open
        today; the report stays locked until commit, so the answers saved next need no lock of
        their own."""
        ...

    async def of_unit(self, campaign_code: str, unit_id: int) -> ReportRecord | None:
        """The unit's report in the campaign; None if it was never opened (or the unit is not
        enrolled: `enrolments` tells which)."""
        ...

    async def answers(self, report_id: int) -> dict[str, AnswerValue]:
        """The current (newest) version of every answer."""
        ...

    async def answers_to(self, campaign_code: str, question_id: str, unit_ids: Collection[int]) -> Mapping[int, AnswerValue]:
        """The current answer to one question, per unit of these that has one."""
        ...

    async def enrolments(self, campaign_code: str, unit_ids: Collection[int] | None = None) -> Sequence[Enrolment]:
        """Every enrolment of these units (all, given None) in the campaign, by unit code, with
        its report's state and counts; a fixed number of queries however many units."""
        ...

    async def extensions(self) -> Sequence[tuple[str, date]]:
        """Every (campaign code, date) to which some unit's deadline was extended, once each."""
        ...

    async def previous_answers(self, report_id: int) -> PreviousAnswers | None:
        """The answers of the same unit's latest report on the same form in an earlier-opening
        campaign, if it was ever submitted; None when there is none."""
        ...


class Reports(ReportQueries, Protocol):
    async def save_answers(
        self, report_id: int, values: Mapping[str, AnswerValue], author_id: int | None, now: datetime
    ) -> None:
        """Adds a new version per answer; earlier versions stay."""
        ...

    async def move(self, report_id: int, transition: Transition, now: datetime) -> None:
        """Records the move the core decided; ReportMoved if the report is not at `before`."""
        ...

    async def extend(self, campaign_code: str, unit_id: int, due: date | None) -> None:
        """Sets the unit's own deadline in the campaign (None: back to the campaign's)."""
        ...


class AuditQueries(Protocol):
    async def history(self, report_id: int) -> Sequence[AuditEntry]:
        """The report's audit entries and every answer change (before/after), oldest first."""
        ...


class Audit(AuditQueries, Protocol):
    async def record(self, entry: AuditEntry) -> None: ...


class UsageQueries(Protocol):
    """The messages each channel sent in a month, as the workers last flushed their counts, and
    the people each channel serves (what a platform's plan limits)."""

    async def sent(self, month: str) -> Mapping[str, int]:
        """Per channel, the messages counted in `month` ("2023-11")."""
        ...

    async def linked_users(self) -> Mapping[str, int]:
        """Per channel, the chats linked to a person."""
        ...


class WrongCodeQueries(Protocol):
    """Wrong invite and link codes typed, from every chat of every channel: what slows guessing
    down across chats and workers (bot/linking/guessing.py), where a chat's own state cannot."""

    async def nth_latest(self, n: int, since: datetime, channel: str | None = None) -> datetime | None:
        """When the n-th most recent wrong code after `since` was typed (on `channel`, or on
        any); None when fewer were."""
        ...


class WrongCodes(WrongCodeQueries, Protocol):
    async def record(self, channel: str, chat_id: str, at: datetime) -> None:
        """One wrong code more."""
        ...


class ReminderRuns(Protocol):
    """The reminder slots already handled, so each fires once across restarts and workers."""

    async def fired(self, slot_key: str) -> bool: ...

    async def record(self, slot_key: str, outcome: str, now: datetime) -> bool:
        """Marks a slot as handled; False if another worker already did."""
        ...


class Queries(Protocol):
    """What a feature may read: queries only; its changes come back as effects."""

    @property
    def units(self) -> Units: ...
    @property
    def reports(self) -> ReportQueries: ...
    @property
    def standing(self) -> StandingQueries: ...
    @property
    def people(self) -> PeopleQueries: ...
    @property
    def invites(self) -> InviteQueries: ...
    @property
    def audit(self) -> AuditQueries: ...
    @property
    def outbox(self) -> OutboxQueries: ...
    @property
    def usage(self) -> UsageQueries: ...
    @property
    def wrong_codes(self) -> WrongCodeQueries: ...
    @property
    def exports(self) -> ExportQueueQueries: ...


class UnitOfWork(Protocol):
    """One database transaction; repositories are valid only inside it."""

    @property
    def updates(self) -> UpdateLog: ...
    @property
    def inbox(self) -> Inbox: ...
    @property
    def chats(self) -> Chats: ...
    @property
    def invites(self) -> Invites: ...
    @property
    def people(self) -> People: ...
    @property
    def units(self) -> Units: ...
    @property
    def reports(self) -> Reports: ...
    @property
    def standing(self) -> StandingQueries: ...
    @property
    def audit(self) -> Audit: ...
    @property
    def outbox(self) -> Outbox: ...
    @property
    def reminder_runs(self) -> ReminderRuns: ...
    @property
    def usage(self) -> UsageQueries: ...
    @property
    def wrong_codes(self) -> WrongCodes: ...
    @property
    def exports(self) -> ExportQueue: ...


    async def __aenter__(self) -> UnitOfWork: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Commits when the block succeeded, rolls back when it raised."""
        ...
