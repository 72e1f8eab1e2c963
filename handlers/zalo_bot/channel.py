"""The Zalo Bot Platform channel: text and photos, no buttons, no documents.

Choices are shown as numbered lists and answered by typing (bot/base/plain_text.py, bot/base/menu.py);
commands work typed as words. Updates come one per getUpdates call (polling.py) or by webhook;
each is stored in the inbox before it is handled. Where Zalo consumes an update when it answers
getUpdates, the only window in which one can be lost is between that answer and the inbox write.

A refused token (401, or a 403 that getMe confirms) is the operator's to mend: the
administrators are told, and outbox messages wait for it instead of marking people as having
blocked the bot.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from collections.abc import Mapping, Sequence
from typing import Any

from bot.base.effects import TurnResult
from bot.base.events import Reply, Surface
from bot.base.i18n import N_
from bot.base.inputs import FileInput, Input, UnsupportedInput, parse_typed
from bot.base.outbox import OutboxMessage
from bot.base.plain_text import as_plain_text
from bot.base.records import BotEntrance
from bot.base.text import split_message, utf16_length
from bot.service import Envelope
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
    object_at,
    secret_header_route,
)
from handlers.pacer import SendPacer
from handlers.photos import fetch_photo
from handlers.retrying import with_retries
from handlers.zalo_bot.client import ZaloBotClient, ZaloError, ZaloUnreachable, not_sent
from handlers.zalo_bot.polling import Poller
from handlers.zalo_bot.settings import ZaloBotSettings

__all__ = [
    "CHANNEL",
    "CHAT_ID_LENGTH",
    "DEFAULT_RETRY_SECONDS",
    "DEFAULT_WEBHOOK_PATH",
    "IMAGE",
    "MESSAGE_LIMIT",
    "SECRET_HEADER",
    "SURFACE",
    "TEXT",
    "TOKEN_RECHECK_SECONDS",
    "TOKEN_REFUSED_ALERT",
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
TOKEN_RECHECK_SECONDS = 60.0
"""How long outbox messages wait after Zalo refused the token before they are tried again."""
CHAT_ID_LENGTH = 64
"""The longest chat id kept (storage's chats.chat_id); Zalo's are 16 to 20 characters."""
UPDATE_ID_LENGTH = 128
"""The longest message id taken as the update's id (storage's update log); longer ones, like
ids that are not text, are replaced by a digest of the event."""
TOKEN_WORDS = ("unauthori", "token", "authenticat")
"""Words of a 403's description that name the bot's own access rather than the person."""
TOKEN_REFUSED_ALERT = N_(
    "⚠️ Zalo refused the Zalo bot's token ({detail}). Nothing can be sent through the Zalo bot; messages wait and go out once "
    "it is accepted again. If the token was reset, put the new one in ZALO_BOT_TOKEN and restart the bot."
)


def event_of(payload: Payload) -> Mapping[str, Any] | None:
    """The event, whether it came bare or wrapped as `{ok, result: {...}}`."""
    if "event_name" in payload:
        return payload
    result = payload.get("result")
    if isinstance(result, Mapping) and "event_name" in result:
        return result
    return None


def identify(payload: Payload) -> tuple[str, str] | None:
    """(message id, chat id); None for an event without a chat id that is a non-empty string
    of at most 64 characters, which no chat could answer (the webhook refuses it, polling drops
    it, and nothing is stored). An event without a usable message id is named by its content,
    so a redelivery of it is still recognised."""
    event = event_of(payload)
    if event is None:
        return None
    message = event.get("message")
    chat = message.get("chat") if isinstance(message, Mapping) else None
    chat_id = chat.get("id") if isinstance(chat, Mapping) else None
    if not isinstance(chat_id, str) or not chat_id.strip() or len(chat_id) > CHAT_ID_LENGTH:
        return None
    assert isinstance(message, Mapping)
    message_id = message.get("message_id")
    if isinstance(message_id, int) and not isinstance(message_id, bool):
        message_id = str(message_id)
    if not isinstance(message_id, str) or not message_id or len(message_id) > UPDATE_ID_LENGTH:
        message_id = "sha256:" + hashlib.sha256(json.dumps(event, sort_keys=True, default=str).encode()).hexdigest()
    return message_id, chat_id


class ZaloBotChannel:
    name = CHANNEL
    label = "Zalo"
    phone_senders: tuple[Sender, ...] = ()

    def __init__(self, settings: ZaloBotSettings, shared: Shared) -> None:
        assert settings.token
        self.settings = settings
        self.files_dir = shared.files_dir
        self.max_file_bytes = shared.max_file_bytes
        self.pacer = SendPacer(
            settings.send_rate, settings.per_chat_interval, gate=shared.gate(CHANNEL, settings.send_rate),
            counted=shared.meter(CHANNEL, self.label, settings.quota),
        )
        self.client = ZaloBotClient(settings.api_base_url, settings.token, settings.request_timeout)
        self.alert = shared.alert
        self.token_alerted = False
        """The administrators were told of a refused token, and no call has succeeded since."""
        self.poller = Poller(self.client, identify, settings.poll_timeout, self.tell_token_refused)
        self.bot_id: str | None = None

    def invite_link(self, code: str) -> str | None:
        return None  # Zalo bots have no link that carries a code: the officer sends it

    def entrance(self) -> BotEntrance:
        """The bot's name and link as ZALO_BOT_NAME and ZALO_BOT_LINK give them; without them the
        sheet still says that on Zalo the code is sent to the bot."""
        return BotEntrance(self.label, self.settings.name or "", self.settings.link or "")

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
        await self.poller.run(intake)

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
        message = object_at(event, "message")
        sender = object_at(message, "from")
        chat = object_at(message, "chat")
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
            # Live events carry photo_url (OpenClaw moved to it from live traffic); the
            # documentation's photo is the fallback.
            url = next((value for key in ("photo_url", "photo") if isinstance(value := message.get(key), str) and value), None)
            if url is None:
                log.warning("an image event without a photo URL: %.300r", message)
                return UnsupportedInput("image")
            caption = message.get("caption")
            stored = await fetch_photo(url, self.files_dir, CHANNEL, self.max_file_bytes)
            return FileInput(stored, caption=caption if isinstance(caption, str) else "")
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
        """A message someone is waiting for, tried again only where Zalo cannot have acted on it
        (the request never left, or a 429): after a timeout or a 5xx it may have arrived, and a
        late copy would show an old question last. The answer is saved either way, and the
        person's next message shows the current question."""

        async def send() -> None:
            try:
                await self.call("sendMessage", {"chat_id": chat_id, "text": text})
            except ZaloError as error:
                if error.code == 429 and error.retry_after:
                    await asyncio.sleep(error.retry_after)  # Zalo's own wait, before the retry's
                raise

        try:
            await with_retries(send, not_sent, f"reply to Zalo chat {chat_id}", sent=text)
        except ZaloError as error:
            if error.code in (401, 403):
                await self.refusal(error)  # a refused token is told to the administrators
            raise

    async def send(self, message: OutboxMessage) -> SendResult:
        """One outbox message, each piece paced; Zalo's refusals as the ledger names them."""
        try:
            for piece in pieces([message.reply], message.locale):
                await self.pacer.acquire(message.chat_id)
                await self.call("sendMessage", {"chat_id": message.chat_id, "text": piece})
        except ZaloError as error:
            return await self.refusal(error)
        except ZaloUnreachable as error:
            return SendResult(Outcome.TRANSIENT, detail=str(error))
        return DELIVERED

    async def call(self, method: str, params: Mapping[str, Any]) -> Any:
        """A call of the client; one that succeeds shows the token is accepted again."""
        result = await self.client.call(method, params)
        self.token_alerted = False
        return result

    async def refusal(self, error: ZaloError) -> SendResult:
        """What a refused send means. 401 is a refused token. A 403 is the person having blocked
        the bot unless it is the token: OpenClaw reads 403 as a refused token too, so a 403
        whose description does not name the token is checked with getMe, which a refused token
        fails as well."""
        if error.code == 403 and not any(word in error.description.lower() for word in TOKEN_WORDS):
            try:
                await self.client.call("getMe")
            except ZaloError as check:
                if check.code not in (401, 403):
                    return SendResult(Outcome.TRANSIENT, detail=f"{error}; getMe: {check}")
            except ZaloUnreachable as check:
                return SendResult(Outcome.TRANSIENT, detail=f"{error}; getMe: {check}")
            else:
                return outcome_of(error)
        elif error.code not in (401, 403):
            return outcome_of(error)
        await self.tell_token_refused(error)
        return SendResult(Outcome.THROTTLED, TOKEN_RECHECK_SECONDS, f"token refused: {error}")

    async def tell_token_refused(self, error: ZaloError) -> None:
        """Logs a refused token and tells the administrators, once until a call succeeds again."""
        log.error("Zalo refused the bot's token (%s): outbox messages wait %.0f s at a time", error, TOKEN_RECHECK_SECONDS)
        if self.token_alerted:
            return
        self.token_alerted = True
        try:
            await self.alert(f"{CHANNEL}/token-refused", TOKEN_REFUSED_ALERT, {"detail": str(error)})
        except Exception:
            log.exception("could not tell the administrators that Zalo refused the bot's token")


def pieces(replies: Sequence[Reply], locale: str) -> list[str]:
    """A turn's replies as the messages they become: one text (with nothing to press, there is
    no reason to keep them apart), choices numbered, cut where it reads best to Zalo's 2000
    characters, counted in UTF-16 code units as OpenClaw does (the stricter reading)."""
    for reply in replies:
        if reply.attachment is not None:
            log.warning("a file (%s) cannot be sent over the Zalo bot; its text is sent alone", reply.attachment.name)
    return split_message("\n\n".join(as_plain_text(reply, locale) for reply in replies), MESSAGE_LIMIT, utf16_length)


def outcome_of(error: ZaloError) -> SendResult:
    """What a refusal means for the ledger, once a refused token is ruled out (`refusal`). Zalo
    documents only the codes; 403 is taken as the person having blocked the bot, 404 as a chat
    the bot may not open (the person never wrote to it)."""
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
