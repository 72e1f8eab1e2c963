"""What a fake platform's user has received, as a log a test can wait on: shared by the
Telegram and the Zalo fakes."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from ..waiting import EVENT_CEILING

Message = dict[str, Any]


class MessageLog:
    """The bot's messages to one chat, oldest first, and a cursor over them for waiting."""

    def __init__(self, chat_id: object) -> None:
        self.chat_id = chat_id
        self.messages: list[Message] = []
        self.appearances: list[Message] = []
        """What the person saw appear, in order: each new message, and a message again each
        time the bot edited what it says (a reply given in place of the pressed question)."""
        self._cursor = 0
        self._changed = asyncio.Event()

    def appear(self, message: Message, new: bool = True) -> None:
        """The bot sent `message` (new) or changed what it says; wakes whoever waits."""
        if new:
            self.messages.append(message)
        self.appearances.append(message)
        self.changed()

    def changed(self) -> None:
        """Something happened in the chat: wake whoever waits on it."""
        self._changed.set()
        self._changed = asyncio.Event()

    def transcript(self) -> str:
        raise NotImplementedError

    async def wait_for_message(
        self, predicate: Callable[[Message], bool] | None = None, timeout: float = EVENT_CEILING
    ) -> Message:
        """The next bot message (new, or edited to say something new) after the last one this
        method returned (a cursor); with a predicate, the next matching one, skipping the others.
        The dict stays live: later edits show up in it."""
        deadline = time.monotonic() + timeout
        while True:
            while self._cursor < len(self.appearances):
                message = self.appearances[self._cursor]
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
