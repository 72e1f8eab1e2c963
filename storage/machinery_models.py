"""The tables the bot's machinery keeps beside the domain's (storage/models.py): platform updates
claimed and the inbox, the outbox and its send budget, channels' rotating credentials, the month's
message counts, wrong codes, reminder slots fired, the organisation's version and export requests.

Platform updates are logged by (channel, update_id) so a redelivered update is recognised and
not applied twice.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.base.i18n import DEFAULT_LOCALE
from storage.models import Base

__all__ = ["UPDATE_ID_LENGTH", "Credential", "ExportRequestRow", "InboxRow", "MessageUsage", "OrganisationVersion", "OutboxRow", "ProcessedUpdate", "ReminderRun", "SendBudgetRow", "WrongCode"]


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
