"""The schema: one table per concept, named as the domain names it.

Answers are never updated in place: an edit adds a version, so a report's history survives
every correction. Platform updates are logged by (channel, update_id) so a redelivered update
is recognised and not applied twice.
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import TYPE_CHECKING, Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from bot.base.i18n import DEFAULT_LOCALE

__all__ = [
    "NAMING_CONVENTION",
    "UPDATE_ID_LENGTH",
    "Answer",
    "AuditRow",
    "Base",
    "Campaign",
    "CatalogOverride",
    "Chat",
    "Credential",
    "Enrolment",
    "ExportRequestRow",
    "GrantRow",
    "InboxRow",
    "Invite",
    "MilestoneRow",
    "OutboxRow",
    "Person",
    "ProcessedUpdate",
    "ReminderRun",
    "Report",
    "SendBudgetRow",
    "Unit",
    "UtcDateTime",
    "WrongCode",
]


class UtcDateTime(TypeDecorator[datetime]):
    """An aware instant, stored and read back as UTC on every database.

    SQLite keeps datetimes as text without an offset; without this, values would come back
    naive and compare wrongly with the aware instants the clock produces.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: storage takes timezone-aware instants only")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


# Deterministic constraint names, so later migrations (batch mode on SQLite) can address them.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UtcDateTime(), dict[str, Any]: JSON(), list[str]: JSON()}
    if TYPE_CHECKING:
        __table__: ClassVar[Table]  # a FromClause to SQLAlchemy; every model here maps a Table, which INSERT and UPDATE take


class Unit(Base):
    """An organisation that reports (a commune, a police ward) or oversees others."""

    __tablename__ = "units"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    name_key: Mapped[str] = mapped_column(String(255), server_default="")
    """The name folded (bot.base.text.fold), written with it: what lists of units are ordered by."""
    kind: Mapped[str] = mapped_column(String(64))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    demo: Mapped[bool] = mapped_column(Boolean, default=False)
    letterhead: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # what the sheet says of its documents
    created_at: Mapped[datetime]
    retired_at: Mapped[datetime | None]  # left out of an imported tree: kept, but in no new campaign


class Person(Base):
    """Someone who reports or supervises, in however many chats: their conversation state lives
    here, so a report goes on in whichever messenger they write from."""

    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    full_name: Mapped[str] = mapped_column(String(255))
    locale: Mapped[str | None] = mapped_column(String(16))
    state: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime]


class GrantRow(Base):
    """A role a person holds on a unit; revoked rather than deleted, so it can be audited."""

    __tablename__ = "grants"
    __table_args__ = (UniqueConstraint("person_id", "unit_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    role: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


class Chat(Base):
    """A platform chat: who is behind it, and, until it is linked to a person, the conversation
    state (so nothing lives only in memory)."""

    __tablename__ = "chats"
    __table_args__ = (UniqueConstraint("channel", "chat_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(32))
    chat_id: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[str | None] = mapped_column(String(64))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), index=True)
    state: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    # Set when a send was refused (the person blocked the bot or never started it); reminders
    # skip the chat until the person writes to the bot again.
    blocked_at: Mapped[datetime | None]
    blocked_reason: Mapped[str | None] = mapped_column(String(32))
    phone: Mapped[str | None] = mapped_column(String(32))  # shared by the person from this messenger


class Invite(Base):
    """A one-time code that links a chat: to a new person with a role on a unit, or (a link
    code, with `person_id`) to a person already linked elsewhere."""

    __tablename__ = "invites"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    role: Mapped[str | None] = mapped_column(String(32))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), index=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    used_by_person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), index=True)
    revoked_at: Mapped[datetime | None]
    created_by: Mapped[int | None] = mapped_column(ForeignKey("people.id"), index=True)
    full_name: Mapped[str | None] = mapped_column(String(255))  # for a person the province named
    phone: Mapped[str | None] = mapped_column(String(32))


class Campaign(Base):
    """One review round (e.g. the 2023 year-end review) with its reminder plan."""

    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    title_vi: Mapped[str] = mapped_column(Text)
    title_en: Mapped[str | None] = mapped_column(Text)
    basis: Mapped[str] = mapped_column(Text)
    opens: Mapped[date] = mapped_column(Date)
    closes: Mapped[date | None] = mapped_column(Date)  # after it no report is open, no reminder goes
    reminders: Mapped[dict[str, Any]]
    issuer: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # who issues the province's summary
    created_at: Mapped[datetime]


