"""What the core needs from storage, declared here so `bot/` never imports a database library.

`storage/` implements these protocols; tests may run the core against them on SQLite or
PostgreSQL. Every method runs inside the unit of work's single transaction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from types import TracebackType
from typing import Any, Protocol

from bot.answers import AnswerValue
from bot.forms import LocalText
from bot.report import ReportStatus


class Role(StrEnum):
    REPORTER = "reporter"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"


@dataclass(frozen=True)
class ChatRecord:
    """A platform chat and, once linked by an invite, the person behind it."""

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
    """The outcome of a /start CODE: the grant it gave, or why it gave none."""

    grant: Grant | None = None
    problem: InviteProblem | None = None


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


@dataclass(frozen=True)
class Receipt:
    number: str
    at: datetime


class UpdateLog(Protocol):
    async def claim(self, channel: str, update_id: int, now: datetime) -> bool:
        """Records a platform update; False if it was seen before (a redelivery)."""
        ...


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
        """Spends a one-time code: makes (or reuses) the person and grants the role on the unit."""
        ...


class People(Protocol):
    async def grants(self, person_id: int) -> Sequence[Grant]: ...

    async def set_locale(self, person_id: int, locale: str) -> None: ...


class Reports(Protocol):
    async def open_for(self, person_id: int, today: date) -> Sequence[ReportRecord]:
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


class UnitOfWork(Protocol):
    """One database transaction; repositories are valid only inside it."""

    updates: UpdateLog
    chats: Chats
    invites: Invites
    people: People
    reports: Reports

    async def __aenter__(self) -> UnitOfWork: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Commits when the block succeeded, rolls back when it raised."""
        ...
