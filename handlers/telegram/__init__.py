"""The Telegram channel (python-telegram-bot): registered in `app/channels.py` as `PLUGIN`."""

from __future__ import annotations

from handlers.channel import Channel, ChannelPlugin, Shared
from handlers.telegram.channel import CHANNEL, TelegramChannel
from handlers.telegram.settings import TelegramSettings


def create(shared: Shared) -> Channel | None:
    """The channel, when TELEGRAM_BOT_TOKEN is set."""
    settings = TelegramSettings()
    return TelegramChannel(settings, shared) if settings.token else None


PLUGIN = ChannelPlugin(CHANNEL, TelegramChannel.label, create)

__all__ = ["PLUGIN"]
