"""A fake Telegram user in a private chat with the bot: the test drives the user, the server
records what the bot sends, and the chat keeps both as a log tests can wait on and read."""

from __future__ import annotations

import asyncio
import copy
import time
from itertools import count
from pathlib import PurePosixPath
from typing import Any

from ..waiting import EVENT_CEILING
from .content import utf16_length
from .files import FileStore, StoredFile
from .log import Message, MessageLog
from .updates import UpdateQueue

PHOTO_SIZE = {"width": 1280, "height": 960}
"""Photos are not decoded, so every photo claims one plausible size."""


class FakeUser(MessageLog):
    """A person chatting with the bot in private; the chat id equals the user id."""

    def __init__(
        self,
        user_id: int,
        first_name: str,
        language_code: str,
        *,
        bot_user: dict[str, Any],
        updates: UpdateQueue,
        files: FileStore,
    ) -> None:
        super().__init__(user_id)
        self.id = user_id
        self.first_name = first_name
        self.language_code = language_code
        # self.messages: everything the bot sent to this chat, oldest first, with later edits applied.
        self.callback_answers: list[dict[str, Any]] = []
        """Parameters of the bot's answerCallbackQuery calls for this user's button presses."""
        self.forbidden: str | None = None
        """The 403 description calls for this chat get instead (blocked, never started)."""
        self.last_activity = time.monotonic()
        self._bot_user = bot_user
        self._updates = updates
        self._files = files
        self._message_ids = count(1)
        self._query_ids = count(1)
        self._by_id: dict[int, Message] = {}
        self._open_queries: set[str] = set()
        self._log: list[str] = []

    # --- what the test makes the user do -------------------------------------------------

    def send_text(self, text: str) -> int:
        """Write `text` to the bot; returns the update_id of the queued message update."""
        return self._send({"text": text})

    def send_command(self, command: str, args: str = "") -> int:
        """Send `/command args` with the bot_command entity CommandHandler looks for."""
        name = "/" + command.removeprefix("/")
        entity = {"type": "bot_command", "offset": 0, "length": utf16_length(name)}
        return self._send({"text": f"{name} {args}" if args else name, "entities": [entity]})

    def send_photo(self, data: bytes, caption: str | None = None) -> int:
        stored = self._files.add(data, "photos", "jpg")
        return self._send({"photo": [photo_size(stored)]}, caption)

    def send_document(
        self, data: bytes, file_name: str, mime_type: str, caption: str | None = None, file_unique_id: str | None = None
    ) -> int:
        """A document; `file_unique_id` replaces the one the server gave (a forged update)."""
        extension = PurePosixPath(file_name).suffix.lstrip(".")[:8] or "bin"
        stored = self._files.add(
            data, "documents", extension, file_name=file_name, mime_type=mime_type
        )
        sent = document(stored)
        if file_unique_id is not None:
            sent["file_unique_id"] = file_unique_id
        return self._send({"document": sent}, caption)

    def send_raw(self, fields: dict[str, Any]) -> int:
        """A message with exactly these fields (a poll, say, shaped as some Bot API version sends it)."""
        return self._send(fields)

    def send_sticker(self, emoji: str = "👍") -> int:
        stored = self._files.add(b"RIFF\x00\x00\x00\x00WEBP", "stickers", "webp")
        sticker = {
            **stored.meta(),
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
        }
        return self._send({"sticker": sticker})

    def send_voice(self, duration: int = 1) -> int:
        stored = self._files.add(b"OggS\x00", "voice", "oga", mime_type="audio/ogg")
        voice = {**stored.meta(), "duration": duration, "mime_type": "audio/ogg"}
        return self._send({"voice": voice})

    def press(self, button: str) -> int:
        """Press `button` (visible text or exact callback_data) on the newest bot message that
        has an inline keyboard; returns the update_id of the queued callback_query update."""
        for message in reversed(self.messages):
            if "reply_markup" in message:
                return self._press(message, button)
        raise LookupError(f"no bot message with an inline keyboard\n{self.transcript()}")

    def press_data(self, message_id: int, data: str) -> int:
        """A press carrying `data` on that message, whether or not a button has it (a forged update)."""
        message = self.bot_message(message_id)
        if message is None:
            raise LookupError(f"no bot message #{message_id}\n{self.transcript()}")
        return self._push_press(message, data, f"data {data!r}")

    def expire_presses(self) -> None:
        """Every press not answered yet has become too old to answer (Telegram allows ~15 s)."""
        self._open_queries.clear()

    def press_on(self, message_id: int, button: str) -> int:
        """Press `button` on a specific, possibly older, bot message."""
        message = self.bot_message(message_id)
        if message is None:
            raise LookupError(f"no bot message #{message_id}\n{self.transcript()}")
        return self._press(message, button)

    # --- what the test reads ------------------------------------------------------------

    @property
    def actions(self) -> int:
        """How many messages the user sent and buttons they pressed: what a report costs them."""
        return sum(1 for line in self._log if line.startswith("user "))

    async def wait_until_idle(self, quiet: float = 0.3) -> None:
        """Wait until the bot has taken all of this user's updates and has not touched the chat
        for `quiet` seconds, i.e. it is done reacting to what the user did."""
        deadline = time.monotonic() + EVENT_CEILING
        while True:
            now = time.monotonic()
            quiet_for = now - self.last_activity
            pending = self._updates.pending_for(self.id)
            if not pending and quiet_for >= quiet:
                return
            if now >= deadline:
                raise TimeoutError(
                    f"user {self.id}: chat still busy after {EVENT_CEILING:.0f} s "
                    f"({pending} updates unconfirmed)\n{self.transcript()}"
                )
            await asyncio.sleep(min(max(quiet - quiet_for, 0.01), deadline - now))

    def last_keyboard_buttons(self) -> list[str]:
        """Button texts of the newest bot message with an inline keyboard, row by row."""
        for message in reversed(self.messages):
            if "reply_markup" in message:
                return [button["text"] for row in _rows(message) for button in row]
        return []

    def transcript(self) -> str:
        """The chat so far, one line per event, for failure messages."""
        lines = self._log or ["(nothing happened in this chat)"]
        return "\n".join(f"  {line}" for line in lines)

    # --- what the server does to the chat --------------------------------------------------

    @property
    def user_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "is_bot": False,
            "first_name": self.first_name,
            "language_code": self.language_code,
        }

    @property
    def chat_json(self) -> dict[str, Any]:
        return {"id": self.id, "type": "private", "first_name": self.first_name}

    def deliver(self, fields: dict[str, Any]) -> Message:
        """Add a message from the bot with `fields` (text, photo, reply_markup...)."""
        message = self._new_message(self._bot_user, fields)
        self.appear(message)
        self._record(f"bot  #{message['message_id']}: {_summary(message)}")
        return message

    def bot_message(self, message_id: int) -> Message | None:
        message = self._by_id.get(message_id)
        return message if message and message["from"]["id"] == self._bot_user["id"] else None

    def has_message(self, message_id: int) -> bool:
        return message_id in self._by_id

    def note_edit(self, message: Message, shown_anew: bool = False) -> None:
        message["edit_date"] = int(time.time())
        if shown_anew:
            self.appear(message, new=False)
        self._record(f"bot edited #{message['message_id']}: {_summary(message)}")

    def answer_callback(self, query_id: str, params: dict[str, Any]) -> bool:
        """Record the bot's answer; False if the query is not this user's or already answered."""
        if query_id not in self._open_queries:
            return False
        self._open_queries.remove(query_id)
        self.callback_answers.append(params)
        self._record(f"bot answered press: {params.get('text', '')!r}")
        return True

    def touch(self) -> None:
        """The bot did something for this chat, so it is not idle yet."""
        self.last_activity = time.monotonic()

    # --- internals ----------------------------------------------------------------------

    def _send(self, fields: dict[str, Any], caption: str | None = None) -> int:
        # Writing to the bot means the user has (re)started it, as in Telegram.
        self.forbidden = None
        if caption is not None:
            fields["caption"] = caption
        message = self._new_message(self.user_json, fields)
        self._log.append(f"user #{message['message_id']}: {_summary(message)}")
        return self._push("message", message)

    def _press(self, message: Message, button: str) -> int:
        buttons = [b for row in _rows(message) for b in row]
        chosen = next((b for b in buttons if b["text"] == button), None) or next(
            (b for b in buttons if b.get("callback_data") == button), None
        )
        if chosen is None or "callback_data" not in chosen:
            raise LookupError(
                f"no callback button {button!r} on bot message #{message['message_id']}\n"
                f"{self.transcript()}"
            )
        return self._push_press(message, chosen["callback_data"], repr(chosen["text"]))

    def _push_press(self, message: Message, data: str, summary: str) -> int:
        query_id = f"{self.id}-{next(self._query_ids)}"
        self._open_queries.add(query_id)
        query = {
            "id": query_id,
            "from": self.user_json,
            "message": copy.deepcopy(message),
            "chat_instance": f"chat-{self.id}",
            "data": data,
        }
        self._log.append(f"user pressed {summary} on #{message['message_id']}")
        return self._push("callback_query", query)

    def _push(self, kind: str, payload: dict[str, Any]) -> int:
        self.touch()
        return self._updates.push(self.id, kind, payload)

    def _new_message(self, sender: dict[str, Any], fields: dict[str, Any]) -> Message:
        message = {
            "message_id": next(self._message_ids),
            "from": sender,
            "chat": self.chat_json,
            "date": int(time.time()),
            **fields,
        }
        self._by_id[message["message_id"]] = message
        return message

    def _record(self, line: str) -> None:
        self._log.append(line)
        self.touch()
        self.changed()


def photo_size(stored: StoredFile) -> dict[str, Any]:
    return {**stored.meta(), **PHOTO_SIZE}


def document(stored: StoredFile) -> dict[str, Any]:
    extra = {"file_name": stored.file_name, "mime_type": stored.mime_type}
    return {**stored.meta(), **{key: value for key, value in extra.items() if value}}


def _rows(message: Message) -> list[list[dict[str, Any]]]:
    rows: list[list[dict[str, Any]]] = message.get("reply_markup", {}).get("inline_keyboard", [])
    return rows


def _summary(message: Message) -> str:
    if "text" in message:
        body = repr(message["text"])
    else:
        kind = next((k for k in ("photo", "document", "sticker", "voice") if k in message), "?")
        name = message.get("document", {}).get("file_name")
        body = f"[{kind}{' ' + name if name else ''}]"
        body += f" {message['caption']!r}" if "caption" in message else ""
    rows = _rows(message)
    if rows:
        body += "  " + " / ".join(" | ".join(f"[{b['text']}]" for b in row) for row in rows)
    return body
