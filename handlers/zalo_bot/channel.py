"""The Zalo Bot Platform channel: text and photos, no buttons, no documents.

Choices are shown as numbered lists and answered by typing (bot/plain_text.py, bot/menu.py);
commands work typed as words. Updates come one per getUpdates call (or by webhook); each is
stored in the inbox before it is handled. Zalo consumes an update when it answers getUpdates,
so the only window in which one can be lost is between that answer and the inbox write.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from collections.abc import Mapping, Sequence
from typing import Any

from bot.effects import TurnResult
from bot.events import Reply, Surface
from bot.inputs import FileInput, Input, UnsupportedInput, parse_typed
from bot.plain_text import as_plain_text
from bot.records import OutboxMessage
from bot.service import Envelope
from bot.text import split_message
from handlers.channel import (
    DELIVERED,
    TOKEN_REFUSED,
    UNREACHABLE,
    Intake,
    Outcome,
    Payload,
    Received,
    Sender,
    SendResult,
    Shared,
    StartError,
    WebhookRoute,
    secret_header_route,
)
from handlers.pacer import SendPacer
from handlers.photos import fetch_photo
from handlers.zalo_bot.client import ZaloBotClient, ZaloError, ZaloUnreachable
from handlers.zalo_bot.settings import ZaloBotSettings

__all__ = [
    "CHANNEL",
    "DEFAULT_RETRY_SECONDS",
    "DEFAULT_WEBHOOK_PATH",
    "IMAGE",
    "MAX_BACKOFF_SECONDS",
    "MESSAGE_LIMIT",
    "REPLY_ATTEMPTS",
    "SECRET_HEADER",
    "SURFACE",
    "TEXT",
    "UNSUPPORTED",
    "ZaloBotChannel",
    "event_of",
    "identify",
    "outcome_of",
    "pieces",
]

log = logging.getLogger(__name__)

CHANNEL = "zalo_bot"
SURFACE = Surface(buttons=False, documents=False)
MESSAGE_LIMIT = 2000
SECRET_HEADER = "X-Bot-Api-Secret-Token"
DEFAULT_WEBHOOK_PATH = "/zalo-bot"
TEXT = "message.text.received"
IMAGE = "message.image.received"
UNSUPPORTED = {
    "message.sticker.received": "sticker",
    "message.voice.received": "voice",
    "message.unsupported.received": "unsupported",
}
DEFAULT_RETRY_SECONDS = 5.0
REPLY_ATTEMPTS = 4
MAX_BACKOFF_SECONDS = 30.0


def event_of(payload: Payload) -> Mapping[str, Any] | None:
    """The event, whether it came bare or wrapped as `{ok, result: {...}}`."""
    if "event_name" in payload:
        return payload
    result = payload.get("result")
    if isinstance(result, Mapping) and "event_name" in result:
        return result
    return None


def identify(payload: Payload) -> tuple[str, str] | None:
    """(message id, chat id); an event without a message id is named by its content, so a
    redelivery of it is still recognised."""
    event = event_of(payload)
    if event is None:
        return None
    message = event.get("message")
    message = message if isinstance(message, Mapping) else {}
    chat = message.get("chat") if isinstance(message.get("chat"), Mapping) else {}
    sender = message.get("from") if isinstance(message.get("from"), Mapping) else {}
    message_id = message.get("message_id")
    if not isinstance(message_id, str | int) or isinstance(message_id, bool) or not str(message_id):
        message_id = "sha256:" + hashlib.sha256(json.dumps(event, sort_keys=True, default=str).encode()).hexdigest()
    chat_id = chat.get("id") or sender.get("id") or ""
    return str(message_id), str(chat_id)


class ZaloBotChannel:
    name = CHANNEL
    label = "Zalo"
    phone_senders: tuple[Sender, ...] = ()

    def __init__(self, settings: ZaloBotSettings, shared: Shared) -> None:
        assert settings.token
        self.settings = settings
        self.files_dir = shared.files_dir
        self.max_file_bytes = shared.max_file_bytes
        self.pacer = SendPacer(settings.send_rate, settings.per_chat_interval, gate=shared.gate(CHANNEL, settings.send_rate))
        self.client = ZaloBotClient(settings.api_base_url, settings.token)
        self.bot_id: str | None = None

    def invite_link(self, code: str) -> str | None:
        return None  # Zalo bots have no link that carries a code: the officer sends it

    async def start(self) -> None:
        await self.client.open()
        try:
            me = await self.client.call("getMe")
        except (ZaloError, ZaloUnreachable) as error:
            await self.client.close()  # not started, so never stopped
            if isinstance(error, ZaloUnreachable):
                raise StartError(UNREACHABLE, url=self.settings.api_base_url, setting="ZALO_BOT_API_BASE_URL") from error
            if error.code == 401:
                raise StartError(TOKEN_REFUSED, setting="ZALO_BOT_TOKEN") from error
            raise
        self.bot_id = str(me.get("id")) if isinstance(me, Mapping) and me.get("id") else None
        log.info("Zalo bot %s ready", self.bot_id)

    async def stop(self) -> None:
        await self.client.close()

    # ----- receiving -------------------------------------------------------------------------

    def identify(self, payload: Payload) -> tuple[str, str] | None:
        return identify(payload)

    async def receive(self, intake: Intake) -> None:
        """Long polling, one update a call; 408 means "nothing came", anything else backs off."""
        await self.client.call("deleteWebhook")  # getUpdates is refused while a webhook is set
        failures = 0
        timeout = self.settings.poll_timeout
        while True:
            try:
                update = await self.client.call("getUpdates", {"timeout": str(timeout)}, timeout=timeout + 10)
                failures = 0
            except ZaloError as error:
                if error.code == 408:
                    continue
                failures += 1
                delay = error.retry_after or min(MAX_BACKOFF_SECONDS, 0.5 * 2**failures)
                log.warning("getUpdates refused (%s); retrying in %.1f s", error, delay)
                await asyncio.sleep(delay)
                continue
            except ZaloUnreachable as error:
                failures += 1
                delay = min(MAX_BACKOFF_SECONDS, 0.5 * 2**failures)
                log.warning("getUpdates failed (%s); retrying in %.1f s", error, delay)
                await asyncio.sleep(delay)
                continue
            if isinstance(update, Mapping) and update:
                await intake.take([update])

    def webhook(self) -> WebhookRoute | None:
        """Zalo sends the secret given with setWebhook, as it is, in a header of every call."""
        return secret_header_route(self.settings.webhook_url, self.settings.webhook_secret, SECRET_HEADER, DEFAULT_WEBHOOK_PATH)

    async def announce_webhook(self) -> None:
        await self.client.call("setWebhook", {"url": self.settings.webhook_url, "secret_token": self.settings.webhook_secret})
        log.info("Zalo posts updates to %s", self.settings.webhook_url)

    async def parse(self, payload: Payload) -> Received | None:
        event = event_of(payload)
        if event is None:
            return None
        name = event.get("event_name")
        message = event.get("message") if isinstance(event.get("message"), Mapping) else {}
        sender = message.get("from") if isinstance(message.get("from"), Mapping) else {}
        chat = message.get("chat") if isinstance(message.get("chat"), Mapping) else {}
        if sender.get("is_bot") or (self.bot_id is not None and str(sender.get("id")) == self.bot_id):
            return None  # the bot's own message, echoed back
        if chat.get("chat_type") not in (None, "PRIVATE"):
            log.info("ignored a %s event from a %s chat", name, chat.get("chat_type"))
            return None
        received = await self.read_input(str(name), message)
        if received is None:
            return None
        update_id, chat_id = identify(payload) or ("", "")
        envelope = Envelope(
            channel=CHANNEL,
            chat_id=chat_id,
            input=received,
            update_id=update_id,
            user_id=str(sender.get("id")) if sender.get("id") else None,
            display_name=str(sender.get("display_name") or ""),
            surface=SURFACE,
        )
        return Received(envelope)

    async def read_input(self, name: str, message: Mapping[str, Any]) -> Input | None:
        if name == TEXT:
            return parse_typed(str(message.get("text") or ""), bare_words=True)
        if name == IMAGE:
            url = message.get("photo") or message.get("photo_url")
            if not isinstance(url, str) or not url:
                log.warning("an image event without a photo URL: %.300r", message)
                return UnsupportedInput("image")
            return FileInput(await fetch_photo(url, self.files_dir, CHANNEL, self.max_file_bytes))
        if name in UNSUPPORTED:
            log.info("a %s from chat %s, which no question takes", UNSUPPORTED[name], (message.get("chat") or {}).get("id"))
            return UnsupportedInput(UNSUPPORTED[name])
        log.warning("ignored an unknown Zalo event %r: %.300r", name, message)
        return None

    # ----- answering -------------------------------------------------------------------------

    async def render(self, chat_id: str, response: TurnResult, context: Any = None) -> None:
        for piece in pieces(response.replies, response.locale):
            await self.reply(chat_id, piece)
            self.pacer.note(chat_id)

    async def reply(self, chat_id: str, text: str) -> None:
        """A message someone is waiting for: a 429 is waited out, a timeout or 5xx tried again, a
        few times, before giving up (the answer itself is saved either way)."""
        for attempt in range(1, REPLY_ATTEMPTS + 1):
            try:
                await self.client.call("sendMessage", {"chat_id": chat_id, "text": text})
                return
            except (ZaloError, ZaloUnreachable) as error:
                result = outcome_of(error) if isinstance(error, ZaloError) else SendResult(Outcome.TRANSIENT)
                if result.outcome not in (Outcome.THROTTLED, Outcome.TRANSIENT) or attempt == REPLY_ATTEMPTS:
                    raise
                delay = result.retry_after or 0.5 * 2**attempt
                log.info("reply to chat %s not sent (%s); again in %.1f s", chat_id, error, delay)
                await asyncio.sleep(delay)

    async def send(self, message: OutboxMessage) -> SendResult:
        """One outbox message, each piece paced; Zalo's refusals as the ledger names them."""
        try:
            for piece in pieces([message.reply], message.locale):
                await self.pacer.acquire(message.chat_id)
                await self.client.call("sendMessage", {"chat_id": message.chat_id, "text": piece})
        except ZaloError as error:
            return outcome_of(error)
        except ZaloUnreachable as error:
            return SendResult(Outcome.TRANSIENT, detail=str(error))
        return DELIVERED


def pieces(replies: Sequence[Reply], locale: str) -> list[str]:
    """A turn's replies as the messages they become: one text (with nothing to press, there is
    no reason to keep them apart), choices numbered, cut at 2000 characters where it reads best."""
    for reply in replies:
        if reply.attachment is not None:
            log.warning("a file (%s) cannot be sent over the Zalo bot; its text is sent alone", reply.attachment.name)
    return split_message("\n\n".join(as_plain_text(reply, locale) for reply in replies), MESSAGE_LIMIT)


def outcome_of(error: ZaloError) -> SendResult:
    """What a refusal means for the ledger. Zalo documents only the codes; 403 is taken as the
    person having blocked the bot, 404 as a chat the bot may not open."""
    detail = str(error)
    if error.code == 429:
        return SendResult(Outcome.THROTTLED, error.retry_after or DEFAULT_RETRY_SECONDS, detail)
    if error.code == 403:
        return SendResult(Outcome.BLOCKED, detail=detail)
    if error.code == 404:
        return SendResult(Outcome.NEVER_STARTED, detail=detail)
    if error.code == 408 or error.code >= 500:
        return SendResult(Outcome.TRANSIENT, detail=detail)
    return SendResult(Outcome.FAILED, detail=detail)
