"""What each Zalo Bot API method does to the fake Zalo world.

HTTP, the token, injected faults and flood limits are the server's business (zalo_bot_api.py);
by the time a handler here runs, the call has been admitted and only Zalo's own rules remain.
Only private chats exist: Zalo's groups are an internal beta.
"""

from __future__ import annotations

import copy
from collections.abc import Awaitable, Callable
from typing import Any

from .zalo_chat import FakeZaloUser, Message
from .zalo_errors import ZaloApiError, bad_request
from .zalo_updates import Payload, ZaloUpdateQueue
from .zalo_webhook import ZaloWebhookPusher

Params = dict[str, Any]
Handler = Callable[[Params], Awaitable[Any]]
"""Returns the answer's `result`, or None for an answer that has none (sendChatAction)."""

TEXT_LENGTHS = range(1, 2001)
"""Text and captions: 1 to 2000 characters, counted in UTF-16 code units as OpenClaw cuts them
(an emoji outside the BMP counts 2): the stricter of the two possible readings."""
SECRET_LENGTHS = range(8, 257)
CHAT_ACTIONS = frozenset({"typing"})
"""Zalo lists upload_photo as "coming soon"."""
DEFAULT_POLL_TIMEOUT = 30.0

# Zalo documents a code for each of these cases but no wording; these descriptions are made up.
WEBHOOK_IS_SET = "getUpdates is not available while a webhook is set"
UNKNOWN_CHAT = "Not Found: chat not found"
BLOCKED = "Forbidden: the user has blocked the bot"


class ZaloBotMethods:
    """The served methods, over the users, event queue and webhook the server owns."""

    def __init__(
        self,
        bot_info: dict[str, Any],
        users: dict[str, FakeZaloUser],
        updates: ZaloUpdateQueue,
        webhook: ZaloWebhookPusher,
    ) -> None:
        self._bot_info = bot_info
        self._users = users
        self._updates = updates
        self._webhook = webhook
        self.echo_own_messages = False
        self.webhook_info_404 = False
        """Answer getWebhookInfo 404 while no webhook is set, as zalo-bot-mcp measured."""
        self.replay_consumed = False
        """Answer an idle getUpdates at once with the last event again, as zalo-bot-mcp measured."""
        self._last_event: Payload | None = None

    def handlers(self) -> dict[str, Handler]:
        """Handlers by method name; Zalo matches names case-sensitively."""
        return {
            "getMe": self.get_me,
            "getUpdates": self.get_updates,
            "setWebhook": self.set_webhook,
            "deleteWebhook": self.delete_webhook,
            "getWebhookInfo": self.get_webhook_info,
            "sendMessage": self.send_message,
            "sendPhoto": self.send_photo,
            "sendSticker": self.send_sticker,
            "sendChatAction": self.send_chat_action,
        }

    async def get_me(self, params: Params) -> dict[str, Any]:
        return dict(self._bot_info)

    async def get_updates(self, params: Params) -> Payload:
        """One event per call, gone once handed out; 408 when none came within `timeout` (or,
        replaying, the last event again at once)."""
        if self._webhook.url:
            raise bad_request(WEBHOOK_IS_SET)
        if self.replay_consumed and self._last_event is not None and not self._updates.pending:
            return copy.deepcopy(self._last_event)
        if not await self._updates.wait(_poll_timeout(params)):
            raise ZaloApiError(408, "Request timeout")
        self._last_event = self._updates.pop().payload
        return self._last_event

    async def set_webhook(self, params: Params) -> dict[str, Any]:
        """Zalo wants a public HTTPS URL; the fake takes any http(s) URL so tests can listen
        on 127.0.0.1."""
        url, secret = params.get("url"), params.get("secret_token")
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise bad_request("url must be an http(s) URL")
        if not isinstance(secret, str) or len(secret) not in SECRET_LENGTHS:
            raise bad_request("secret_token must be 8 to 256 characters")
        self._webhook.set(url, secret)
        return self._webhook_info()

    async def delete_webhook(self, params: Params) -> dict[str, Any]:
        self._webhook.delete()
        return self._webhook_info()

    async def get_webhook_info(self, params: Params) -> dict[str, Any]:
        if self.webhook_info_404 and not self._webhook.url:
            raise ZaloApiError(404, "Not Found")
        return self._webhook_info()

    async def send_message(self, params: Params) -> dict[str, Any]:
        user = self._chat(params)
        message = user.deliver({"text": _text(params, "text")})
        if self.echo_own_messages:
            user.echo(message)
        return _sent(message)

    async def send_photo(self, params: Params) -> dict[str, Any]:
        """Zalo fetches the picture itself, so `photo` is a URL, never an upload."""
        user = self._chat(params)
        photo = params.get("photo")
        if not isinstance(photo, str) or not photo.startswith(("http://", "https://")):
            raise bad_request("photo must be an http(s) URL")
        fields = {"photo": photo}
        if params.get("caption") is not None:
            fields["caption"] = _text(params, "caption")
        return _sent(user.deliver(fields))

    async def send_sticker(self, params: Params) -> dict[str, Any]:
        user = self._chat(params)
        sticker = params.get("sticker")
        if not isinstance(sticker, str) or not sticker:
            raise bad_request("sticker is required")
        return _sent(user.deliver({"sticker": sticker}))

    async def send_chat_action(self, params: Params) -> None:
        self._chat(params)
        if params.get("action") not in CHAT_ACTIONS:
            raise bad_request("action must be typing")

    def _chat(self, params: Params) -> FakeZaloUser:
        chat_id = chat_id_of(params)
        if chat_id is None:
            raise bad_request("chat_id must be a non-empty string")
        user = self._users.get(chat_id)
        if user is None:
            raise ZaloApiError(404, UNKNOWN_CHAT)
        if user.blocked:
            raise ZaloApiError(403, BLOCKED)
        return user

    def _webhook_info(self) -> dict[str, Any]:
        return {"url": self._webhook.url, "updated_at": self._webhook.updated_at}


def chat_id_of(params: Params) -> str | None:
    """The chat a call targets; Zalo's ids are opaque strings, so a number names no chat."""
    chat_id = params.get("chat_id")
    return chat_id if isinstance(chat_id, str) and chat_id else None


def _poll_timeout(params: Params) -> float:
    """Zalo documents `timeout` as a string of seconds and clients send both "30" and 30."""
    raw = params.get("timeout", DEFAULT_POLL_TIMEOUT)
    try:
        timeout = float(raw)
    except (TypeError, ValueError):
        raise bad_request("timeout must be a number of seconds") from None
    return max(timeout, 0.0)


def _text(params: Params, field: str) -> str:
    value = params.get(field)
    if not isinstance(value, str) or len(value.encode("utf-16-le")) // 2 not in TEXT_LENGTHS:
        raise bad_request(f"{field} must be 1 to 2000 characters")
    return value


def _sent(message: Message) -> dict[str, Any]:
    return {"message_id": message["message_id"], "date": message["date"]}
