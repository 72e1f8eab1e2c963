"""What a fake platform's user has received, as a log a test can wait on: shared by the
Telegram and the Zalo fakes."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

Message = dict[str, Any]


class MessageLog:
    """The bot's messages to one chat, oldest first, and a cursor over them for waiting."""

    def __init__(self, chat_id: object) -> None:
        self.chat_id = chat_id
        self.messages: list[Message] = []
        self._cursor = 0
        self._changed = asyncio.Event()

    def changed(self) -> None:
        """Something happened in the chat: wake whoever waits on it."""
        self._changed.set()
        self._changed = asyncio.Event()

    def transcript(self) -> str:
        raise NotImplementedError

    async def wait_for_message(
        self, predicate: Callable[[Message], bool] | None = None, timeout: float = 5.0
    ) -> Message:
        """The next bot message after the last one this method returned (a cursor); with a
        predicate, the next matching one, skipping the others. The dict stays live: later edits
        show up in it."""
        deadline = time.monotonic() + timeout
        while True:
            while self._cursor < len(self.messages):
                message = self.messages[self._cursor]
                self._cursor += 1
                if predicate is None or predicate(message):
                    return message
            changed = self._changed
            remaining = deadline - time.monotonic()
            try:
                if remaining <= 0:
                    raise TimeoutError
                await asyncio.wait_for(changed.wait(), remaining)
            except TimeoutError:
                raise TimeoutError(
                    f"user {self.chat_id}: no new bot message within {timeout}s\n{self.transcript()}"
                ) from None
