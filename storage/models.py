"""The domain's tables: one per concept, named as the domain names it (the machinery's are in
machinery_models.py, both together in schema.py).

Answers are never updated in place: an edit adds a version, so a report's history survives
every correction.
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import TYPE_CHECKING, Any, ClassVar

from sqlalchemy import (
    JSON,
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

if TYPE_CHECKING:
    from sqlalchemy.engine.default import DefaultExecutionContext

__all__ = [
    "NAMING_CONVENTION",
    "Answer",
    "AuditRow",
    "Base",
    "Campaign",
    "CatalogOverride",
    "Chat",
    "Enrolment",
    "GrantRow",
    "Invite",
    "MilestoneRow",
    "Person",
    "Report",
    "Unit",
    "UtcDateTime",
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
    criteria_met: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    """The criteria whose current answer gives each status, moved by a second trigger (migration
    0022), so a province's summary and workbook never count 340,000 answers to say where each unit stands."""
    criteria_not_met: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    criteria_not_yet_due: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Answer(Base):
    """One version of one answer; the newest version per question is the current answer."""

    __tablename__ = "answers"
    __table_args__ = (
        UniqueConstraint("report_id", "question_id", "version"),
        # One question across units (/tieuchi), and the statuses a summary counts, read off the index alone.
        Index("ix_answers_question_report_version_status", "question_id", "report_id", "version", "criterion_status", "eligible"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id"))
    question_id: Mapped[str] = mapped_column(String(128))
    version: Mapped[int] = mapped_column(Integer)
    value: Mapped[dict[str, Any]]
    author_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), index=True)
    created_at: Mapped[datetime]
    # The criterion's self-assessment, copied out of `value` as the row is written (whoever writes
    # it), so the summary counts a province's statuses without parsing 300,000 JSON values.
    criterion_status: Mapped[str | None] = mapped_column(String(16), default=lambda context: _value_field(context, "status"))
    eligible: Mapped[bool | None] = mapped_column(default=lambda context: _value_field(context, "eligible"))


def _value_field(context: DefaultExecutionContext, field: str) -> Any:
    value = context.get_current_parameters().get("value")
    return value.get(field) if isinstance(value, dict) else None


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
