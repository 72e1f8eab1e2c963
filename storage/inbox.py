"""The inbox: platform updates received but perhaps not yet handled.

A poller confirms updates to the platform (Telegram's offset, Zalo's one-at-a-time getUpdates)
once they are here, so a crash between fetching and handling loses nothing: on restart,
`pending` hands back every stored update the update log has not recorded. With several
workers, the one that stored an update holds it (`held_until`, renewed while it waits) and
`let_go` hands back those whose worker died. An update that keeps failing is marked processed
with its outcome, so it cannot block the queue forever.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Select, delete, select, update
from sqlalchemy.engine import CursorResult, Result
from sqlalchemy.ext.asyncio import AsyncSession

from bot.base.inbox import InboxItem
from storage.machinery_models import InboxRow, ProcessedUpdate
from storage.updates import record
from storage.upsert import prepared

__all__ = ["SqlInbox"]


class SqlInbox:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def store(self, channel: str, items: Sequence[InboxItem], now: datetime, held_until: datetime | None = None) -> list[str]:
        """Keeps the updates, in the order given; returns the ids not stored before (a refetch
        stores nothing twice)."""
        rows = [
            {
                "channel": channel, "update_id": item.update_id, "chat_key": item.chat_key, "payload": dict(item.payload),
                "received_at": now, "held_until": held_until,
            }
            for item in items
        ]
        if not rows:
            return []
        # Sent as one multi-row INSERT (SQLAlchemy's "insertmanyvalues"): both databases number
        # its rows in the order of its VALUES.
        stored = set((await self.session.scalars(_STORE(self.session), rows)).all())
        return [item.update_id for item in items if item.update_id in stored]

    async def pending(self, channel: str) -> list[InboxItem]:
        """Stored updates not yet in the update log, in the order they arrived."""
        return _items(await self.session.execute(_unhandled(channel)))

    async def hold(self, channel: str, update_ids: Collection[str], until: datetime) -> None:
        """Renews the hold on these updates (one statement, whatever their number)."""
        if update_ids:
            await self.session.execute(
                update(InboxRow).where(InboxRow.channel == channel, InboxRow.update_id.in_(list(update_ids))).values(held_until=until)
            )

    async def let_go(self, channel: str, since: datetime, now: datetime) -> list[InboxItem]:
        """Stored updates not yet in the update log whose hold ran out from `since` to before
        `now` (an indexed range), in the order they arrived."""
        return _items(await self.session.execute(_unhandled(channel).where(InboxRow.held_until >= since, InboxRow.held_until < now)))

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
    .on_conflict_do_nothing(index_elements=["channel", "update_id"])
    .returning(InboxRow.__table__.c.update_id)
)


def _unhandled(channel: str) -> Select[Any]:
    """The channel's stored updates not yet in the update log, in the order they arrived."""
    processed = select(ProcessedUpdate.update_id).where(ProcessedUpdate.channel == channel, ProcessedUpdate.update_id == InboxRow.update_id)
    return (
        select(InboxRow.update_id, InboxRow.chat_key, InboxRow.payload, InboxRow.held_until)
        .where(InboxRow.channel == channel, ~processed.exists())
        .order_by(InboxRow.id)
    )


def _items(rows: Result[Any]) -> list[InboxItem]:
    return [InboxItem(row.update_id, row.chat_key, row.payload, row.held_until) for row in rows]
