"""Chats: who is behind a platform chat, and where their conversation stands.

Once a chat is linked, the conversation belongs to its person (`people.state`), so every chat
of that person continues the same report; until then it is the chat's own (`chats.state`).

A turn of a linked chat reads the chat and its person in one statement and, most turns, writes
only the person's conversation: the chat row is rewritten when something on it changes, or
when its `updated_at` (which chat of a person is the one in use, and when they were last seen)
would otherwise fall more than TOUCH_EVERY behind.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, exists, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.base.records import ChatRecord
from storage.models import Chat, Person
from storage.upsert import insert

__all__ = ["TOUCH_EVERY", "SqlChats", "conversation_of"]

TOUCH_EVERY = timedelta(minutes=5)
"""How far a linked chat's `updated_at` may fall behind while it stays its person's newest chat."""

_CHATS, _PEOPLE = Chat.__table__, Person.__table__
_OTHER = _CHATS.alias("other")
_LINKED = (
    select(
        _CHATS.c.person_id,
        _CHATS.c.user_id,
        _CHATS.c.updated_at,
        _CHATS.c.blocked_at,
        _CHATS.c.state.label("chat_state"),
        _PEOPLE.c.state,
        ~exists()
        .where(_OTHER.c.person_id == _CHATS.c.person_id, _OTHER.c.id != _CHATS.c.id, _OTHER.c.updated_at >= _CHATS.c.updated_at)
        .label("newest"),
    )
    .join(_PEOPLE, _PEOPLE.c.id == _CHATS.c.person_id)
    .where(_CHATS.c.channel == bindparam("channel"), _CHATS.c.chat_id == bindparam("chat_id"))
    .with_for_update()
)
"""A linked chat with its person's conversation, both rows locked until commit (PostgreSQL), so
that two workers handling one person's updates take turns instead of overwriting each other."""

_UNLINKED = (
    select(_CHATS.c.person_id, _CHATS.c.state, _CHATS.c.user_id)
    .where(_CHATS.c.channel == bindparam("channel"), _CHATS.c.chat_id == bindparam("chat_id"))
    .with_for_update()
)
_SAVE_CONVERSATION = update(_PEOPLE).where(_PEOPLE.c.id == bindparam("person_id")).values(state=bindparam("state"))


@dataclass(frozen=True)
class _AsRead:
    """What the chat row held when this transaction read it."""

    person_id: int
    user_id: str | None
    current_until: datetime | None
    """Until when the row needs no rewrite (None: it needs one: it is refusing, or not its
    person's newest chat)."""


class SqlChats:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self._read: dict[tuple[str, str], _AsRead] = {}

    async def get(self, channel: str, chat_id: str) -> ChatRecord | None:
        """The chat and its conversation, locked until commit on PostgreSQL (the chat row, and its
        person's); one statement for a linked chat."""
        keys = {"channel": channel, "chat_id": chat_id}
        linked = (await self.session.execute(_LINKED, keys)).one_or_none()
        if linked is not None:
            current = linked.newest and linked.blocked_at is None
            self._read[channel, chat_id] = _AsRead(
                linked.person_id, linked.user_id, linked.updated_at + TOUCH_EVERY if current else None
            )
            state = linked.state or linked.chat_state  # a chat linked outside a turn keeps its own until then
            return ChatRecord(channel, chat_id, linked.person_id, dict(state or {}), linked.user_id)
        row = (await self.session.execute(_UNLINKED, keys)).one_or_none()
        if row is None:
            return None
        return ChatRecord(channel, chat_id, row.person_id, dict(row.state), row.user_id)

    async def save(self, record: ChatRecord, now: datetime) -> None:
        """Saves the chat after a turn, and the conversation where it belongs. The person has just
        written to the bot, so a mark that they had blocked it (or never started it) no longer
        holds: it is cleared."""
        if record.person_id is not None:
            await self.session.execute(_SAVE_CONVERSATION, {"person_id": record.person_id, "state": dict(record.state)})
            if self._unchanged(record, now):
                return
        linked = record.person_id is not None
        values: dict[str, object] = {
            "person_id": record.person_id,
            "state": {} if linked else dict(record.state),
            "updated_at": now,
            "blocked_at": None,
            "blocked_reason": None,
        }
        if record.user_id is not None:
            values["user_id"] = record.user_id
        if record.phone is not None:
            values["phone"] = record.phone
        statement = insert(self.session, Chat).values(
            channel=record.channel, chat_id=record.chat_id, created_at=now, **values
        )
        await self.session.execute(statement.on_conflict_do_update(index_elements=["channel", "chat_id"], set_=values))

    def _unchanged(self, record: ChatRecord, now: datetime) -> bool:
        """Whether the chat row, as this transaction read it, already says what a save would."""
        read = self._read.get((record.channel, record.chat_id))
        return (
            read is not None
            and read.current_until is not None
            and now < read.current_until
            and read.person_id == record.person_id
            and record.user_id in (None, read.user_id)
            and record.phone is None
        )


async def conversation_of(session: AsyncSession, person_id: int) -> dict[str, object] | None:
    """The person's conversation state (None before their first turn)."""
    state = await session.scalar(select(Person.state).where(Person.id == person_id))
    return dict(state) if state else None
