"""Chats: who is behind a platform chat, and where their conversation stands.

Once a chat is linked, the conversation belongs to its person (`people.state`), so every chat
of that person continues the same report; until then it is the chat's own (`chats.state`).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.records import ChatRecord
from storage.models import Chat, Person
from storage.upsert import insert

__all__ = ["SqlChats", "conversation_of"]


class SqlChats:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, channel: str, chat_id: str) -> ChatRecord | None:
        """The chat and its conversation, locked until commit on PostgreSQL (the chat row, and its
        person's) so that two workers handling updates of one person take turns instead of
        overwriting each other's conversation state."""
        row = (
            await self.session.execute(
                select(Chat.person_id, Chat.state, Chat.user_id)
                .where(Chat.channel == channel, Chat.chat_id == chat_id)
                .with_for_update()
            )
        ).one_or_none()
        if row is None:
            return None
        state = dict(row.state)
        if row.person_id is not None:
            state = await conversation_of(self.session, row.person_id, lock=True) or state
        return ChatRecord(channel, chat_id, row.person_id, state, row.user_id)

    async def save(self, record: ChatRecord, now: datetime) -> None:
        """Saves the chat after a turn, and the conversation where it belongs. The person has just
        written to the bot, so a mark that they had blocked it (or never started it) no longer
        holds: it is cleared."""
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
        if linked:
            await self.session.execute(
                update(Person).where(Person.id == record.person_id).values(state=dict(record.state))
            )


async def conversation_of(session: AsyncSession, person_id: int, lock: bool = False) -> dict[str, object] | None:
    """The person's conversation state (None before their first turn)."""
    query = select(Person.state).where(Person.id == person_id)
    state = await session.scalar(query.with_for_update() if lock else query)
    return dict(state) if state else None
