"""A fake Zalo user in a private chat with the bot: the test makes the user write, the server
records what the bot sends, and the chat keeps both as a log tests can wait on and read.

Events carry what live Zalo deliveries carry: opaque string ids, `date` in milliseconds,
`photo_url` (not the documented `photo`) plus `caption` and `message_type` for pictures,
`voice_url` to an .aac clip, and no content at all for `message.unsupported.received` (what
Zalo sends instead of a protected sender's message). No live sticker event has been published;
the fake follows the documented fields: the sticker's id in `sticker`, its image in `url`.
"""

from __future__ import annotations

import secrets
from typing import Any

from .log import Message, MessageLog
from .zalo_updates import ZaloUpdateQueue, now_ms

TEXT_EVENT = "message.text.received"
IMAGE_EVENT = "message.image.received"
STICKER_EVENT = "message.sticker.received"
VOICE_EVENT = "message.voice.received"
UNSUPPORTED_EVENT = "message.unsupported.received"

# Media is hosted on Zalo's CDN; these hosts never resolve, so nothing leaves the machine.
DEFAULT_PHOTO_URL = "https://photo.zalo-cdn.invalid/fake/photo.jpg"
DEFAULT_VOICE_URL = "https://voice.zalo-cdn.invalid/fake/voice.aac"
DEFAULT_STICKER = "5c8fa6d5e790bfcee681"
DEFAULT_STICKER_URL = "https://sticker.zalo-cdn.invalid/fake/sticker.webp"


class FakeZaloUser(MessageLog):
    """A person chatting with the bot in private; the chat id equals the user id."""

    def __init__(
        self,
        user_id: str,
        display_name: str,
        *,
        bot_sender: dict[str, Any],
        updates: ZaloUpdateQueue,
        wrap_in_envelope: bool,
    ) -> None:
        super().__init__(user_id)
        self.id = user_id
        self.display_name = display_name
        self.wrap_in_envelope = wrap_in_envelope
        """Deliver this chat's events as `{"ok": true, "result": event}` rather than bare, as
        Zalo's documentation shows them; live webhooks have been seen both ways."""
        # self.messages: everything the bot sent to this chat, oldest first: each has message_id
        # and date, and text, photo (+ caption) or sticker.
        self.blocked = False
        """The user blocked the bot: sends to this chat get 403 until the user writes again."""
        self._bot_sender = bot_sender
        self._updates = updates
        self._log: list[str] = []

    # --- what the test makes the user do -------------------------------------------------

    def send_text(self, text: str) -> str:
        """Write `text` to the bot; returns the message_id of the queued event."""
        return self._write(TEXT_EVENT, {"text": text}, repr(text))

    def send_image(self, url: str = DEFAULT_PHOTO_URL, caption: str | None = None, *, photo: str | None = None) -> str:
        """A picture, as live events carry it in `photo_url`; `photo` adds the documented field
        too, which need not be the same picture."""
        fields: dict[str, Any] = {"photo_url": url, "message_type": "CHAT_PHOTO"}
        if photo is not None:
            fields["photo"] = photo
        if caption is not None:
            fields["caption"] = caption
        return self._write(IMAGE_EVENT, fields, f"[image] {caption or ''}".rstrip())

    def send_sticker(self, sticker: str = DEFAULT_STICKER, url: str = DEFAULT_STICKER_URL) -> str:
        return self._write(STICKER_EVENT, {"sticker": sticker, "url": url}, "[sticker]")

    def send_voice(self, url: str = DEFAULT_VOICE_URL) -> str:
        fields = {"voice_url": url, "message_type": "CHAT_VOICE"}
        return self._write(VOICE_EVENT, fields, "[voice]")

    def send_unsupported(self) -> str:
        """Something Zalo will not show the bot; the event names no content."""
        return self._write(UNSUPPORTED_EVENT, {}, "[unsupported]")

    # --- what the test reads ------------------------------------------------------------

    def transcript(self) -> str:
        """The chat so far, one line per message, for failure messages."""
        lines = self._log or ["(nothing happened in this chat)"]
        return "\n".join(f"  {line}" for line in lines)

    # --- what the server does to the chat --------------------------------------------------

    @property
    def sender_json(self) -> dict[str, Any]:
        return {"id": self.id, "display_name": self.display_name, "is_bot": False}

    @property
    def chat_json(self) -> dict[str, Any]:
        return {"id": self.id, "chat_type": "PRIVATE"}

    def deliver(self, fields: dict[str, Any]) -> Message:
        """Add a message from the bot with `fields` (text, photo, caption, sticker)."""
        message = {"message_id": new_message_id(), "date": now_ms(), **fields}
        self._log.append(f"bot  {message['message_id']}: {_summary(fields)}")
        self.appear(message)
        return message

    def echo(self, message: Message) -> None:
        """Queue the bot's own text message as an event, as Zalo sometimes sends them back."""
        fields = {"text": message["text"]}
        self._queue_event(TEXT_EVENT, self._bot_sender, fields, message["message_id"])

    # --- internals ----------------------------------------------------------------------

    def _write(self, event_name: str, fields: dict[str, Any], summary: str) -> str:
        # Writing to the bot means the user no longer blocks it.
        self.blocked = False
        message_id = self._queue_event(event_name, self.sender_json, fields, new_message_id())
        self._log.append(f"user {message_id}: {summary}")
        return message_id

    def _queue_event(
        self, event_name: str, sender: dict[str, Any], fields: dict[str, Any], message_id: str
    ) -> str:
        message = {
            "message_id": message_id,
            "date": now_ms(),
            "from": sender,
            "chat": self.chat_json,
            **fields,
        }
        event = {"event_name": event_name, "message": message}
        payload = {"ok": True, "result": event} if self.wrap_in_envelope else event
        self._updates.push(message_id, payload)
        return message_id


def new_message_id() -> str:
    """Opaque like Zalo's: 20 hex digits that say nothing about order."""
    return secrets.token_hex(10)


def _summary(fields: dict[str, Any]) -> str:
    if "text" in fields:
        return repr(fields["text"])
    if "photo" in fields:
        return f"[photo {fields['photo']}] {fields.get('caption', '')}".rstrip()
    return f"[sticker {fields.get('sticker')}]"
