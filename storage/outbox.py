"""The outbox: every message for someone other than the person in the conversation, and the
ledger of what became of it.

A message is enqueued in the transaction of the change that caused it, so a crash after the
commit delays it and never loses it. One row per key and person, so firing a reminder twice (a
restart, a second worker) adds nothing: inserts skip what is there (ON CONFLICT DO NOTHING).
Senders claim due rows, renew their claim on those still being sent, and mark each outcome; on
PostgreSQL several senders claim at once without waiting for or taking each other's rows (FOR
UPDATE SKIP LOCKED). On SQLite every transaction already holds the write lock from its first
statement (BEGIN IMMEDIATE), so claims simply take turns.

A message is tried until it no longer matters: past its expiry a claim does not take it but
marks it EXPIRED, and a newer reminder of its series stops it when it is queued (`supersede`).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.base.events import Attachment, Button, ButtonRole, Reply
from bot.base.outbox import (
    DEFAULT_LEASE,
    UNDELIVERED,
    DeliveryState,
    Ledger,
    MessageKind,
    OutboxItem,
    OutboxMessage,
    Retrying,
    Unreached,
)
from bot.delivery.lifetimes import expiry
from bot.delivery.outcomes import outcome
from bot.reminders.rerouting import sent_for
from storage.machinery_models import OutboxRow
from storage.models import Chat, Person
from storage.upsert import insert

__all__ = ["ENQUEUE_CHUNK", "SqlOutbox"]

# Rows per INSERT: well under either database's limit on bound parameters.
ENQUEUE_CHUNK = 500


class SqlOutbox:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def enqueue(self, messages: Sequence[OutboxMessage], now: datetime) -> int:
        """Inserts the messages not yet in the outbox, due at `now`; returns how many were new.
        Rows go in sorted by (key, person), so concurrent enqueuers of overlapping batches wait
        for one another in one order instead of deadlocking (PostgreSQL)."""
        unique: dict[tuple[str, int], OutboxMessage] = {}
        for message in messages:
            unique.setdefault((message.key, message.person_id), message)
        rows = [_row_values(unique[pair], now) for pair in sorted(unique)]
        inserted = 0
        for start in range(0, len(rows), ENQUEUE_CHUNK):
            statement = (
                insert(self.session, OutboxRow)
                .values(rows[start : start + ENQUEUE_CHUNK])
                .on_conflict_do_nothing(index_elements=["key", "person_id"])
                .returning(OutboxRow.id)
            )
            inserted += len((await self.session.execute(statement)).all())
        return inserted

    async def claim(
        self, limit: int, now: datetime, channel: str, lease: timedelta = DEFAULT_LEASE, chat_id: str | None = None
    ) -> list[OutboxItem]:
        """Takes back this channel's rows whose claim was last stamped more than `lease` ago
        (their sender died: a live one renews it), then claims up to `limit` due pending rows,
        oldest first: they become sending, stamped `now`, one attempt more; those past their
        expiry become EXPIRED instead. Rows another transaction has locked are skipped, not
        waited for (PostgreSQL; SQLite ignores the locking clause)."""
        if limit <= 0:
            return []
        mine = [OutboxRow.channel == channel] + ([OutboxRow.chat_id == chat_id] if chat_id is not None else [])
        stale = (
            select(OutboxRow.id)
            .where(*mine, OutboxRow.state == DeliveryState.SENDING.value, OutboxRow.claimed_at < now - lease)
            .with_for_update(skip_locked=True)
        )
        await self.session.execute(
            update(OutboxRow)
            .where(OutboxRow.id.in_(stale))
            .values(state=DeliveryState.PENDING.value, claimed_at=None)
            .execution_options(synchronize_session=False)
        )
        rows = (
            await self.session.execute(
                select(
                    OutboxRow.id,
                    OutboxRow.key,
                    OutboxRow.person_id,
                    OutboxRow.channel,
                    OutboxRow.chat_id,
                    OutboxRow.text,
                    OutboxRow.buttons,
                    OutboxRow.step,
                    OutboxRow.attachment,
                    OutboxRow.data,
                    OutboxRow.locale,
                    OutboxRow.kind,
                    OutboxRow.campaign_code,
                    OutboxRow.unit_id,
                    OutboxRow.attempts,
                    OutboxRow.expires_at,
                    OutboxRow.created_at,
                    OutboxRow.retrying_since,
                )
                .where(*mine, OutboxRow.state == DeliveryState.PENDING.value, OutboxRow.next_attempt_at <= now)
                .order_by(OutboxRow.id)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
        ).all()
        expired = [row.id for row in rows if expiry(row.expires_at, row.created_at) <= now]
        if expired:
            await self.session.execute(
                update(OutboxRow)
                .where(OutboxRow.id.in_(expired))
                .values(state=DeliveryState.EXPIRED.value)
                .execution_options(synchronize_session=False)
            )
        live = [row for row in rows if row.id not in expired]
        if not live:
            return []
        await self.session.execute(
            update(OutboxRow)
            .where(OutboxRow.id.in_([row.id for row in live]))
            .values(state=DeliveryState.SENDING.value, claimed_at=now, attempts=OutboxRow.attempts + 1)
            .execution_options(synchronize_session=False)
        )
        return [
            OutboxItem(id=row.id, message=_message(row), attempts=row.attempts + 1, retrying_since=row.retrying_since)
            for row in live
        ]

    async def renew(self, item_ids: Collection[int], now: datetime) -> None:
        """One statement for all the rows, however many a sender has in flight."""
        ids = list(item_ids)
        if ids:
            await self.session.execute(
                update(OutboxRow)
                .where(OutboxRow.id.in_(ids), OutboxRow.state == DeliveryState.SENDING.value)
                .values(claimed_at=now)
                .execution_options(synchronize_session=False)
            )

    async def mark(
        self,
        item_id: int,
        state: DeliveryState,
        now: datetime,
        error: str | None = None,
        retry_at: datetime | None = None,
        retrying_since: datetime | None = None,
    ) -> None:
        """Records a send's outcome as the core decides it (bot/delivery/outcomes.py): SENT
        stamps `sent_at` and ends the run of failures; PENDING schedules another try; a refusal
        also marks the chat as refusing."""
        decided = outcome(state, now, retry_at, retrying_since)
        values: dict[str, Any] = {"state": decided.state.value}
        if error is not None:
            values["error"] = error
        if decided.sent_at is not None:
            values.update(sent_at=decided.sent_at, retrying_since=None)
        if decided.retry is not None:
            values.update(next_attempt_at=decided.retry.at, claimed_at=None, retrying_since=decided.retry.since)
        marked = (
            await self.session.execute(
                update(OutboxRow)
                .where(OutboxRow.id == item_id)
                .values(**values)
                .returning(OutboxRow.channel, OutboxRow.chat_id)
                .execution_options(synchronize_session=False)
            )
        ).one_or_none()
        if marked is None:
            raise LookupError(f"no outbox row {item_id}")
        if decided.refusal is not None:
            await self.session.execute(
                update(Chat)
                .where(Chat.channel == marked.channel, Chat.chat_id == marked.chat_id)
                .values(blocked_at=decided.refusal.at, blocked_reason=decided.refusal.reason.value)
                .execution_options(synchronize_session=False)
            )

    async def supersede(self, series: str, newer: Sequence[OutboxMessage], now: datetime) -> int:
        """Marks EXPIRED the pending messages of the series to the same (person, unit) as one of
        `newer`, except `newer` and their onward copies (keys under theirs); how many."""
        newest: dict[tuple[int, int | None], list[str]] = {}
        for message in newer:
            newest.setdefault((message.person_id, message.unit_id), []).append(message.key)
        if not newest:
            return 0
        prefix = f"{series}/"
        candidates = await self.session.execute(
            select(OutboxRow.id, OutboxRow.key, OutboxRow.person_id, OutboxRow.unit_id).where(
                OutboxRow.state == DeliveryState.PENDING.value,
                OutboxRow.person_id.in_(sorted({person for person, _unit in newest})),
                func.substr(OutboxRow.key, 1, len(prefix)) == prefix,
            )
        )
        older = [
            row.id
            for row in candidates
            if (keys := newest.get((row.person_id, row.unit_id))) and not any(sent_for(row.key, key) for key in keys)
        ]
        if not older:
            return 0
        await self.session.execute(
            update(OutboxRow)
            .where(OutboxRow.id.in_(older), OutboxRow.state == DeliveryState.PENDING.value)
            .values(state=DeliveryState.EXPIRED.value, error=f"superseded by a newer reminder of {series}")
            .execution_options(synchronize_session=False)
        )
        return len(older)

    async def ledger(self, campaign_code: str, unit_ids: Collection[int]) -> Ledger:
        """Rows of the campaign about these units, per kind and state (every kind and state a key)."""
        counts = {kind: dict.fromkeys(DeliveryState, 0) for kind in MessageKind}
        ids = list(unit_ids)
        if not ids:
            return counts
        rows = await self.session.execute(
            select(OutboxRow.kind, OutboxRow.state, func.count(OutboxRow.id))
            .where(OutboxRow.campaign_code == campaign_code, OutboxRow.unit_id.in_(ids))
            .group_by(OutboxRow.kind, OutboxRow.state)
        )
        for kind, state, count in rows:
            counts[MessageKind(kind)][DeliveryState(state)] = count
        return counts

    async def units_with_key(self, unit_ids: Collection[int], key_prefix: str) -> frozenset[int]:
        """Those of these units with a message whose key starts with `key_prefix` (compared
        exactly: no LIKE wildcards, and case-sensitive on SQLite too)."""
        ids = list(unit_ids)
        if not ids:
            return frozenset()
        rows = await self.session.scalars(
            select(OutboxRow.unit_id)
            .where(OutboxRow.unit_id.in_(ids), func.substr(OutboxRow.key, 1, len(key_prefix)) == key_prefix)
            .distinct()
        )
        return frozenset(unit_id for unit_id in rows if unit_id is not None)


    async def unreached(self, campaign_code: str, unit_ids: Collection[int]) -> list[Unreached]:
        ids = list(unit_ids)
        if not ids:
            return []
        latest = (
            select(func.max(OutboxRow.id).label("id"))
            .where(OutboxRow.campaign_code == campaign_code, OutboxRow.unit_id.in_(ids))
            .group_by(OutboxRow.person_id)
            .subquery()
        )
        rows = await self.session.execute(
            select(OutboxRow.person_id, Person.full_name, OutboxRow.unit_id, OutboxRow.state, OutboxRow.created_at)
            .join(latest, latest.c.id == OutboxRow.id)
            .join(Person, Person.id == OutboxRow.person_id)
            .where(OutboxRow.state.in_([state.value for state in UNDELIVERED]))
        )
        return [Unreached(row.person_id, row.full_name, row.unit_id, DeliveryState(row.state), row.created_at) for row in rows]

    async def retrying(self, campaign_code: str, unit_ids: Collection[int]) -> list[Retrying]:
        ids = list(unit_ids)
        if not ids:
            return []
        rows = await self.session.execute(
            select(OutboxRow.person_id, Person.full_name, OutboxRow.unit_id, OutboxRow.kind, OutboxRow.retrying_since, OutboxRow.error)
            .join(Person, Person.id == OutboxRow.person_id)
            .where(
                OutboxRow.campaign_code == campaign_code,
                OutboxRow.unit_id.in_(ids),
                OutboxRow.state.in_([DeliveryState.PENDING.value, DeliveryState.SENDING.value]),
                OutboxRow.retrying_since.is_not(None),
            )
            .order_by(OutboxRow.retrying_since, OutboxRow.id)
        )
        return [
            Retrying(row.person_id, row.full_name, row.unit_id, MessageKind(row.kind), row.retrying_since, row.error or "")
            for row in rows
        ]


def _row_values(message: OutboxMessage, now: datetime) -> dict[str, Any]:
    reply = message.reply
    attachment = reply.attachment
    return {
        "key": message.key,
        "person_id": message.person_id,
        "channel": message.channel,
        "chat_id": message.chat_id,
        "kind": message.kind.value,
        "campaign_code": message.campaign_code,
        "unit_id": message.unit_id,
        "text": reply.text,
        "buttons": [[_button_json(button) for button in row] for row in reply.buttons],
        "step": reply.step,
        "locale": message.locale,
        "attachment": (
            {"path": attachment.path, "name": attachment.name, "media_type": attachment.media_type} if attachment else None
        ),
        "data": dict(message.data) if message.data else None,
        "state": DeliveryState.PENDING.value,
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
        "expires_at": message.expires_at,
    }


def _button_json(button: Button) -> dict[str, str]:
    data = {"label": button.label, "value": button.value, "role": button.role.value}
    return {**data, "command": button.command} if button.command else data


def _button(data: Any) -> Button:
    """A button as stored: an object, or a [label, value] pair (rows written before 0005)."""
    if isinstance(data, Mapping):
        return Button(str(data["label"]), str(data["value"]), ButtonRole(data.get("role", ButtonRole.CHOICE)), data.get("command"))
    label, value = data
    return Button(str(label), str(value))


def _message(row: Row[Any]) -> OutboxMessage:
    """The message exactly as the core built it."""
    attachment: Mapping[str, str] | None = row.attachment
    reply = Reply(
        text=row.text,
        buttons=tuple(tuple(_button(data) for data in buttons) for buttons in row.buttons or ()),
        step=row.step,
        attachment=Attachment(attachment["path"], attachment["name"], attachment["media_type"]) if attachment else None,
    )
    return OutboxMessage(
        key=row.key,
        person_id=row.person_id,
        channel=row.channel,
        chat_id=row.chat_id,
        reply=reply,
        kind=MessageKind(row.kind),
        campaign_code=row.campaign_code,
        unit_id=row.unit_id,
        locale=row.locale,
        data=row.data,
        expires_at=row.expires_at,
    )

