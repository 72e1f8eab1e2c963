"""Zalo's server-side queue of events for one bot.

Unlike Telegram there is no offset and no update_id: each getUpdates call (or webhook push)
takes the oldest undelivered event and it is gone, so a bot that crashes after fetching loses
it. Zalo does send an event again at times; `redeliver` does that on purpose, same message_id.
"""

from __future__ import annotations

import asyncio
import copy
import time
from collections import deque
from dataclasses import dataclass
from typing import Any

Payload = dict[str, Any]


@dataclass(frozen=True, eq=False)
class QueuedEvent:
    message_id: str
    payload: Payload
    """Exactly what is delivered: a bare `{event_name, message}` or the `{ok, result}` envelope."""


class ZaloUpdateQueue:
    def __init__(self) -> None:
        self._queue: deque[QueuedEvent] = deque()
        self._history: dict[str, QueuedEvent] = {}
        self._changed = asyncio.Event()
        self.closed = False

    def push(self, message_id: str, payload: Payload) -> None:
        event = QueuedEvent(message_id, payload)
        self._history[message_id] = event
        self._queue.append(event)
        self._notify()

    def redeliver(self, message_id: str) -> None:
        """Queue an event again, exactly as it was first delivered."""
        original = self._history.get(message_id)
        if original is None:
            raise KeyError(f"no event with message_id {message_id!r} was ever queued")
        self._queue.append(QueuedEvent(message_id, copy.deepcopy(original.payload)))
        self._notify()

    async def wait(self, timeout: float) -> bool:
        """Whether an event is waiting, after at most `timeout` seconds; False once closed."""
        try:
            async with asyncio.timeout(timeout):
                while not self._queue and not self.closed:
                    await self._changed.wait()
        except TimeoutError:
            return False
        return bool(self._queue) and not self.closed

    def peek(self) -> QueuedEvent:
        return self._queue[0]

    def discard(self, event: QueuedEvent) -> None:
        # A long poll opened before setWebhook may have taken the event meanwhile.
        if event in self._queue:
            self._queue.remove(event)

    def pop(self) -> QueuedEvent:
        return self._queue.popleft()

    @property
    def pending(self) -> int:
        return len(self._queue)

    def close(self) -> None:
        """End every wait now, so the server can shut down without waiting for long polls."""
        self.closed = True
        self._notify()

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()


def now_ms() -> int:
    """Zalo stamps events, sends and webhook changes in milliseconds since the epoch."""
    return int(time.time() * 1000)
