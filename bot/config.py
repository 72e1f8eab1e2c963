"""Settings from the environment (and a .env file): the public contract of DESIGN.md."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.clock import Clock, ShiftedClock, SystemClock

TELEGRAM_API = "https://api.telegram.org/bot"
TELEGRAM_FILES = "https://api.telegram.org/file/bot"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    database_url: str = Field("sqlite+aiosqlite:///baocao.db", alias="BAOCAO_DATABASE_URL")
    telegram_bot_token: str | None = Field(None, alias="TELEGRAM_BOT_TOKEN")
    telegram_api_base_url: str = Field(TELEGRAM_API, alias="TELEGRAM_API_BASE_URL")
    telegram_file_base_url: str = Field(TELEGRAM_FILES, alias="TELEGRAM_FILE_BASE_URL")
    telegram_bot_username: str | None = Field(None, alias="TELEGRAM_BOT_USERNAME")
    timezone: str = Field("Asia/Ho_Chi_Minh", alias="BAOCAO_TIMEZONE")
    locale: str = Field("vi", alias="BAOCAO_LOCALE")
    now: datetime | None = Field(None, alias="BAOCAO_NOW")
    files_dir: Path = Field(Path("files"), alias="BAOCAO_FILES_DIR")
    max_file_mb: int = Field(20, alias="BAOCAO_MAX_FILE_MB", ge=1, le=2000)
    invite_days: int = Field(7, alias="BAOCAO_INVITE_DAYS", ge=1)
    send_rate: float = Field(25.0, alias="BAOCAO_SEND_RATE", gt=0, le=30)
    webhook_url: str | None = Field(None, alias="TELEGRAM_WEBHOOK_URL")
    webhook_secret: str | None = Field(None, alias="TELEGRAM_WEBHOOK_SECRET", min_length=8, max_length=256)
    webhook_listen: str = Field("127.0.0.1:8080", alias="BAOCAO_WEBHOOK_LISTEN")

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def max_file_bytes(self) -> int:
        return self.max_file_mb * 1024 * 1024

    def clock(self) -> Clock:
        """BAOCAO_NOW starts the clock at that instant (local time if no offset is given)."""
        if self.now is None:
            return SystemClock()
        start = self.now if self.now.tzinfo else self.now.replace(tzinfo=self.zone)
        return ShiftedClock(start)
