"""Chats: who is behind a platform chat, and where their conversation stands."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.ports import ChatRecord
from storage.models import Chat
from storage.upsert import insert


class SqlChats:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, channel: str, chat_id: str) -> ChatRecord | None:
        """The chat, locked until commit on PostgreSQL so that two workers handling updates of
        the same chat take turns instead of overwriting each other's conversation state."""
        row = (
            await self.session.execute(
                select(Chat.person_id, Chat.state, Chat.user_id)
                .where(Chat.channel == channel, Chat.chat_id == chat_id)
                .with_for_update()
            )
        ).one_or_none()
        if row is None:
            return None
        return ChatRecord(channel, chat_id, row.person_id, dict(row.state), row.user_id)

    async def save(self, record: ChatRecord, now: datetime) -> None:
        """Saves the chat after a turn. The person has just written to the bot, so a mark that
        they had blocked it (or never started it) no longer holds: it is cleared."""
        values: dict[str, object] = {
            "person_id": record.person_id,
            "state": dict(record.state),
            "updated_at": now,
            "blocked_at": None,
            "blocked_reason": None,
        }
        if record.user_id is not None:
            values["user_id"] = record.user_id
        statement = insert(self.session, Chat).values(
            channel=record.channel, chat_id=record.chat_id, created_at=now, **values
        )
        await self.session.execute(statement.on_conflict_do_update(index_elements=["channel", "chat_id"], set_=values))
