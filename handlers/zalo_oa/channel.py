"""The Zalo Official Account channel: a province's verified account, over the OA Open API.

Updates come only by webhook (Zalo signs each; handlers/zalo_oa/webhook.py), are stored in the
inbox before Zalo is answered, and are handled after. Replies are consultation messages with
up to four buttons (render.py); files the bot produces go out as Zalo files (PDF, Word) or
pictures, anything else as a download link. Every call carries the access token the keeper
holds (tokens.py): refused as invalid or expired, it is renewed and the call made once more.

A send Zalo refuses because the person has not written to the OA for 7 days (or for 48 hours,
or the OA's replies to them are used up) is recorded as outside the window; the outbox sender
then sends the reminder on by the next way (bot/reminders/rerouting.py): another chat, or ZNS (zns.py) to
the person's phone. A send refused because the OA's quota is spent waits, and the
administrators are told once a day.

What a person sends: text, pictures and files (several in one event are one update each) are
the core's input; stickers, voice, video, locations, links without text and the like are
answered with what can be sent.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timezone
from functools import partial
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from bot.base.effects import TurnResult
from bot.base.events import Attachment, Reply, Surface
from bot.base.i18n import N_, translations
from bot.base.inputs import (
    CommandInput,
    ContactInput,
    FileInput,
    Input,
    UnsupportedInput,
    parse_typed,
    spends_code,
)
from bot.base.outbox import OutboxMessage
from bot.base.records import BotEntrance
from bot.delivery.usage import Quota
from bot.reminders.plan import outside_quiet_hours
from bot.service import Envelope
from handlers.channel import (
    DELIVERED,
    Intake,
    Outcome,
    Payload,
    Received,
    Sender,
    SendResult,
    Shared,
    StartError,
    WebhookRoute,
)
from handlers.folding import folded
from handlers.pacer import SendPacer
from handlers.photos import fetch_document, fetch_photo
from handlers.retrying import with_retries
from handlers.zalo_oa.client import OaClient, OaError, OaUnreachable, TokenPair
from handlers.zalo_oa.render import MESSAGE_LIMIT, OaMessage, oa_messages, pressed
from handlers.zalo_oa.settings import ZaloOaSettings
from handlers.zalo_oa.tokens import TokenKeeper, TokensUnavailable
from handlers.zalo_oa.webhook import (
    EventKind,
    OaEvent,
    identity_of,
    is_url_check,
    read_event,
    signature_valid,
    unpacked,
)
from handlers.zalo_oa.zns import ZNS_CHANNEL, ZnsSender

__all__ = ["CHANNEL", "FILE_LIMIT", "IMAGE_LIMIT", "SURFACE", "ZaloOaChannel", "outcome_of"]

log = logging.getLogger(__name__)

T = TypeVar("T")

CHANNEL = "zalo_oa"
SURFACE = Surface(buttons=True, documents=True)
FILE_TYPES = frozenset({
    "application/pdf",
    "application/msword",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
})  # fmt: skip
FILE_LIMIT = 5 * 1024 * 1024
IMAGE_LIMIT = 1024 * 1024
TOKEN_REFUSED_CODES = frozenset({-216, -220, -124})
"""Invalid, expired (the OA API), and ZNS's one code for both."""
RATE_LIMITED = -32
NOT_FOLLOWER = -213
OUTSIDE_WINDOW_CODES = frozenset({-230, -232, -227, -305, -311})
"""No interaction for 7 days (-230, -232), or none on Zalo at all for 45 (-227); no reply after
48 hours (-305), or the replies to this person's messages used up (-311)."""
OA_QUOTA_SPENT = -211
"""The OA's quota is used up: every send waits."""
RECEIVING_QUOTA_SPENT = -218
"""Out of quota for receiving: perhaps this person's alone, so only this message waits."""
QUOTA_CODES = frozenset({OA_QUOTA_SPENT, RECEIVING_QUOTA_SPENT})
"""What only a person can mend (the OA's package): the administrators are told."""
QUOTA_WAIT = 3600.0
NIGHT = -234
ZALO_ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
"""Whose night Zalo means."""
RATE_LIMIT_WAIT = 60.0
WEBHOOK_ONLY = N_("the Zalo Official Account receives only through its webhook: run baocao run --webhook")
NO_FILE_TYPE = N_(
    "“{name}” cannot be sent through the Zalo Official Account, which takes only PDF and Word files up to 5 MB and pictures "
    "up to 1 MB: export it in another messenger linked to your account (/lienket)."
)
DOWNLOAD = N_("Download “{name}” within an hour: {link}")
QUOTA_SPENT = N_(
    "⚠️ Zalo refused to send a message of the Official Account: its quota is used up ({detail}). "
    "Messages wait and are tried again every hour; check the account's package and quotas on Zalo."
)
CARD_TITLE = N_("Share your phone number")
CARD_SUBTITLE = N_("So that deadline reminders still reach you when Zalo does not let the account write to you.")


