"""The Telegram channel's settings (README, "Configuration")."""

from __future__ import annotations

from pydantic import AliasChoices, Field, field_validator

from handlers.environment import EnvironmentSettings

__all__ = ["TELEGRAM_API", "TELEGRAM_FILES", "TelegramSettings"]

TELEGRAM_API = "https://api.telegram.org/bot"
TELEGRAM_FILES = "https://api.telegram.org/file/bot"


class TelegramSettings(EnvironmentSettings):
    token: str | None = Field(None, alias="TELEGRAM_BOT_TOKEN")
    api_base_url: str = Field(TELEGRAM_API, alias="TELEGRAM_API_BASE_URL")
    file_base_url: str = Field(TELEGRAM_FILES, alias="TELEGRAM_FILE_BASE_URL")
    bot_username: str | None = Field(None, alias="TELEGRAM_BOT_USERNAME")
    webhook_url: str | None = Field(None, alias="TELEGRAM_WEBHOOK_URL")
    webhook_secret: str | None = Field(None, alias="TELEGRAM_WEBHOOK_SECRET", min_length=8, max_length=256)
    # Telegram allows about 30 messages a second across chats and one a second per chat.
    send_rate: float = Field(
        25.0, validation_alias=AliasChoices("TELEGRAM_SEND_RATE", "BAOCAO_SEND_RATE"), gt=0, le=30
    )
    per_chat_interval: float = Field(1.0, alias="TELEGRAM_PER_CHAT_INTERVAL", ge=0)
    reply_rate: float = Field(30.0, alias="TELEGRAM_REPLY_RATE", gt=0)
    """Conversation replies a second, across chats: Telegram's limit. Only a test against a fake
    without that limit raises it (to measure what the bot itself can do)."""
    connect_timeout: float = Field(5.0, alias="TELEGRAM_CONNECT_TIMEOUT", gt=0)
    """Seconds to wait for a connection to the Bot API: a call that gets none was never sent,
    and a reply is tried again."""
    read_timeout: float = Field(5.0, alias="TELEGRAM_READ_TIMEOUT", gt=0)
    """Seconds to wait for the Bot API's answer: a reply without one may have landed, and is not
    sent again (handlers/retrying.py)."""
    file_timeout: float = Field(120.0, alias="TELEGRAM_FILE_TIMEOUT", gt=0)
    """Seconds a file's upload may wait for the Bot API to take its next piece (it goes from
    disk a chunk at a time; a province's workbook runs to tens of megabytes), and then for the
    Bot API's answer to it: a file's send answered late is not lost, but one cut off at the
    read timeout may have landed and waits the outbox's growing retry delays."""

    @field_validator("bot_username")
    @classmethod
    def without_at(cls, name: str | None) -> str | None:
        """"@baocao_bot" as people copy it from Telegram: a t.me link takes the name alone."""
        return name.strip().removeprefix("@") or None if name else None
