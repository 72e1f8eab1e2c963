"""What the core needs from storage, declared here so `bot/` never imports a database library.

`storage/` implements these protocols; tests may run the core against them on SQLite or
PostgreSQL. Every method runs inside the unit of work's single transaction.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from types import TracebackType
from typing import Any, Protocol

from bot.answers import AnswerValue
from bot.events import Reply
from bot.forms import LocalText
from bot.i18n import DEFAULT_LOCALE
from bot.report import ReportStatus


class Role(StrEnum):
    REPORTER = "reporter"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"


@dataclass(frozen=True)
class ChatRecord:
    """A platform chat and, once linked by an invite, the person behind it. `state` is the
    conversation: the person's (the same in each of their chats) once linked, the chat's own
    before."""

    channel: str
    chat_id: str
    person_id: int | None
    state: Mapping[str, Any]
    user_id: str | None = None


@dataclass(frozen=True)
class Grant:
    person_id: int
    unit_id: int
    unit_code: str
    unit_name: str
    role: Role


class InviteProblem(StrEnum):
    UNKNOWN = "unknown"
    USED = "used"
    EXPIRED = "expired"
    REVOKED = "revoked"


@dataclass(frozen=True)
class Redemption:
    """The outcome of a code: the person the chat now belongs to and the grant the code gave
    (none for a link code, which joins the chat to a person linked elsewhere), or why it gave
    nothing."""

    person_id: int | None = None
    grant: Grant | None = None
    problem: InviteProblem | None = None
    joined_existing: bool = False


@dataclass(frozen=True)
class InviteLink:
    """How an invite code is opened on one channel: its name as people know it, and the link."""

    channel: str
    url: str


@dataclass(frozen=True)
class NewInvite:
    code: str
    unit_code: str
    unit_name: str
    role: Role
    expires_at: datetime


@dataclass(frozen=True)
class ReportRecord:
    """One unit's report in one campaign, with what the engine needs to know about it."""

    id: int
    unit_code: str
    unit_name: str
    campaign_code: str
    campaign_title: LocalText
    form_id: str
    status: ReportStatus
    report_due: date | None
    receipt_no: str | None = None
    submitted_at: datetime | None = None
    reopened: frozenset[str] = field(default=frozenset())
    needs_revision: frozenset[str] = field(default=frozenset())
    return_comment: str | None = None
    unit_id: int | None = None


@dataclass(frozen=True)
class Receipt:
    number: str
    at: datetime


class UpdateLog(Protocol):
    async def claim(self, channel: str, update_id: str, now: datetime) -> bool:
        """Records a platform update; False if it was seen before (a redelivery)."""
        ...


@dataclass(frozen=True)
class InboxItem:
    """A platform update as received: its id on the platform (opaque), the chat whose updates
    must be handled in order, and the update itself as JSON."""

    update_id: str
    chat_key: str
    payload: Mapping[str, Any]


class Inbox(Protocol):
    """Updates received but perhaps not yet handled, so a crash between the two loses nothing."""

    async def store(self, channel: str, items: Sequence[InboxItem], now: datetime) -> list[str]:
        """Keeps the updates; returns the ids not stored before (a refetch stores nothing twice)."""
        ...

    async def pending(self, channel: str) -> list[InboxItem]:
        """Stored updates not yet handled, in the order they arrived."""
        ...

    async def mark_processed(self, channel: str, update_id: str, outcome: str, now: datetime) -> None: ...

    async def prune(self, channel: str, older_than: datetime) -> int: ...


class Chats(Protocol):
    async def get(self, channel: str, chat_id: str) -> ChatRecord | None: ...

    async def save(self, record: ChatRecord, now: datetime) -> None:
        """Creates or updates the chat: its person link and its conversation state."""
        ...


class Invites(Protocol):
    async def create(
        self, unit_code: str, role: Role, expires_at: datetime, now: datetime, created_by: int | None = None
    ) -> NewInvite: ...

    async def redeem(self, code: str, display_name: str, person_id: int | None, now: datetime) -> Redemption:
        """Spends a one-time code: makes (or reuses) the person and grants the role on the unit;
        a link code joins the chat's person (if any) to the person it was made for."""
        ...

    async def link_code(self, person_id: int, expires_at: datetime, now: datetime) -> str:
        """A one-time code that links another chat to this person (/lienket)."""
        ...