def platform_now() -> datetime:
    """Zalo's time, for signatures and tokens: the real clock, whatever the business clock says."""
    return datetime.now(timezone.utc)


class ZaloOaChannel:
    name = CHANNEL
    label = "Zalo OA"

    def __init__(self, settings: ZaloOaSettings, shared: Shared) -> None:
        assert settings.configured and settings.app_id and settings.app_secret and settings.secret_key
        assert shared.credentials is not None, "the OA keeps its tokens in the database"
        self.settings = settings
        self.app_id, self.app_secret, self.secret_key = settings.app_id, settings.app_secret, settings.secret_key
        self.shared = shared
        self.pacer = SendPacer(
            settings.send_rate, settings.per_chat_interval, gate=shared.gate(CHANNEL, settings.send_rate),
            counted=shared.meter(CHANNEL, self.label, Quota(settings.monthly_quota)),
        )
        self.client = OaClient(settings.api_base_url, settings.oauth_base_url, settings.zns_base_url, settings.timeout_seconds)
        self.tokens = TokenKeeper(self.app_id, shared.credentials, self.refresh, shared.alert, settings.refresh_token)
        self.phone_senders: tuple[Sender, ...] = ()
        if settings.zns_template_id:
            counted = shared.meter(ZNS_CHANNEL, ZnsSender.label, Quota(settings.zns_monthly_budget))
            self.phone_senders = (ZnsSender(self.client, self.authorised, settings.zns_template_id, settings.send_rate, counted),)

    def invite_link(self, code: str) -> str | None:
        return None  # an OA has no link that carries a code: the officer sends it

    def entrance(self) -> BotEntrance | None:
        return None

    async def refresh(self, refresh_token: str, now: datetime) -> TokenPair:
        return await self.client.refresh(self.app_id, self.app_secret, refresh_token, now)

    async def start(self) -> None:
        """Opens the client and makes sure of a token; without one the channel still receives
        (and stores) updates, and replies wait until an administrator authorises the OA."""
        await self.client.open()
        try:
            await self.tokens.access_token()
        except TokensUnavailable as error:
            log.error("Zalo OA %s: no access token yet (%s); replies wait until it is authorised", self.app_id, error)
        log.info("Zalo OA %s ready", self.app_id)

    async def stop(self) -> None:
        await self.client.close()

    async def authorised(self, call: Callable[[str], Awaitable[T]]) -> T:
        """`call` with the access token; refused as invalid or expired, once more with a renewed one."""
        token = await self.tokens.access_token()
        try:
            return await call(token)
        except OaError as error:
            if error.code not in TOKEN_REFUSED_CODES:
                raise
            log.info("Zalo OA: the access token was refused (%s); renewing it", error.code)
            return await call((await self.tokens.renew(token)).access_token)

    # ----- receiving -------------------------------------------------------------------------

    def identify(self, payload: Payload) -> tuple[str, str] | None:
        return identity_of(payload)

    async def receive(self, intake: Intake) -> None:
        raise StartError(WEBHOOK_ONLY)

    def webhook(self) -> WebhookRoute:
        def authentic(headers: Any, body: bytes) -> bool:
            return signature_valid(headers, body, self.app_id, self.secret_key, platform_now())

        return WebhookRoute(self.settings.webhook_path, authentic, refusal_status=401, url_check=is_url_check, updates=unpacked)

    async def announce_webhook(self) -> None:
        """An OA's webhook is set on Zalo's developer site, not through the API: this says where."""
        log.info("Zalo OA %s: its webhook must point at this server's %s (set on developers.zalo.me)", self.app_id, self.settings.webhook_path)

    async def parse(self, payload: Payload) -> Received | None:
        event = read_event(payload)
        if event is None:
            return None  # the OA's echo of its own message, or an event the bot does not use
        received = await self.read_input(event)
        if received is None:
            return None
        envelope = Envelope(
            channel=CHANNEL, chat_id=event.user_id, input=received, update_id=event.message_id, user_id=event.user_id,
            display_name=await self.name_of(event.user_id) if spends_code(received) else "", surface=SURFACE,
        )  # fmt: skip
        return Received(envelope, context=event.kind)

    async def name_of(self, user_id: str) -> str:
        """The follower's Zalo name, for the person a code makes of them; "" if Zalo will not say."""
        try:
            return await self.authorised(lambda token: self.client.display_name(token, user_id))
        except (OaError, OaUnreachable, TokensUnavailable) as error:
            log.warning("Zalo OA: no name for %s (%s)", user_id, error)
            return ""

    async def read_input(self, event: OaEvent) -> Input | None:
        match event.kind:
            case EventKind.TEXT:
                return pressed(event.text) or parse_typed(event.text, bare_words=True)
            case EventKind.FOLLOW:
                return CommandInput("start")  # the welcome, which says how to link
            case EventKind.SUBMIT_INFO:
                return ContactInput(event.phone)
            case EventKind.IMAGE if event.image_urls:
                return FileInput(await fetch_photo(event.image_urls[0], self.shared.files_dir, CHANNEL, self.shared.max_file_bytes))
            case EventKind.FILE if event.file is not None:
                url, name = event.file.url, event.file.name
                return FileInput(await fetch_document(url, name, self.shared.files_dir, CHANNEL, self.shared.max_file_bytes))
            case EventKind.IMAGE | EventKind.FILE:
                log.warning("a Zalo OA %s event without a URL from %s", event.kind, event.user_id)
                return UnsupportedInput(event.kind.name.lower())
            case EventKind.UNSUPPORTED:
                log.info("Zalo OA: a %s from %s, which no question takes", event.what, event.user_id)
                return UnsupportedInput(event.what)
        log.info("Zalo OA: %s unfollowed the account", event.user_id)
        return None

    # ----- answering -------------------------------------------------------------------------

    async def render(self, chat_id: str, response: TurnResult, context: Any = None) -> None:
        """The turn's replies; after a follow, the card that asks for the person's phone too."""
        for reply in folded(response.replies, lambda text: len(text) <= MESSAGE_LIMIT):
            for body in await self.bodies(reply, response.locale):
                await self.reply(chat_id, body)
                self.pacer.note(chat_id)
        if context is EventKind.FOLLOW and self.settings.card_image_url:
            await self.reply(chat_id, self.phone_card(response.locale))
            self.pacer.note(chat_id)

    async def reply(self, user_id: str, body: dict[str, Any]) -> None:
        """A message someone waits for: tried again only where Zalo cannot have acted on it
        (handlers/retrying.py)."""
        try:
            await with_retries(
                lambda: self.authorised(lambda token: self.client.send(token, user_id, body)), transient,
                f"Zalo OA reply to {user_id}", sent=str(body.get("text") or body.get("attachment", "")),
            )  # fmt: skip
        except OaError as error:
            await self.alert_quota(error)
            raise

    async def send(self, message: OutboxMessage) -> SendResult:
        """One outbox message, each part paced; Zalo's refusals as the ledger names them."""
        try:
            for body in await self.bodies(message.reply, message.locale):
                await self.pacer.acquire(message.chat_id)
                await self.authorised(partial(self.client.send, user_id=message.chat_id, message=body))
        except OaError as error:
            await self.alert_quota(error)
            return outcome_of(error, platform_now())
        except OaUnreachable as error:
            return SendResult(Outcome.TRANSIENT, detail=str(error))
        except TokensUnavailable as error:
            return SendResult(Outcome.THROTTLED, error.retry_after, f"no access token: {error}")
        return DELIVERED

    async def bodies(self, reply: Reply, locale: str) -> list[dict[str, Any]]:
        """The `message` of each call a reply becomes: its texts, then its file (uploaded now)."""
        messages = oa_messages(reply, locale)
        if reply.attachment is not None:
            sent, note = await self.attachment(reply.attachment, locale)
            if note:
                messages.append(OaMessage(note))
            return [message.body() for message in messages] + ([sent] if sent else [])
        return [message.body() for message in messages]

    async def attachment(self, attachment: Attachment, locale: str) -> tuple[dict[str, Any] | None, str]:
        """The file as a Zalo message, or else a note with a download link or why none comes."""
        path = Path(attachment.path)
        size = (await asyncio.to_thread(path.stat)).st_size
        if attachment.media_type.startswith("image/") and size <= IMAGE_LIMIT:
            data = await self.authorised(lambda token: self.client.upload(token, "image", path, attachment.name, attachment.media_type))
            media = {"template_type": "media", "elements": [{"media_type": "image", "attachment_id": data["attachment_id"]}]}
            return {"attachment": {"type": "template", "payload": media}}, ""
        if attachment.media_type in FILE_TYPES and size <= FILE_LIMIT:
            data = await self.authorised(lambda token: self.client.upload(token, "file", path, attachment.name, attachment.media_type))
            return {"attachment": {"type": "file", "payload": {"token": data["token"]}}}, ""
        _ = translations(locale).gettext
        if self.shared.download_link is not None:
            return None, _(DOWNLOAD).format(name=attachment.name, link=self.shared.download_link(attachment))
        return None, _(NO_FILE_TYPE).format(name=attachment.name)

    async def alert_quota(self, error: OaError) -> None:
        """The administrators told, once a day, when Zalo refuses for a spent quota."""
        if error.code in QUOTA_CODES:
            log.error("Zalo OA %s: out of quota (%s); messages wait %.0f s", self.app_id, error, QUOTA_WAIT)
            await self.shared.alert(f"{CHANNEL}:{self.app_id}/quota{error.code}", QUOTA_SPENT, {"detail": str(error)})

    def phone_card(self, locale: str) -> dict[str, Any]:
        _ = translations(locale).gettext
        element = {"title": _(CARD_TITLE), "subtitle": _(CARD_SUBTITLE), "image_url": self.settings.card_image_url}
        return {"attachment": {"type": "template", "payload": {"template_type": "request_user_info", "elements": [element]}}}