class MilestoneRow(Base):
    __tablename__ = "milestones"
    __table_args__ = (UniqueConstraint("campaign_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"))
    kind: Mapped[str] = mapped_column(String(64))
    due: Mapped[date] = mapped_column(Date)
    title_vi: Mapped[str] = mapped_column(Text)
    title_en: Mapped[str | None] = mapped_column(Text)


class Enrolment(Base):
    """A unit taking part in a campaign, with the form it answers."""

    __tablename__ = "enrolments"
    __table_args__ = (UniqueConstraint("campaign_id", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    form_id: Mapped[str] = mapped_column(String(128))
    extended_to: Mapped[date | None] = mapped_column(Date)  # this unit's own report deadline (/giahan)
    created_at: Mapped[datetime]


class Report(Base):
    """One enrolment's report: its review state (with the comment of its latest return); the
    answers live in `answers`."""

    __tablename__ = "reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id"), unique=True)
    status: Mapped[str] = mapped_column(String(32))
    submission_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    receipt_no: Mapped[str | None] = mapped_column(String(32))
    submitted_at: Mapped[datetime | None]
    submitted_by: Mapped[int | None] = mapped_column(ForeignKey("people.id"), index=True)
    returned_at: Mapped[datetime | None]
    reopened: Mapped[list[str]] = mapped_column(default=list, server_default="[]")
    reopened_versions: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default="{}")
    """The version each reopened answer stood at when the report was returned (absent: none
    yet): an answer is revised once it has a newer one (bot.base.report_status.needs_revision)."""
    return_comment: Mapped[str | None] = mapped_column(Text)
    answered: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    """Questions with an answer; this, `answered_criteria` and `last_answer_at` are moved by a
    trigger on every answer written (migration 0020), so a count never reads the answers."""
    answered_criteria: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_answer_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Answer(Base):
    """One version of one answer; the newest version per question is the current answer."""

    __tablename__ = "answers"
    __table_args__ = (
        UniqueConstraint("report_id", "question_id", "version"),
        Index("ix_answers_question_id_report_id_version", "question_id", "report_id", "version"),  # one question across units: /tieuchi
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id"))
    question_id: Mapped[str] = mapped_column(String(128))
    version: Mapped[int] = mapped_column(Integer)
    value: Mapped[dict[str, Any]]
    author_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), index=True)
    created_at: Mapped[datetime]


class AuditRow(Base):
    """Who did what, when: a return, an approval, a revoked grant. Answer edits are not logged
    here; their versions in `answers` already say who changed what and when."""

    __tablename__ = "audit"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)
    action: Mapped[str] = mapped_column(String(64))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    report_id: Mapped[int | None] = mapped_column(ForeignKey("reports.id"), index=True)
    details: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default="{}")


UPDATE_ID_LENGTH = 128
"""Platforms name updates their own way (Telegram's numbers, Zalo's opaque message ids)."""


class ProcessedUpdate(Base):
    """A platform update already applied (or given up on), keyed as the platform names it."""

    __tablename__ = "processed_updates"

    channel: Mapped[str] = mapped_column(String(32), primary_key=True)
    update_id: Mapped[str] = mapped_column(String(UPDATE_ID_LENGTH), primary_key=True)
    outcome: Mapped[str] = mapped_column(String(32), default="ok", server_default="ok")
    processed_at: Mapped[datetime] = mapped_column(index=True)


class InboxRow(Base):
    """A platform update fetched but perhaps not yet handled: survives a crash between the two.
    `id` keeps the order of arrival, whatever the platform's ids look like."""

    __tablename__ = "inbox"
    __table_args__ = (UniqueConstraint("channel", "update_id"), Index("ix_inbox_channel_chat_key_id", "channel", "chat_key", "id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(32))
    update_id: Mapped[str] = mapped_column(String(UPDATE_ID_LENGTH))
    chat_key: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]]
    received_at: Mapped[datetime] = mapped_column(index=True)
    held_until: Mapped[datetime | None] = mapped_column(index=True)
    """Until when the worker that stored it vouches it will handle it (renewed while it waits):
    past that, with several workers, another takes it over."""