@dataclass(frozen=True)
class Recipient:
    """A person to write to, and the chat to reach them in (their most recently active one)."""

    person_id: int
    full_name: str
    channel: str
    chat_id: str
    locale: str


class People(Protocol):
    async def grants(self, person_id: int) -> Sequence[Grant]: ...

    async def set_locale(self, person_id: int, locale: str) -> None: ...

    async def conversation(self, person_id: int) -> Mapping[str, Any] | None:
        """The person's conversation state, as the chats of the person share it."""
        ...

    async def recipients(
        self, role: Role, unit_ids: Collection[int], including_refusing: bool = False
    ) -> Mapping[int, Sequence[Recipient]]:
        """Per unit, the holders of `role` there, each with the chat to write to: their most
        recently active chat that has not refused the bot; with `including_refusing`, a person
        whose every chat refused is still given their latest one (a notice is then recorded as
        refused instead of being dropped unseen)."""
        ...


class Reports(Protocol):
    async def open_for(self, person_id: int, today: date, now: datetime) -> Sequence[ReportRecord]:
        """Reports of the units this person reports for, in campaigns that have opened;
        creates the draft rows on first use."""
        ...

    async def get(self, report_id: int) -> ReportRecord | None: ...

    async def answers(self, report_id: int) -> dict[str, AnswerValue]:
        """The current (newest) version of every answer."""
        ...

    async def save_answers(
        self, report_id: int, values: Mapping[str, AnswerValue], author_id: int | None, now: datetime
    ) -> None:
        """Adds a new version per answer; earlier versions stay."""
        ...

    async def submit(self, report_id: int, person_id: int | None, now: datetime) -> Receipt:
        """Locks the report (submitted, or resubmitted after a return) and issues a receipt."""
        ...


@dataclass(frozen=True)
class UnitRecord:
    id: int
    code: str
    name: str
    kind: str
    parent_id: int | None
    demo: bool = False


@dataclass(frozen=True)
class CampaignRecord:
    code: str
    title: LocalText
    opens: date
    report_due: date | None
    reminders: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ReportRow:
    """One enrolled unit's standing in a campaign; `report_id` is None until it is first opened."""

    unit_id: int
    form_id: str
    report_id: int | None
    status: ReportStatus | None
    answered: int
    last_activity: datetime | None
    submitted_at: datetime | None = None
    receipt_no: str | None = None


@dataclass(frozen=True)
class LinkedPerson:
    """An active grant, with the person's name and whether any chat is linked to them."""

    grant_id: int
    person_id: int
    full_name: str
    role: Role
    unit_id: int
    linked_chats: int
    last_seen: datetime | None
    channels: tuple[str, ...] = ()


@dataclass(frozen=True)
class AuditEntry:
    """Who did what, when; `details` holds the before/after or the comment."""

    at: datetime
    action: str
    actor_id: int | None = None
    actor_name: str | None = None
    unit_id: int | None = None
    report_id: int | None = None
    details: Mapping[str, Any] = field(default_factory=dict)


class Supervision(Protocol):
    """What supervisors read and do. Callers pass the unit ids of their scope; nothing here
    decides who may see what (the core does), but nothing returns rows outside the given ids."""

    async def units(self) -> Sequence[UnitRecord]: ...

    async def campaigns(self) -> Sequence[CampaignRecord]: ...

    async def report_rows(self, campaign_code: str, unit_ids: Collection[int]) -> Sequence[ReportRow]:
        """Every enrolment of these units in the campaign, with its report's state if any."""
        ...

    async def report_of(self, campaign_code: str, unit_id: int, now: datetime) -> ReportRecord | None:
        """The unit's report in the campaign (creating the draft row if enrolled but never opened)."""
        ...

    async def answers_to(
        self, campaign_code: str, question_id: str, unit_ids: Collection[int]
    ) -> Mapping[int, AnswerValue]:
        """The current answer to one question, per unit that has one."""
        ...

    async def people(self, unit_ids: Collection[int]) -> Sequence[LinkedPerson]: ...

    async def revoke(self, grant_id: int, now: datetime) -> LinkedPerson | None:
        """Ends a grant; the person's chats stay linked but lose that unit."""
        ...

    async def return_report(
        self, report_id: int, question_ids: Collection[str], comment: str, person_id: int, now: datetime
    ) -> None:
        """submitted/resubmitted → returned, reopening only these questions."""
        ...

    async def approve(self, report_id: int, person_id: int, now: datetime) -> None:
        """submitted/resubmitted → approved."""
        ...

    async def record(self, entry: AuditEntry) -> None: ...

    async def history(self, report_id: int) -> Sequence[AuditEntry]:
        """The report's audit entries and every answer change (before/after), oldest first."""
        ...


