"""Telegram's server-side update queue, as a bot sees it through getUpdates long polling.

Updates stay queued until the bot confirms them by asking for a higher offset, so a bot that
crashes between fetching and confirming gets them again; redeliver() forces that on purpose.
"""

from __future__ import annotations

import asyncio
import bisect
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

NOT_SENT_BY_DEFAULT = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
"""Update types Telegram only sends when they are named in allowed_updates."""


@dataclass(order=True)
class _Queued:
    update_id: int
    update: dict[str, Any] = field(compare=False)
    user_id: int = field(compare=False)
    forced: bool = field(default=False, compare=False)
    """A redelivery: handed out once even though the bot's offset is already past it."""
    handed_out: bool = field(default=False, compare=False)

    @property
    def kind(self) -> str:
        return next(key for key in self.update if key != "update_id")


class UpdateQueue:
    def __init__(self, on_progress: Callable[[int], None]) -> None:
        """`on_progress(user_id)` runs when a user's update is handed out or confirmed."""
        self._on_progress = on_progress
        self._queue: list[_Queued] = []
        self._history: dict[int, _Queued] = {}
        self._next_id = 1
        self._allowed: frozenset[str] | None = None
        self._changed = asyncio.Event()
        self._closed = False
        self.confirmed_offset = 0
        """Every update with a lower id has been confirmed by the bot."""

    def push(self, user_id: int, kind: str, payload: dict[str, Any]) -> int:
        update_id = self._next_id
        self._next_id += 1
        queued = _Queued(update_id, {"update_id": update_id, kind: payload}, user_id)
        self._history[update_id] = queued
        self._queue.append(queued)
        self._notify()
        return update_id

    def redeliver(self, update_id: int) -> None:
        """Queue an already confirmed update again with the same id, as Telegram does after a
        bot failed to confirm it; it is handed out even though the offset is past it."""
        original = self._history.get(update_id)
        if original is None:
            raise KeyError(f"no update {update_id} was ever queued")
        if any(queued.update_id == update_id for queued in self._queue):
            raise ValueError(f"update {update_id} is still pending; confirm it first")
        bisect.insort(
            self._queue, _Queued(update_id, original.update, original.user_id, forced=True)
        )
        self._notify()

    def drop_pending(self) -> None:
        """deleteWebhook(drop_pending_updates=True)."""
        self._queue.clear()

    @property
    def pending(self) -> int:
        return len(self._queue)

    def pending_for(self, user_id: int) -> int:
        return sum(queued.user_id == user_id for queued in self._queue)

    async def get(
        self,
        *,
        offset: int | None,
        limit: int,
        timeout: float,
        allowed_updates: Iterable[str] | None,
    ) -> list[dict[str, Any]]:
        """getUpdates: confirm below `offset`, then wait up to `timeout` s for updates."""
        if allowed_updates is not None:
            self._allowed = frozenset(allowed_updates) or None
        if offset is not None and offset > 0:
            self._confirm(offset)
        deadline = time.monotonic() + timeout
        while True:
            batch = self._take(limit)
            remaining = deadline - time.monotonic()
            if batch or self._closed or remaining <= 0:
                return batch
            changed = self._changed
            try:
                await asyncio.wait_for(changed.wait(), remaining)
            except TimeoutError:
                return []

    def close(self) -> None:
        """End every long poll now, so the server can shut down without waiting for timeouts."""
        self._closed = True
        self._notify()

    def _confirm(self, offset: int) -> None:
        self.confirmed_offset = max(self.confirmed_offset, offset)
        kept = []
        for queued in self._queue:
            if queued.update_id >= offset or (queued.forced and not queued.handed_out):
                kept.append(queued)
            else:
                self._on_progress(queued.user_id)
        self._queue = kept

    def _take(self, limit: int) -> list[dict[str, Any]]:
        self._queue = [queued for queued in self._queue if self._is_allowed(queued.kind)]
        batch = self._queue[:limit]
        for queued in batch:
            queued.handed_out = True
            self._on_progress(queued.user_id)
        return [queued.update for queued in batch]

    def _is_allowed(self, kind: str) -> bool:
        if self._allowed is None:
            return kind not in NOT_SENT_BY_DEFAULT
        return kind in self._allowed

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()
