"""The inbox: platform updates received but perhaps not yet handled.

A poller confirms updates to the platform (Telegram's offset, Zalo's one-at-a-time getUpdates)
once they are here, so a crash between fetching and handling loses nothing: on restart,
`pending` hands back every stored update the update log has not recorded (and, with several
workers, those left unhandled too long by one that died). An update that keeps failing is
marked processed with its outcome, so it cannot block the queue forever.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Select, bindparam, delete, select
from sqlalchemy.engine import CursorResult, Result
from sqlalchemy.ext.asyncio import AsyncSession

from bot.records import InboxItem
from storage.models import InboxRow, ProcessedUpdate
from storage.updates import record
from storage.upsert import prepared

__all__ = ["SqlInbox"]


class SqlInbox:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def store(self, channel: str, items: Sequence[InboxItem], now: datetime) -> list[str]:
        """Keeps the updates, in the order given; returns the ids not stored before (a refetch
        stores nothing twice)."""
        rows = [
            {"channel": channel, "update_id": item.update_id, "chat_key": item.chat_key, "payload": dict(item.payload), "received_at": now}
            for item in items
        ]
        if not rows:
            return []
        # Sent as one multi-row INSERT (SQLAlchemy's "insertmanyvalues"): both databases number
        # its rows in the order of its VALUES.
        stored = set((await self.session.scalars(_STORE(self.session), rows)).all())
        return [item.update_id for item in items if item.update_id in stored]

    async def pending(self, channel: str, stored: tuple[datetime, datetime] | None = None) -> list[InboxItem]:
        """Stored updates not yet in the update log (stored from `stored[0]` to before
        `stored[1]`, given them: an indexed range), in the order they arrived."""
        query = _unhandled(channel)
        if stored is not None:
            query = query.where(InboxRow.received_at >= stored[0], InboxRow.received_at < stored[1])
        return _items(await self.session.execute(query))

    async def earlier_unhandled(self, channel: str, update_id: str, chat_key: str) -> list[InboxItem]:
        """The same chat's updates that arrived before this one and are not handled yet, in
        order: one indexed query."""
        mine = select(InboxRow.id).where(InboxRow.channel == channel, InboxRow.update_id == update_id).scalar_subquery()
        return _items(await self.session.execute(_unhandled(channel).where(InboxRow.chat_key == chat_key, InboxRow.id < mine)))

    async def mark_processed(self, channel: str, update_id: str, outcome: str, now: datetime) -> None:
        """Records an outcome for an update handled outside the normal turn (e.g. one that failed);
        an outcome already recorded stays."""
        await record(self.session, channel, update_id, outcome, now)

    async def prune(self, channel: str, older_than: datetime) -> int:
        """Forgets handled updates received before `older_than`; returns how many rows went.

        Log entries go only once their inbox row has gone, so a stored update never turns
        pending again.
        """
        handled = select(ProcessedUpdate.update_id).where(
            ProcessedUpdate.channel == channel, ProcessedUpdate.update_id == InboxRow.update_id
        )
        items = await self.session.execute(
            delete(InboxRow)
            .where(InboxRow.channel == channel, InboxRow.received_at < older_than, handled.exists())
            .execution_options(synchronize_session=False)
        )
        stored = select(InboxRow.update_id).where(
            InboxRow.channel == channel, InboxRow.update_id == ProcessedUpdate.update_id
        )
        log = await self.session.execute(
            delete(ProcessedUpdate)
            .where(ProcessedUpdate.channel == channel, ProcessedUpdate.processed_at < older_than, ~stored.exists())
            .execution_options(synchronize_session=False)
        )
        return cast(CursorResult[Any], items).rowcount + cast(CursorResult[Any], log).rowcount


_STORE = prepared(
    lambda insert: insert(InboxRow.__table__)
    .values(
        channel=bindparam("channel"),
        update_id=bindparam("update_id"),
        chat_key=bindparam("chat_key"),
        payload=bindparam("payload"),
        received_at=bindparam("received_at"),
    )
    .on_conflict_do_nothing(index_elements=["channel", "update_id"])
    .returning(InboxRow.__table__.c.update_id)
)


def _unhandled(channel: str) -> Select[Any]:
    """The channel's stored updates not yet in the update log, in the order they arrived."""
    processed = select(ProcessedUpdate.update_id).where(ProcessedUpdate.channel == channel, ProcessedUpdate.update_id == InboxRow.update_id)
    return (
        select(InboxRow.update_id, InboxRow.chat_key, InboxRow.payload, InboxRow.received_at)
        .where(InboxRow.channel == channel, ~processed.exists())
        .order_by(InboxRow.id)
    )


def _items(rows: Result[Any]) -> list[InboxItem]:
    return [InboxItem(row.update_id, row.chat_key, row.payload, row.received_at) for row in rows]
