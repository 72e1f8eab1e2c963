"""The outbox: a message for anyone but the person in the conversation (a reminder, a notice, a
digest, an alert) is a row written in the turn's transaction and sent after the commit, so a
crash delays it and never loses it; the ledger says what became of each. The records, and what
storage offers for them (bot/base/ports.py gathers every port in the unit of work)."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol

from bot.base.events import Reply
from bot.base.i18n import DEFAULT_LOCALE

__all__ = [
    "DEFAULT_LEASE",
    "FINAL_STATES",
    "REFUSED_STATES",
    "REMINDER_KINDS",
    "UNDELIVERED",
    "DeliveryState",
    "Ledger",
    "MessageKind",
    "Outbox",
    "OutboxItem",
    "OutboxMessage",
    "OutboxQueries",
    "Retrying",
    "Unreached",
]


class MessageKind(StrEnum):
    """Why a message goes out through the outbox; the ledger counts each kind apart."""

    REMINDER = "reminder"
    OVERDUE = "overdue"
    MANUAL = "manual"  # a supervisor's /nhacnho
    DIGEST = "digest"  # a supervisor's list of units nobody could be reminded in
    NOTICE = "notice"  # an officer told that their report was returned or approved
    ALERT = "alert"  # the administrators told of a fault only a person can mend
    EXPORT = "export"  # a file someone asked for, made after their turn (bot/base/exports.py)


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
    data: Mapping[str, str] | None = None
    """The fields of a template message (a text to a phone), where the channel sends templates."""
    expires_at: datetime | None = None
    """Past it the message no longer matters and is never sent (bot/delivery/lifetimes.py says how long
    each kind lasts); None: UNDATED_LIFETIME from when it was queued."""


@dataclass(frozen=True)
class OutboxItem:
    """A claimed outbox row, ready to send; `retrying_since` is the first failure of the run of
    failures it is being tried again after (None: the last try did not fail)."""

    id: int
    message: OutboxMessage
    attempts: int
    retrying_since: datetime | None = None


class DeliveryState(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    BLOCKED = "blocked"
    NEVER_STARTED = "never_started"
    OUTSIDE_WINDOW = "outside_window"  # the platform lets the bot write only so long after the person did
    EXPIRED = "expired"  # no longer worth sending: past its expiry, or a newer reminder of its series replaced it


REFUSED_STATES = frozenset({DeliveryState.BLOCKED, DeliveryState.NEVER_STARTED, DeliveryState.OUTSIDE_WINDOW})
"""Outcomes after which the chat itself is unusable until its person writes again."""
FINAL_STATES = frozenset({DeliveryState.SENT, DeliveryState.FAILED, DeliveryState.EXPIRED}) | REFUSED_STATES
"""Outcomes after which a message is never tried again."""
UNDELIVERED = FINAL_STATES - {DeliveryState.SENT}
"""Final outcomes in which the message did not reach its person."""
DEFAULT_LEASE = timedelta(seconds=30)
"""A sender renews its claim on the rows it is sending several times a lease, however long a send
takes (handlers/outbox_sender.py); a claim not renewed for this long belongs to a sender that
died, and its row is sent again (the one it had on the wire may already have gone)."""

Ledger = Mapping[MessageKind, Mapping[DeliveryState, int]]


@dataclass(frozen=True)
class Unreached:
    """A person whose latest message in a campaign was not delivered, and why."""

    person_id: int
    person_name: str
    unit_id: int
    state: DeliveryState
    at: datetime


@dataclass(frozen=True)
class Retrying:
    """A person's message the platform has been failing, tried again until it no longer matters."""

    person_id: int
    person_name: str
    unit_id: int
    kind: MessageKind
    since: datetime
    """The first failure of the run of failures (a success ends the run)."""
    error: str


class OutboxQueries(Protocol):
    async def ledger(self, campaign_code: str, unit_ids: Collection[int]) -> Ledger:
        """How many messages about these units are in each state, per kind (every kind and state a key)."""
        ...

    async def units_with_key(self, unit_ids: Collection[int], key_prefix: str) -> frozenset[int]:
        """Those of these units with a message whose key starts with `key_prefix`."""
        ...

    async def unreached(self, campaign_code: str, unit_ids: Collection[int]) -> Sequence[Unreached]:
        """The people whose latest message of the campaign about these units ended UNDELIVERED
        (a later delivery, or a retry still pending, means they are not unreached), with the
        time that message was queued; in no particular order."""
        ...

    async def retrying(self, campaign_code: str, unit_ids: Collection[int]) -> Sequence[Retrying]:
        """The messages of the campaign about these units that a platform has been failing and
        that are waiting to be tried again, the longest failing first."""
        ...


class Outbox(OutboxQueries, Protocol):
    """Messages waiting to be sent, and the record of what became of each (the ledger)."""

    async def enqueue(self, messages: Sequence[OutboxMessage], now: datetime) -> int:
        """Adds the messages not already there (by key and person); returns how many were new."""
        ...

    async def claim(
        self, limit: int, now: datetime, channel: str, lease: timedelta = ..., chat_id: str | None = None
    ) -> Sequence[OutboxItem]:
        """Takes this channel's due pending rows (only one chat's, given `chat_id`) for sending;
        with PostgreSQL several senders never take the same row (SKIP LOCKED). Rows whose
        claim was not renewed for `lease` (their sender died) are taken back. A due row past its
        expiry (OutboxMessage.expires_at) is not taken: it ends EXPIRED."""
        ...

    async def renew(self, item_ids: Collection[int], now: datetime) -> None:
        """Stamps `now` as the claim of those of these rows still being sent, so that `claim`
        does not take them back while their sender is alive and sending."""
        ...

    async def mark(
        self,
        item_id: int,
        state: DeliveryState,
        now: datetime,
        error: str | None = None,
        retry_at: datetime | None = None,
        retrying_since: datetime | None = None,
    ) -> None:
        """Records an outcome; PENDING with `retry_at` schedules another try, failing since
        `retrying_since` (None: not failing); SENT ends the run of failures. A refusal
        (REFUSED_STATES) also marks the chat as refusing, so `recipients` passes it over until
        its person writes again. ValueError for SENDING (only `claim` makes rows sending),
        LookupError for an unknown row."""
        ...

    async def supersede(self, series: str, newer: Sequence[OutboxMessage], now: datetime) -> int:
        """Stops the still-pending messages of a reminder series (keys under "`series`/") to the
        same person about the same unit as one of `newer` (a digest: about none), other than
        `newer` themselves and what was sent on for them: the newer reminder says it again, with
        today's figures. They end EXPIRED; returns how many."""
        ...
