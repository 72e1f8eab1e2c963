"""Platform updates on their way in: each kept as received before the platform is told so, until a
turn has handled it, so a crash between the two loses nothing; and the log that tells an update
delivered again from a new one. The record, and what storage offers for them."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

__all__ = ["Inbox", "InboxItem", "UpdateLog"]


@dataclass(frozen=True)
class InboxItem:
    """A platform update as received: its id on the platform (opaque), the chat whose updates
    must be handled in order, and the update itself as JSON."""

    update_id: str
    chat_key: str
    payload: Mapping[str, Any]
    held_until: datetime | None = field(default=None, compare=False)
    """Until when the worker that stored it holds it (read back from the inbox; None: nobody
    does); not part of what it is."""


class UpdateLog(Protocol):
    async def claim(self, channel: str, update_id: str, now: datetime) -> bool:
        """Records a platform update; False if it was seen before (a redelivery)."""
        ...


class Inbox(Protocol):
    """Updates received but perhaps not yet handled, so a crash between the two loses nothing."""

    async def store(self, channel: str, items: Sequence[InboxItem], now: datetime, held_until: datetime | None = None) -> list[str]:
        """Keeps the updates, held by this worker until `held_until`; returns the ids not stored
        before (a refetch stores nothing twice)."""
        ...

    async def pending(self, channel: str) -> list[InboxItem]:
        """Stored updates not yet handled, in the order they arrived."""
        ...

    async def hold(self, channel: str, update_ids: Collection[str], until: datetime) -> None:
        """The worker that holds these updates renews its hold on them."""
        ...

    async def let_go(self, channel: str, since: datetime, now: datetime) -> list[InboxItem]:
        """Stored updates not yet handled whose hold ran out between `since` and `now` (an
        indexed range), in the order they arrived."""
        ...

    async def earlier_unhandled(self, channel: str, update_id: str, chat_key: str) -> list[InboxItem]:
        """The chat's updates stored before this one and not yet handled, in the order they
        arrived, each with until when its worker holds it."""
        ...

    async def mark_processed(self, channel: str, update_id: str, outcome: str, now: datetime) -> None: ...

    async def prune(self, channel: str, older_than: datetime) -> int: ...
