"""The core's settings, from the environment and a .env file (README, "Configuration"); each
channel reads its own in its folder."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator

from bot.base.clock import Clock, ShiftedClock, SystemClock
from bot.base.i18n import DEFAULT_LOCALE, SUPPORTED_LOCALES
from handlers.environment import EnvironmentSettings

__all__ = ["MAX_INVITE_DAYS", "SettingError", "Settings"]

MAX_INVITE_DAYS = 3650
"""Ten years: longer than any campaign, and far inside what a date can hold."""


class SettingError(ValueError):
    """A setting whose value turns out unusable only where it is used (the database URL, which
    only SQLAlchemy can judge: importing it here would make `baocao --help` slow)."""

    def __init__(self, name: str, value: str) -> None:
        super().__init__(f"{name}={value}")
        self.name = name
        self.value = value


class Settings(EnvironmentSettings):
    database_url: str = Field("sqlite+aiosqlite:///baocao.db", alias="BAOCAO_DATABASE_URL")
    timezone: str = Field("Asia/Ho_Chi_Minh", alias="BAOCAO_TIMEZONE")
    locale: str = Field(DEFAULT_LOCALE, alias="BAOCAO_LOCALE")
    now: datetime | None = Field(None, alias="BAOCAO_NOW")
    files_dir: Path = Field(Path("files"), alias="BAOCAO_FILES_DIR")
    unit_kinds_file: Path | None = Field(None, alias="BAOCAO_UNIT_KINDS_FILE")
    """A province's own unit kinds (the format of bot/catalog/data/unit-kinds.yaml), added to the shipped ones."""
    max_file_mb: int = Field(20, alias="BAOCAO_MAX_FILE_MB", ge=1, le=2000)
    invite_days: int = Field(7, alias="BAOCAO_INVITE_DAYS", ge=1, le=MAX_INVITE_DAYS)
    webhook_listen: str = Field("127.0.0.1:8080", alias="BAOCAO_WEBHOOK_LISTEN")
    public_url: str | None = Field(None, alias="BAOCAO_PUBLIC_URL", pattern=r"^https?://\S+$")
    """Where people reach this installation's web server (behind a proxy: https://baocao.example.vn):
    set, the server also runs in polling mode and hands out download links for messengers that
    cannot carry files."""
    shared_send_budget: bool = Field(False, alias="BAOCAO_SHARED_SEND_BUDGET")
    """Several workers serve the bot from one PostgreSQL database (behind one address): every
    chat-bound call then takes a slot of a budget they share, so the platform's limit holds in
    total (a database round trip a call; a worker alone keeps its limits in memory)."""
    outbox_lease_seconds: float = Field(30.0, alias="BAOCAO_OUTBOX_LEASE_SECONDS", gt=0)
    """How long a sender's claim on an outbox row lasts unless renewed (it is, while the row is
    being sent, however long that takes): the time a crashed sender's message waits before
    another sender, or the restarted one, takes it back."""

    export_timeout_seconds: float = Field(600.0, alias="BAOCAO_EXPORT_TIMEOUT_SECONDS", gt=0)
    """How long a file asked for in a chat may take to make before it is given up (its asker told)."""
    export_lease_seconds: float = Field(60.0, alias="BAOCAO_EXPORT_LEASE_SECONDS", gt=0)
    """How long a worker's claim on a file it makes lasts unless renewed (it is, while the worker
    lives): the time a file a crashed worker was making waits before another worker makes it."""

    @field_validator("timezone")
    @classmethod
    def known_zone(cls, name: str) -> str:
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError) as error:  # the first is a KeyError
            raise ValueError(f"no time zone {name!r}") from error
        return name

    @field_validator("locale")
    @classmethod
    def supported_locale(cls, locale: str) -> str:
        if locale.strip().lower() not in SUPPORTED_LOCALES:
            raise ValueError(f"one of {', '.join(SUPPORTED_LOCALES)}")
        return locale.strip().lower()

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def max_file_bytes(self) -> int:
        return self.max_file_mb * 1024 * 1024

    @property
    def outbox_lease(self) -> timedelta:
        return timedelta(seconds=self.outbox_lease_seconds)

    @property
    def export_timeout(self) -> timedelta:
        return timedelta(seconds=self.export_timeout_seconds)

    @property
    def export_lease(self) -> timedelta:
        return timedelta(seconds=self.export_lease_seconds)

    def clock(self) -> Clock:
        """BAOCAO_NOW starts the clock at that instant (local time if no offset is given)."""
        if self.now is None:
            return SystemClock()
        start = self.now if self.now.tzinfo else self.now.replace(tzinfo=self.zone)
        return ShiftedClock(start)
