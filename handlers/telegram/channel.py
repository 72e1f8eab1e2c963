"""The Telegram channel: a python-telegram-bot Application whose one handler feeds the core.

The core decides everything; this module only downloads files, calls the service, and shows
the replies after the service has committed.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from pathlib import Path

from telegram import BotCommand, BotCommandScopeChat, Update
from telegram.error import BadRequest, TelegramError
from telegram.ext import AIORateLimiter, Application, ContextTypes, TypeHandler

from bot.answers import StoredFile
from bot.commands import REPORTER_COMMANDS, SUPERVISOR_COMMANDS, CommandSpec
from bot.events import Delivery, Reply
from bot.i18n import SUPPORTED_LOCALES, translations
from bot.inputs import FileInput, Input
from bot.ports import Role
from bot.service import Envelope, ReportingService
from bot.text import utf16_length
from handlers.ratelimit import SendPacer
from handlers.telegram.parse import (
    CHANNEL,
    IncomingFile,
    chat_key,
    incoming_file,
    message_input,
    parse_callback_data,
)
from handlers.telegram.render import MESSAGE_LIMIT, pieces, pressed_label

log = logging.getLogger(__name__)

ALLOWED_UPDATES = ["message", "callback_query"]


class TelegramChannel:
    def __init__(
        self,
        service: ReportingService,
        token: str,
        api_base_url: str,
        file_base_url: str,
        files_dir: Path,
        max_file_bytes: int,
        on_failure: Callable[[int], Awaitable[None]] | None = None,
        pacer: SendPacer | None = None,
    ) -> None:
        self.service = service
        self.files_dir = files_dir
        self.max_file_bytes = max_file_bytes
        self.on_failure = on_failure  # records an update that failed, so no restart retries it
        self.pacer = pacer or SendPacer()
        self.application: Application = (
            Application.builder()
            .token(token)
            .base_url(api_base_url)
            .base_file_url(file_base_url)
            .rate_limiter(AIORateLimiter(max_retries=20))
            .updater(None)
            .build()
        )
        self.application.add_handler(TypeHandler(Update, self.on_update))
        self.application.add_error_handler(self.on_error)

    async def start(self) -> None:
        await self.application.initialize()
        if self.service.bot_username is None:
            self.service.bot_username = self.application.bot.username
        await self.register_commands()

    async def stop(self) -> None:
        await self.application.shutdown()

    async def register_commands(self) -> None:
        """The reporters' menu in each language; Vietnamese is the default for any other."""
        for locale in SUPPORTED_LOCALES:
            await self.application.bot.set_my_commands(
                menu(locale, REPORTER_COMMANDS), language_code=None if locale == "vi" else locale
            )

    async def set_menu(self, chat_id: int, roles: frozenset[Role]) -> None:
        """A supervisor's chat gets the supervisor commands too; nobody else sees them."""
        if roles <= {Role.REPORTER}:
            return
        for locale in SUPPORTED_LOCALES:
            await self.application.bot.set_my_commands(
                menu(locale, (*SUPERVISOR_COMMANDS, *REPORTER_COMMANDS)),
                scope=BotCommandScopeChat(chat_id),
                language_code=None if locale == "vi" else locale,
            )

    async def deliver(self, delivery: Delivery) -> None:
        """A message to another chat; one that cannot be delivered is logged, not retried."""
        try:
            await self.send(int(delivery.chat_id), [delivery.reply])
        except TelegramError:
            log.exception("could not deliver a message to chat %s", delivery.chat_id)

    # ----- one update ----------------------------------------------------------------------

    async def on_update(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        key = chat_key(update)
        user = update.effective_user
        if key is None or user is None or (update.effective_chat and update.effective_chat.type != "private"):
            return
        query = update.callback_query
        if query is not None:
            await query.answer()
        received = await self.read_input(update)
        if received is None:
            return
        envelope = Envelope(
            channel=CHANNEL,
            chat_id=key,
            input=received,
            update_id=update.update_id,
            user_id=str(user.id),
            display_name=user.full_name,
            language_code=user.language_code,
        )
        try:
            response = await self.service.handle(envelope)
        except Exception:
            log.exception(
                "failed to handle update %s from chat %s (%s)", update.update_id, key, type(received).__name__
            )
            await self.report_failure(update.update_id, key)
            return
        if query is not None and response.replies and query.message is not None:
            await self.close_keyboard(update)
        await self.send(int(key), response.replies)
        if response.menu_roles is not None:
            await self.set_menu(int(key), response.menu_roles)
        for delivery in response.deliveries:
            if delivery.channel == CHANNEL:
                await self.deliver(delivery)

    async def read_input(self, update: Update) -> Input | None:
        query = update.callback_query
        if query is not None:
            return parse_callback_data(query.data or "")
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
            file_id=incoming.file_id,
            file_unique_id=incoming.file_unique_id,
            size=incoming.size,
            name=incoming.name,
            mime_type=incoming.mime_type,
        )
        if incoming.size > self.max_file_bytes:
            return stored
        try:
            remote = await self.application.bot.get_file(incoming.file_id)
            suffix = Path(incoming.name or remote.file_path or "").suffix or (".jpg" if incoming.kind == "photo" else "")
            target = self.files_dir / CHANNEL / f"{incoming.file_unique_id}{suffix}"
            target.parent.mkdir(parents=True, exist_ok=True)
            await remote.download_to_drive(target)
        except BadRequest as error:
            log.warning("could not download file %s: %s", incoming.file_id, error)
            return stored
        size = target.stat().st_size
        return StoredFile(
            kind=stored.kind,
            file_id=stored.file_id,
            file_unique_id=stored.file_unique_id,
            size=size,
            name=stored.name,
            mime_type=stored.mime_type,
            path=str(target),
        )

    async def close_keyboard(self, update: Update) -> None:
        """Removes the pressed message's buttons and notes the choice, so it cannot be pressed twice."""
        query = update.callback_query
        assert query is not None and query.message is not None
        message = query.message
        label = pressed_label(getattr(message, "reply_markup", None), query.data or "")
        text = getattr(message, "text", None)
        try:
            if label and text and utf16_length(f"{text}\n\n➜ {label}") <= MESSAGE_LIMIT:
                await query.edit_message_text(f"{text}\n\n➜ {label}", reply_markup=None)
            else:
                await query.edit_message_reply_markup(reply_markup=None)
        except BadRequest as error:
            log.info("could not close keyboard of message %s: %s", message.message_id, error)

    async def send(self, chat_id: int, replies: list[Reply]) -> None:
        for reply in replies:
            for text, markup in pieces(reply):
                await self.application.bot.send_message(chat_id, text, reply_markup=markup)
                self.pacer.note(str(chat_id))

    async def report_failure(self, update_id: int, key: str) -> None:
        """Tells the person their message was not taken, and records the update as failed."""
        if self.on_failure is not None:
            await self.on_failure(update_id)
        try:
            locale = await self.service.locale_of(CHANNEL, key)
            text = translations(locale).gettext(
                "Sorry, something went wrong and this message was not saved. Please send it again."
            )
            await self.application.bot.send_message(int(key), text)
        except Exception:
            log.exception("could not tell chat %s about a failure", key)

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        log.error("telegram error while handling %r", update, exc_info=context.error)


def menu(locale: str, specs: tuple[CommandSpec, ...]) -> list[BotCommand]:
    _ = translations(locale).gettext
    return [BotCommand(spec.name, _(spec.description)) for spec in specs]