class CatalogOverride(Base):
    """Official criterion texts a province imported, replacing the packaged wording."""

    __tablename__ = "catalog_overrides"
    __table_args__ = (UniqueConstraint("criteria_set_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    criteria_set_id: Mapped[str] = mapped_column(String(128))
    version: Mapped[int] = mapped_column(Integer)
    payload: Mapped[dict[str, Any]]
    source: Mapped[str] = mapped_column(Text)
    imported_at: Mapped[datetime]


class OutboxRow(Base):
    """A message for someone other than the person in the conversation (a reminder, a notice),
    waiting to be sent or the record of what became of it: one per key and person, so the same
    reminder never goes out twice, whatever restarts or how many workers."""

    __tablename__ = "outbox"
    __table_args__ = (
        UniqueConstraint("key", "person_id"),
        Index("ix_outbox_state_next_attempt_at", "state", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(255))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    channel: Mapped[str] = mapped_column(String(32))
    chat_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32))
    campaign_code: Mapped[str | None] = mapped_column(String(64))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    buttons: Mapped[list[Any]] = mapped_column(JSON, default=list, server_default="[]")
    step: Mapped[int | None] = mapped_column(Integer)
    attachment: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # the fields of a template message (ZNS)
    locale: Mapped[str] = mapped_column(String(16), default=DEFAULT_LOCALE, server_default=DEFAULT_LOCALE)
    state: Mapped[str] = mapped_column(String(32), default="pending", server_default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    next_attempt_at: Mapped[datetime]
    claimed_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime | None]  # past it the message no longer matters: never sent
    retrying_since: Mapped[datetime | None]  # the first of the failures it is being retried after


class Credential(Base):
    """A channel's secret that changes while the bot runs (an OA's rotating token pair): kept
    here so that every worker sees the newest one, and renewed under this row's lock."""

    __tablename__ = "credentials"

    name: Mapped[str] = mapped_column(String(128), primary_key=True)
    value: Mapped[dict[str, Any]]
    updated_at: Mapped[datetime]


class SendBudgetRow(Base):
    """Chat-bound calls a channel made in one second (Unix time), counted across workers."""

    __tablename__ = "send_budget"

    channel: Mapped[str] = mapped_column(String(32), primary_key=True)
    second: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    used: Mapped[int] = mapped_column(Integer)


class MessageUsage(Base):
    """Messages a channel sent in one calendar month ("2026-12", Asia/Ho_Chi_Minh), counted
    across workers against the platform's monthly quota."""

    __tablename__ = "message_usage"

    channel: Mapped[str] = mapped_column(String(32), primary_key=True)
    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    sent: Mapped[int] = mapped_column(Integer)
    alerted_percent: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class WrongCode(Base):
    """A wrong invite or link code typed in any chat, counted across chats and workers to slow
    guessing down (bot/linking/guessing.py); kept a day."""

    __tablename__ = "wrong_codes"
    __table_args__ = (Index("ix_wrong_codes_channel_typed_at", "channel", "typed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(32))
    chat_id: Mapped[str] = mapped_column(String(64))
    typed_at: Mapped[datetime] = mapped_column(index=True)


class ReminderRun(Base):
    """A reminder slot already handled (enqueued or dropped), so it fires once across restarts."""

    __tablename__ = "reminder_runs"

    slot_key: Mapped[str] = mapped_column(String(255), primary_key=True)
    outcome: Mapped[str] = mapped_column(String(64))
    fired_at: Mapped[datetime]


class OrganisationVersion(Base):
    """One row: a number every write of a unit or a campaign moves, so that each worker knows,
    from one small read, when its snapshot of the organisation (bot/organisation/snapshot.py)
    is out of date."""

    __tablename__ = "organisation_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int]


class ExportRequestRow(Base):
    """A file asked for in a chat (bot/base/exports.py): waiting, being made under a worker's
    claim (renewed while it runs; a claim not renewed for a lease is taken over), then done or
    failed, its asker's message queued in the outbox in the same transaction."""

    __tablename__ = "export_requests"
    __table_args__ = (Index("ix_export_requests_state_id", "state", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    campaign_code: Mapped[str] = mapped_column(String(64))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    channel: Mapped[str] = mapped_column(String(32))
    chat_id: Mapped[str] = mapped_column(String(64))
    locale: Mapped[str] = mapped_column(String(16))
    takes_files: Mapped[bool] = mapped_column(Boolean)
    state: Mapped[str] = mapped_column(String(16))
    requested_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    claim: Mapped[str | None] = mapped_column(String(32))
    claimed_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(Text)
