"""Telegram updates into core inputs. Only text, commands, button presses and files count."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from telegram import Message
from telegram.error import RetryAfter

from bot.base.inputs import Input, UnsupportedInput, parse_typed

__all__ = [
    "MAX_UPDATE_ID",
    "IncomingFile",
    "identify",
    "incoming_file",
    "message_input",
    "retry_seconds",
]

@dataclass(frozen=True)
class IncomingFile:
    """A photo or document still on Telegram's servers."""

    kind: str
    file_id: str
    file_unique_id: str
    size: int
    name: str | None
    mime_type: str | None


MAX_UPDATE_ID = 2**52
"""Telegram's identifiers fit in 52 bits; anything larger is no update of theirs."""
CARRIERS = ("message", "edited_message", "callback_query")


def identify(payload: Mapping[str, Any]) -> tuple[str, str] | None:
    """(update_id, chat id) of an update as JSON; None when it is not one (a webhook then
    answers 400: a 5xx would have Telegram send it again forever)."""
    update_id = payload.get("update_id")
    if not isinstance(update_id, int) or isinstance(update_id, bool) or not 0 <= update_id < MAX_UPDATE_ID:
        return None
    if any(key in payload and not isinstance(payload[key], Mapping) for key in CARRIERS):
        return None
    holder = payload.get("message") or payload.get("edited_message") or {}
    query = payload.get("callback_query")
    if isinstance(query, Mapping):
        holder = query.get("message") or {}
    chat = holder.get("chat") if isinstance(holder, Mapping) else None
    chat_id = chat.get("id") if isinstance(chat, Mapping) else None
    return str(update_id), str(chat_id) if chat_id is not None else ""


def incoming_file(message: Message) -> IncomingFile | None:
    if message.photo:
        photo = message.photo[-1]
        return IncomingFile("photo", photo.file_id, photo.file_unique_id, photo.file_size or 0, None, "image/jpeg")
    if message.document:
        doc = message.document
        return IncomingFile(
            "document", doc.file_id, doc.file_unique_id, doc.file_size or 0, doc.file_name, doc.mime_type
        )
    return None


def message_input(message: Message) -> Input:
    """Text, a command, or what kind of unsupported content it was. Files are handled apart."""
    if message.text is not None:
        return parse_typed(message.text)
    for kind in ("sticker", "voice", "audio", "video", "video_note", "location", "contact", "animation", "poll"):
        if getattr(message, kind, None):
            return UnsupportedInput(kind)
    return UnsupportedInput("other")


def retry_seconds(error: RetryAfter) -> float:
    """A 429's retry_after in seconds, whether PTB gives it as a number or a timedelta."""
    value: object = error.retry_after
    total = getattr(value, "total_seconds", None)
    return float(total()) if callable(total) else float(value)  # type: ignore[arg-type]