@dataclass(frozen=True)
class PendingUnit:
    """An enrolled unit whose report is not submitted (never opened, draft, or returned)."""

    unit_id: int
    form_id: str
    report_id: int | None
    status: ReportStatus | None
    answered: int
    answered_criteria: int
    reporters: tuple[Recipient, ...]


class MessageKind(StrEnum):
    """Why a message goes out through the outbox; the ledger counts each kind apart."""

    REMINDER = "reminder"
    OVERDUE = "overdue"
    MANUAL = "manual"  # a supervisor's /nhacnho
    DIGEST = "digest"  # a supervisor's list of units nobody could be reminded in
    NOTICE = "notice"  # an officer told that their report was returned or approved


REMINDER_KINDS = frozenset({MessageKind.REMINDER, MessageKind.OVERDUE, MessageKind.MANUAL})
"""The kinds that remind an officer of a deadline."""


@dataclass(frozen=True)
class OutboxMessage:
    """A message for someone other than the person in the conversation, sent after the commit by
    the channel of `channel`. `key` + `person_id` is unique: the same reminder never twice."""

    key: str
    person_id: int
    channel: str
    chat_id: str
    reply: Reply
    kind: MessageKind
    campaign_code: str | None = None
    unit_id: int | None = None
    person_name: str = ""  # for plans, logs and the console; not stored
    locale: str = DEFAULT_LOCALE  # what the text is written in


@dataclass(frozen=True)
class OutboxItem:
    """A claimed outbox row, ready to send."""

    id: int
    message: OutboxMessage
    attempts: int


class DeliveryState(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    BLOCKED = "blocked"
    NEVER_STARTED = "never_started"
    OUTSIDE_WINDOW = "outside_window"  # the platform lets the bot write only so long after the person did


Ledger = Mapping[MessageKind, Mapping[DeliveryState, int]]


class Outbox(Protocol):
    """Messages waiting to be sent, and the record of what became of each (the ledger)."""

    async def enqueue(self, messages: Sequence[OutboxMessage], now: datetime) -> int:
        """Adds the messages not already there (by key and person); returns how many were new."""
        ...

    async def claim(
        self, limit: int, now: datetime, channel: str, lease: timedelta = ..., chat_id: str | None = None
    ) -> Sequence[OutboxItem]:
        """Takes this channel's due pending rows (only one chat's, given `chat_id`) for sending;
        with PostgreSQL several senders never take the same row (SKIP LOCKED). Rows claimed
        longer than `lease` ago, by a sender that died, are taken back."""
        ...

    async def mark(
        self, item_id: int, state: DeliveryState, now: datetime, error: str | None = None, retry_at: datetime | None = None
    ) -> None:
        """Records an outcome; PENDING with `retry_at` schedules another try."""
        ...

    async def ledger(self, campaign_code: str, unit_ids: Collection[int]) -> Ledger:
        """How many messages about these units are in each state, per kind (every kind and state a key)."""
        ...


class Reminders(Protocol):
    """The reminder side of storage: who is pending, and which slots have fired."""

    async def pending_units(self, campaign_code: str, unit_ids: Collection[int] | None = None) -> Sequence[PendingUnit]:
        """Enrolled units not yet submitted, with their linked reporters (blocked chats left out)."""
        ...

    async def supervisors_of(self, unit_ids: Collection[int]) -> Mapping[int, Sequence[Recipient]]:
        """For each unit, the supervisors nearest above it (a unit's own district first)."""
        ...

    async def fired(self, slot_key: str) -> bool: ...

    async def record_fire(self, slot_key: str, outcome: str, now: datetime) -> bool:
        """Marks a slot as handled; False if another worker already did."""
        ...

    async def reminded_today(self, unit_ids: Collection[int], day_key: str) -> frozenset[int]:
        """Units already reminded by hand under this day's key."""
        ...


class UnitOfWork(Protocol):
    """One database transaction; repositories are valid only inside it."""

    updates: UpdateLog
    inbox: Inbox
    chats: Chats
    invites: Invites
    people: People
    reports: Reports
    supervision: Supervision
    reminders: Reminders
    outbox: Outbox

    async def __aenter__(self) -> UnitOfWork: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Commits when the block succeeded, rolls back when it raised."""
        ...
