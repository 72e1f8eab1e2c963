"""The Telegram channel: python-telegram-bot's Bot over HTTP, behind the channel protocol.

The core decides everything; this module only reads updates, downloads files, shows replies
(after the service has committed) and sends outbox messages, mapping Telegram's errors to the
ledger's outcomes.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeChat,
    CallbackQuery,
    InlineKeyboardMarkup,
    InputFile,
    Update,
)
from telegram._utils.types import JSONDict
from telegram.error import (
    BadRequest,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.ext import AIORateLimiter, ExtBot
from telegram.request import HTTPXRequest

from bot.base.answers import StoredFile
from bot.base.commands import REPORTER_COMMANDS, CommandSpec
from bot.base.effects import TurnResult
from bot.base.events import Reply
from bot.base.i18n import SUPPORTED_LOCALES, translations
from bot.base.inputs import FileInput, Input
from bot.base.outbox import OutboxMessage
from bot.base.records import BotEntrance, Role
from bot.service import Envelope
from bot.supervision import SUPERVISOR_COMMANDS
from handlers.button_data import parse_button_data
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
from handlers.folding import folded
from handlers.pacer import BudgetGate, SendPacer
from handlers.photos import safe_suffix
from handlers.retrying import with_retries
from handlers.telegram.failures import never_sent, outcome_unknown
from handlers.telegram.parse import (
    IncomingFile,
    identify,
    incoming_file,
    message_input,
    retry_seconds,
)
from handlers.telegram.polling import TelegramPoller
from handlers.telegram.render import (
    MESSAGE_LIMIT,
    keyboard,
    pieces,
    pressed_label,
    utf16_length,
)
from handlers.telegram.settings import TelegramSettings

__all__ = ["ALLOWED_UPDATES", "CHANNEL", "DEFAULT_WEBHOOK_PATH", "SECRET_HEADER", "TelegramChannel", "menu"]

log = logging.getLogger(__name__)

CHANNEL = "telegram"
ALLOWED_UPDATES = ["message", "callback_query"]
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
DEFAULT_WEBHOOK_PATH = "/telegram"


class TelegramChannel:
    name = CHANNEL
    label = "Telegram"
    phone_senders: tuple[Sender, ...] = ()

    def __init__(self, settings: TelegramSettings, shared: Shared) -> None:
        assert settings.token
        self.settings = settings
        self.files_dir = shared.files_dir
        self.max_file_bytes = shared.max_file_bytes
        self.username = settings.bot_username
        # Replies go through PTB's limiter (a person waits for them); outbox messages through a
        # bot of their own, paced by the pacer alone, so no second limiter sits on top. Where
        # workers share the budget, both take their calls from it too: the outbox only while
        # fewer than its own rate were made in the second, so replies always find room.
        self.pacer = SendPacer(
            settings.send_rate, settings.per_chat_interval, gate=shared.gate(CHANNEL, settings.send_rate),
            counted=shared.meter(CHANNEL, self.label),
        )
        gate = shared.gate(CHANNEL, settings.reply_rate)
        self.bot = ExtBot(
            settings.token,
            base_url=settings.api_base_url,
            base_file_url=settings.file_base_url,
            rate_limiter=BudgetedRateLimiter(gate, overall_max_rate=settings.reply_rate, max_retries=20),
            request=HTTPXRequest(connect_timeout=settings.connect_timeout, read_timeout=settings.read_timeout),
        )
        self.broadcaster = Bot(settings.token, settings.api_base_url, settings.file_base_url)

    def invite_link(self, code: str) -> str | None:
        return f"https://t.me/{self.username}?start={code}" if self.username else None

    def entrance(self) -> BotEntrance | None:
        return None  # the deep link above carries the code

    async def start(self) -> None:
        """Asks Telegram who the bot is and sets its menus; a StartError names the setting to fix
        when the token is refused or the Bot API cannot be reached."""
        try:
            await self.bot.initialize()
            await self.broadcaster.initialize()
            self.username = self.username or self.bot.username
            await self.register_commands()
        except InvalidToken as error:
            raise StartError(TOKEN_REFUSED, setting="TELEGRAM_BOT_TOKEN") from error
        except NetworkError as error:
            raise StartError(UNREACHABLE, url=self.settings.api_base_url, setting="TELEGRAM_API_BASE_URL") from error

    async def stop(self) -> None:
        await self.broadcaster.shutdown()
        await self.bot.shutdown()

    async def register_commands(self) -> None:
        """The reporters' menu in each language; Vietnamese is the default for any other."""
        for locale in SUPPORTED_LOCALES:
            await self.bot.set_my_commands(
                menu(locale, REPORTER_COMMANDS), language_code=None if locale == SUPPORTED_LOCALES[0] else locale
            )

    async def set_menu(self, chat_id: int, roles: frozenset[Role]) -> None:
        """A supervisor's chat gets the supervisor commands too; nobody else sees them."""
        if roles <= {Role.REPORTER}:
            return
        for locale in SUPPORTED_LOCALES:
            await self.bot.set_my_commands(
                menu(locale, (*SUPERVISOR_COMMANDS, *REPORTER_COMMANDS)),
                scope=BotCommandScopeChat(chat_id),
                language_code=None if locale == SUPPORTED_LOCALES[0] else locale,
            )

    # ----- receiving -------------------------------------------------------------------------

    def identify(self, payload: Payload) -> tuple[str, str] | None:
        return identify(payload)

    async def receive(self, intake: Intake) -> None:
        await TelegramPoller(self.bot, intake, ALLOWED_UPDATES).run()

    def webhook(self) -> WebhookRoute | None:
        """Telegram sends the secret given with setWebhook in a header of every call."""
        return secret_header_route(self.settings.webhook_url, self.settings.webhook_secret, SECRET_HEADER, DEFAULT_WEBHOOK_PATH)

    async def announce_webhook(self) -> None:
        await self.bot.set_webhook(
            self.settings.webhook_url or "", secret_token=self.settings.webhook_secret, allowed_updates=ALLOWED_UPDATES
        )
        log.info("Telegram posts updates to %s", self.settings.webhook_url)

    async def parse(self, payload: Payload) -> Received | None:
        update = Update.de_json(dict(payload), self.bot)
        chat, user = update.effective_chat, update.effective_user
        if chat is None or user is None or chat.type != "private":
            return None
        query = update.callback_query
        if query is not None:
            try:
                await query.answer()  # only stops the button's spinner: never worth losing the press
            except TelegramError as error:
                log.info("could not answer callback query %s: %s", query.id, error)
        received = await self.read_input(update)
        if received is None:
            return None
        envelope = Envelope(
            channel=CHANNEL,
            chat_id=str(chat.id),
            input=received,
            update_id=str(update.update_id),
            user_id=str(user.id),
            display_name=user.full_name,
            language_code=user.language_code,
        )
        return Received(envelope, context=update)

    async def read_input(self, update: Update) -> Input | None:
        query = update.callback_query
        if query is not None:
            return parse_button_data(query.data or "")
        message = update.message
        if message is None:
            return None
        incoming = incoming_file(message)
        if incoming is not None:
            return FileInput(await self.download(incoming))
        return message_input(message)

    async def download(self, incoming: IncomingFile) -> StoredFile:
        """Keeps our own copy of a file; one over the size limit is passed on without a copy."""
        stored = StoredFile(
            kind=incoming.kind,
            ref=incoming.file_id,
            size=incoming.size,
            name=incoming.name,
            mime_type=incoming.mime_type,
            channel=CHANNEL,
        )
        if incoming.size > self.max_file_bytes:
            return stored
        try:
            remote = await self.bot.get_file(incoming.file_id)
            suffix = safe_suffix(incoming.name or remote.file_path or "") or (".jpg" if incoming.kind == "photo" else "")
            target = self.files_dir / CHANNEL / f"{secrets.token_hex(12)}{suffix}"  # never a name the platform chose
            target.parent.mkdir(parents=True, exist_ok=True)
            await remote.download_to_drive(target)
        except BadRequest as error:
            log.warning("could not download file %s: %s", incoming.file_id, error)
            return stored
        return StoredFile(
            kind=stored.kind,
            ref=stored.ref,
            size=target.stat().st_size,
            name=stored.name,
            mime_type=stored.mime_type,
            path=str(target),
            channel=CHANNEL,
        )

    # ----- answering -------------------------------------------------------------------------

    async def render(self, chat_id: str, response: TurnResult, context: Any = None) -> None:
        """The replies, acknowledgements folded into what follows them. A press answered by one
        message with buttons is answered in place: the pressed message becomes the reply (one
        call, not an edit and a send); otherwise the pressed message's buttons are closed."""
        replies = folded(response.replies, lambda text: utf16_length(text) <= MESSAGE_LIMIT)
        pressed = context.callback_query if isinstance(context, Update) else None
        if pressed is not None and replies and pressed.message is not None:
            if await self.answered_in_place(pressed, replies):
                replies = []
                self.pacer.note(chat_id)
            else:
                await self.close_keyboard(context)
        for reply in replies:
            for text, markup in pieces(reply):
                await with_retries(lambda: self.bot.send_message(int(chat_id), text, reply_markup=markup), never_sent, f"reply to chat {chat_id}", sent=text)  # noqa: B023 (awaited at once)
                self.pacer.note(chat_id)
            if reply.attachment is not None:
                await with_retries(lambda: self.attach(self.bot, int(chat_id), reply), never_sent, f"file to chat {chat_id}", sent=reply.text)  # noqa: B023
                self.pacer.note(chat_id)
        if response.menu_roles is not None:
            await self.set_menu(int(chat_id), response.menu_roles)

    @staticmethod
    async def answered_in_place(pressed: CallbackQuery, replies: list[Reply]) -> bool:
        """Whether the one reply (with buttons, no file) replaced the pressed message: an edit
        that may have landed counts, lest the reply come a second time as a new message."""
        reply = replies[0]
        if len(replies) > 1 or not reply.buttons or reply.attachment is not None or utf16_length(reply.text) > MESSAGE_LIMIT:
            return False
        try:
            await with_retries(
                lambda: pressed.edit_message_text(reply.text, reply_markup=keyboard(reply)), never_sent, f"answer to press {pressed.id}", sent=reply.text
            )
        except TelegramError as error:
            if outcome_unknown(error):
                return True
            # too old to edit, say: it is sent as a new message instead
            log.info("could not answer press %s in place: %s", pressed.id, error)
            return False
        return True

    async def close_keyboard(self, update: Update) -> None:
        """Removes the pressed message's buttons and notes the choice, so it cannot be pressed twice."""
        query = update.callback_query
        assert query is not None and query.message is not None
        message = query.message
        markup = getattr(message, "reply_markup", None)
        label = pressed_label(markup if isinstance(markup, InlineKeyboardMarkup) else None, query.data or "")
        text = getattr(message, "text", None)
        try:
            if label and text and utf16_length(f"{text}\n\n➜ {label}") <= MESSAGE_LIMIT:
                await query.edit_message_text(f"{text}\n\n➜ {label}", reply_markup=None)
            else:
                await query.edit_message_reply_markup(reply_markup=None)
        except TelegramError as error:  # cosmetic: the reply goes out whatever happened here
            log.info("could not close keyboard of message %s: %s", message.message_id, error)

    async def attach(self, bot: Bot, chat_id: int, reply: Reply) -> None:
        """Sends the file a reply carries, after its text (the caller paces it). The file goes
        from disk a chunk at a time as the socket takes it (httpx reads 64 KB at a time, each
        read a few microseconds of the event loop): a province's workbook, read whole, then
        copied into the socket's buffer, added 53-68 MB to the worker (bench/file_upload.py)."""
        attachment = reply.attachment
        if attachment is None:
            return
        wait = self.settings.file_timeout
        content = await asyncio.to_thread(Path(attachment.path).open, "rb")
        with content:
            upload = InputFile(content, filename=attachment.name, read_file_handle=False)
            if attachment.media_type.startswith("image/"):  # a chart: shown in the chat, not as a file to open
                await bot.send_photo(chat_id, upload, read_timeout=wait, write_timeout=wait)
            else:
                await bot.send_document(chat_id, upload, read_timeout=wait, write_timeout=wait)

    async def send(self, message: OutboxMessage) -> SendResult:
        """One outbox message, each piece paced; Telegram's refusals as the ledger names them."""
        try:
            for text, markup in pieces(message.reply):
                await self.pacer.acquire(message.chat_id)
                await self.broadcaster.send_message(int(message.chat_id), text, reply_markup=markup)
            if message.reply.attachment is not None:
                await self.pacer.acquire(message.chat_id)
                await self.attach(self.broadcaster, int(message.chat_id), message.reply)
        except RetryAfter as error:
            return SendResult(Outcome.THROTTLED, retry_seconds(error), "429 Too Many Requests")
        except Forbidden as error:
            refused = Outcome.BLOCKED if "blocked" in str(error).lower() else Outcome.NEVER_STARTED
            return SendResult(refused, detail=str(error))
        except BadRequest as error:
            return SendResult(Outcome.FAILED, detail=str(error))
        except (TimedOut, NetworkError) as error:
            return SendResult(Outcome.TRANSIENT, detail=str(error))
        return DELIVERED


class BudgetedRateLimiter(AIORateLimiter):
    """PTB's limiter for this worker; before each chat-bound call, a slot of the budget the
    workers share, where they share one."""

    def __init__(self, gate: BudgetGate | None, **limits: Any) -> None:
        super().__init__(**limits)
        self.gate = gate

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | JSONDict | list[JSONDict]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | JSONDict | list[JSONDict]:
        if self.gate is not None and data.get("chat_id") is not None:
            await self.gate.acquire()
        return await super().process_request(callback, args, kwargs, endpoint, data, rate_limit_args)


def menu(locale: str, specs: tuple[CommandSpec, ...]) -> list[BotCommand]:
    _ = translations(locale).gettext
    return [BotCommand(spec.name, _(spec.description)) for spec in specs]
