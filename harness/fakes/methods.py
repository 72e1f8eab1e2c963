"""What each Bot API method does to the fake Telegram world.

HTTP, injected faults and flood limits are the server's business (bot_api.py); by the time a
handler here runs, the call has been admitted and only Telegram's own rules remain.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from pathlib import PurePosixPath
from typing import Any

from . import content
from .chat import FakeUser, Message, document, photo_size
from .errors import ApiError, bad_request
from .files import FileStore, StoredFile
from .updates import UpdateQueue
from .webhook import WebhookPusher
from .wire import Params, Upload, chat_id_of

Handler = Callable[[Params], Awaitable[Any]]

NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)
CHAT_ACTIONS = frozenset(
    {
        "typing", "upload_photo", "record_video", "upload_video", "record_voice",
        "upload_voice", "upload_document", "choose_sticker", "find_location",
        "record_video_note", "upload_video_note",
    }
)  # fmt: skip
COMMAND_NAME = re.compile(r"[a-z0-9_]{1,32}")


class BotApiMethods:
    """The served methods, over the users, files and update queue the server owns."""

    def __init__(
        self,
        bot_user: dict[str, Any],
        users: dict[int, FakeUser],
        files: FileStore,
        updates: UpdateQueue,
        webhook: WebhookPusher,
    ) -> None:
        self._webhook = webhook
        self._bot_user = bot_user
        self._users = users
        self._files = files
        self._updates = updates
        self.commands: dict[tuple[str, str], list[dict[str, str]]] = {}

    def handlers(self) -> dict[str, Handler]:
        """Handlers by the method's canonical (camelCase) name."""
        return {
            "getMe": self.get_me,
            "getUpdates": self.get_updates,
            "deleteWebhook": self.delete_webhook,
            "setWebhook": self.set_webhook,
            "setMyCommands": self.set_my_commands,
            "getMyCommands": self.get_my_commands,
            "sendMessage": self.send_message,
            "editMessageText": self.edit_message_text,
            "editMessageReplyMarkup": self.edit_message_reply_markup,
            "answerCallbackQuery": self.answer_callback_query,
            "sendChatAction": self.send_chat_action,
            "sendPhoto": self.send_photo,
            "sendDocument": self.send_document,
            "getFile": self.get_file,
        }

    async def get_me(self, params: Params) -> dict[str, Any]:
        return {
            **self._bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def get_updates(self, params: Params) -> list[dict[str, Any]]:
        offset = params.get("offset")
        return await self._updates.get(
            offset=int(offset) if offset is not None else None,
            limit=min(max(int(params.get("limit", 100)), 1), 100),
            timeout=float(params.get("timeout", 0)),
            allowed_updates=params.get("allowed_updates"),
        )

    async def set_webhook(self, params: Params) -> bool:
        url = params.get("url")
        if not isinstance(url, str) or not url:
            raise bad_request("bad webhook: an HTTPS URL must be provided for webhook")
        secret = params.get("secret_token")
        self._webhook.set(url, secret if isinstance(secret, str) else None)
        return True

    async def delete_webhook(self, params: Params) -> bool:
        self._webhook.stop()
        if params.get("drop_pending_updates"):
            self._updates.drop_pending()
        return True

    async def set_my_commands(self, params: Params) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise bad_request("can't parse commands JSON object")
        for command in commands:
            if not COMMAND_NAME.fullmatch(str(command.get("command", ""))):
                raise bad_request("BOT_COMMAND_INVALID")
            if not command.get("description"):
                raise bad_request("command description must be non-empty")
        self.commands[_commands_key(params)] = [
            {"command": command["command"], "description": command["description"]}
            for command in commands
        ]
        return True

    async def get_my_commands(self, params: Params) -> list[dict[str, str]]:
        return self.commands.get(_commands_key(params), [])

    async def send_message(self, params: Params) -> Message:
        user = self._chat(params)
        fields = {"text": content.message_text(params)}
        return user.deliver(_with_keyboard(fields, params))

    async def edit_message_text(self, params: Params) -> Message:
        user, message = self._editable(params)
        if "text" not in message:
            raise bad_request("there is no text in the message to edit")
        keyboard = content.inline_keyboard(params.get("reply_markup"))
        return _apply_edit(user, message, content.message_text(params), keyboard)

    async def edit_message_reply_markup(self, params: Params) -> Message:
        user, message = self._editable(params)
        keyboard = content.inline_keyboard(params.get("reply_markup"))
        return _apply_edit(user, message, message.get("text"), keyboard)

    async def answer_callback_query(self, params: Params) -> bool:
        query_id = str(params.get("callback_query_id", ""))
        if not any(user.answer_callback(query_id, params) for user in self._users.values()):
            raise bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
        return True

    async def send_chat_action(self, params: Params) -> bool:
        self._chat(params)
        if params.get("action") not in CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        return True

    async def send_photo(self, params: Params) -> Message:
        user = self._chat(params)
        stored = self._file(params, "photo", folder="photos", extension="jpg")
        return user.deliver(_with_caption({"photo": [photo_size(stored)]}, params))

    async def send_document(self, params: Params) -> Message:
        user = self._chat(params)
        stored = self._file(params, "document", folder="documents")
        return user.deliver(_with_caption({"document": document(stored)}, params))

    async def get_file(self, params: Params) -> dict[str, Any]:
        stored = self._files.by_id(str(params.get("file_id", "")))
        if stored is None:
            raise bad_request("invalid file_id")
        return stored.as_file()

    def _chat(self, params: Params) -> FakeUser:
        """The private chat a call targets, refused as Telegram would refuse it."""
        chat_id = chat_id_of(params)
        user = self._users.get(chat_id) if chat_id is not None else None
        if user is None:
            raise bad_request("chat not found")
        if user.forbidden:
            raise ApiError(403, user.forbidden)
        return user

    def _editable(self, params: Params) -> tuple[FakeUser, Message]:
        user = self._chat(params)
        message_id = int(params.get("message_id", 0))
        message = user.bot_message(message_id)
        if message is None:
            raise bad_request(
                "message can't be edited"
                if user.has_message(message_id)
                else "message to edit not found"
            )
        return user, message

    def _file(
        self, params: Params, field: str, *, folder: str, extension: str | None = None
    ) -> StoredFile:
        """The file a send call carries: a fresh upload, or the file_id of a known file."""
        value = params.get(field)
        if isinstance(value, Upload):
            suffix = PurePosixPath(value.file_name).suffix.lstrip(".") or "bin"
            return self._files.add(
                value.data,
                folder,
                extension or suffix,
                file_name=value.file_name,
                mime_type=value.content_type,
            )
        if value is None:
            raise bad_request(f"there is no {field} in the request")
        stored = self._files.by_id(str(value))
        if stored is None:
            raise bad_request("wrong file identifier/HTTP URL specified")
        return stored


def _apply_edit(
    user: FakeUser, message: Message, text: str | None, keyboard: dict[str, Any] | None
) -> Message:
    # An edit without reply_markup removes the inline keyboard, as in Telegram.
    if text == message.get("text") and keyboard == message.get("reply_markup"):
        raise bad_request(NOT_MODIFIED)
    # New words with new buttons read as a new message (a reply given in place of the pressed
    # question); a pressed message merely closed is not one.
    shown_anew = text is not None and text != message.get("text") and keyboard is not None
    if text is not None:
        message["text"] = text
    if keyboard is None:
        message.pop("reply_markup", None)
    else:
        message["reply_markup"] = keyboard
    user.note_edit(message, shown_anew)
    return message


def _with_keyboard(fields: dict[str, Any], params: Params) -> dict[str, Any]:
    keyboard = content.inline_keyboard(params.get("reply_markup"))
    return {**fields, "reply_markup": keyboard} if keyboard else fields


def _with_caption(fields: dict[str, Any], params: Params) -> dict[str, Any]:
    caption = content.caption(params)
    return _with_keyboard({**fields, "caption": caption} if caption else fields, params)


def _commands_key(params: Params) -> tuple[str, str]:
    scope = params.get("scope") or {"type": "default"}
    parts = [scope["type"]] + [str(scope[key]) for key in ("chat_id", "user_id") if key in scope]
    return ":".join(parts), str(params.get("language_code", ""))
