"""The Telegram channel, started against the fake Bot API the test runs: what a test of replies,
files or the outbox sends through, with the settings it tries added."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from handlers.channel import Shared
from handlers.telegram.channel import TelegramChannel
from handlers.telegram.settings import TelegramSettings
from harness.fakes import FakeBotApi

__all__ = ["telegram_channel"]


@asynccontextmanager
async def telegram_channel(api: FakeBotApi, folder: Path, **settings: object) -> AsyncIterator[TelegramChannel]:
    """A started channel on `api` (its files under `folder`), with these TELEGRAM_… settings."""
    known = TelegramSettings.model_validate(
        {"TELEGRAM_BOT_TOKEN": api.token, "TELEGRAM_API_BASE_URL": api.base_url, "TELEGRAM_FILE_BASE_URL": api.base_file_url, **settings}
    )
    channel = TelegramChannel(known, Shared(folder, 1_000_000))
    await channel.start()
    try:
        yield channel
    finally:
        await channel.stop()