def transient(error: BaseException) -> bool:
    """Whether Zalo cannot have acted on the call: the request never left, or its rate limit."""
    if isinstance(error, OaUnreachable):
        return not error.may_have_acted
    return isinstance(error, OaError) and error.code == RATE_LIMITED


def outcome_of(error: OaError, now: datetime) -> SendResult:
    """What a refusal means for the ledger."""
    detail = str(error)
    if error.code == RATE_LIMITED:
        return SendResult(Outcome.THROTTLED, RATE_LIMIT_WAIT, detail)
    if error.code == NIGHT:  # not at night: everyone waits for the morning (the bot's quiet hours end later)
        return SendResult(Outcome.THROTTLED, (outside_quiet_hours(now, ZALO_ZONE) - now).total_seconds() or RATE_LIMIT_WAIT, detail)
    if error.code in OUTSIDE_WINDOW_CODES:
        return SendResult(Outcome.OUTSIDE_WINDOW, detail=detail)
    if error.code == OA_QUOTA_SPENT:
        return SendResult(Outcome.THROTTLED, QUOTA_WAIT, detail)
    if error.code == RECEIVING_QUOTA_SPENT:
        return SendResult(Outcome.TRANSIENT, QUOTA_WAIT, detail)
    if error.code == NOT_FOLLOWER:
        return SendResult(Outcome.NEVER_STARTED, detail=detail)
    return SendResult(Outcome.FAILED, detail=detail)
