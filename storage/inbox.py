"""The inbox: platform updates received but perhaps not yet handled.

A poller confirms updates to the platform (Telegram's offset) once they are here, so a crash
between fetching and handling loses nothing: on restart, `pending` hands back every stored
update the update log has not recorded. An update that keeps failing is marked processed with
its outcome, so it cannot block the queue forever.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, cast

from sqlalchemy import delete, select
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import InboxItem, ProcessedUpdate
from storage.updates import record
from storage.upsert import insert

Item = tuple[int, str, dict[str, Any]]
"""(update_id, chat_key, payload): chat_key groups updates that must be handled in order."""


class SqlInbox:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def store(self, channel: str, items: Iterable[Item], now: datetime) -> list[int]:
        """Keeps the updates; returns the ids not stored before (a refetch stores nothing twice)."""
        rows = [
            {"channel": channel, "update_id": update_id, "chat_key": chat_key, "payload": payload, "received_at": now}
            for update_id, chat_key, payload in items
        ]
        if not rows:
            return []
        statement = (
            insert(self.session, InboxItem)
            .on_conflict_do_nothing(index_elements=["channel", "update_id"])
            .returning(InboxItem.update_id)
        )
        return sorted((await self.session.scalars(statement, rows)).all())

    async def pending(self, channel: str) -> list[Item]:
        """Stored updates not yet in the update log, oldest first."""
        processed = select(ProcessedUpdate.update_id).where(
            ProcessedUpdate.channel == channel, ProcessedUpdate.update_id == InboxItem.update_id
        )
        rows = await self.session.execute(
            select(InboxItem.update_id, InboxItem.chat_key, InboxItem.payload)
            .where(InboxItem.channel == channel, ~processed.exists())
            .order_by(InboxItem.update_id)
        )
        return [(row.update_id, row.chat_key, row.payload) for row in rows]

    async def mark_processed(self, channel: str, update_id: int, outcome: str, now: datetime) -> None:
        """Records an outcome for an update handled outside the normal turn (e.g. one that failed);
        an outcome already recorded stays."""
        await record(self.session, channel, update_id, outcome, now)

    async def prune(self, channel: str, older_than: datetime) -> int:
        """Forgets handled updates received before `older_than`; returns how many rows went.

        Log entries go only once their inbox row has gone, so a stored update never turns
        pending again.
        """
        handled = select(ProcessedUpdate.update_id).where(
            ProcessedUpdate.channel == channel, ProcessedUpdate.update_id == InboxItem.update_id
        )
        items = await self.session.execute(
            delete(InboxItem)
            .where(InboxItem.channel == channel, InboxItem.received_at < older_than, handled.exists())
            .execution_options(synchronize_session=False)
        )
        stored = select(InboxItem.update_id).where(
            InboxItem.channel == channel, InboxItem.update_id == ProcessedUpdate.update_id
        )
        log = await self.session.execute(
            delete(ProcessedUpdate)
            .where(ProcessedUpdate.channel == channel, ProcessedUpdate.processed_at < older_than, ~stored.exists())
            .execution_options(synchronize_session=False)
        )
        return cast(CursorResult[Any], items).rowcount + cast(CursorResult[Any], log).rowcount
