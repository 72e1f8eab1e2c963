"""How a Bot API call arrives over HTTP, decoded into plain Python values.

PTB sends application/x-www-form-urlencoded, or multipart/form-data when it uploads a file;
string values go as they are and every other value is JSON-encoded, so the server has to know
which parameters hold JSON. Telegram also takes query strings and JSON bodies; so does the fake.
"""

from __future__ import annotations

import json
from typing import Any, NamedTuple

from aiohttp import web

Params = dict[str, Any]

JSON_FIELDS = frozenset(
    {
        "chat_id", "message_id", "offset", "limit", "timeout", "allowed_updates",
        "reply_markup", "commands", "scope", "entities", "caption_entities",
        "link_preview_options", "reply_parameters", "reply_to_message_id",
        "message_thread_id", "drop_pending_updates", "disable_notification",
        "protect_content", "allow_sending_without_reply", "disable_web_page_preview",
        "show_alert", "cache_time", "has_spoiler", "show_caption_above_media",
        "disable_content_type_detection", "allow_paid_broadcast",
    }
)  # fmt: skip
"""Parameters whose form value is JSON; everything else (text, caption, file ids) is a string."""


class Upload(NamedTuple):
    """A file part of a multipart request, as it appears in the decoded parameters."""

    file_name: str
    content_type: str
    data: bytes


async def read_params(request: web.Request) -> Params:
    """The call's parameters with JSON-encoded values decoded and uploads read."""
    if request.content_type == "application/json":
        return dict(await request.json())
    fields = {**request.query, **(await request.post())}
    params = {key: _decode(key, value) for key, value in fields.items()}
    for key, value in list(params.items()):
        # "attach://<name>" points at the multipart part called <name>.
        if isinstance(value, str) and value.startswith("attach://"):
            params[key] = params.pop(value.removeprefix("attach://"), value)
    return params


def chat_id_of(params: Params) -> int | None:
    """The numeric chat a call targets; @channel usernames do not exist in the fake."""
    chat_id = params.get("chat_id")
    return chat_id if isinstance(chat_id, int) and not isinstance(chat_id, bool) else None


def _decode(key: str, value: str | bytes | bytearray | web.FileField) -> Any:
    if isinstance(value, web.FileField):
        return Upload(value.filename, value.content_type, value.file.read())
    text = value if isinstance(value, str) else bytes(value).decode()
    if key in JSON_FIELDS:
        try:
            return json.loads(text)
        except ValueError:
            return text
    return text
