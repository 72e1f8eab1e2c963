"""The Zalo Bot Platform channel (a thin aiohttp client): registered in `app/channels.py`."""

from __future__ import annotations

from handlers.channel import Channel, ChannelPlugin, Shared
from handlers.zalo_bot.channel import CHANNEL, ZaloBotChannel
from handlers.zalo_bot.settings import ZaloBotSettings


def create(shared: Shared) -> Channel | None:
    """The channel, when ZALO_BOT_TOKEN is set."""
    settings = ZaloBotSettings()
    return ZaloBotChannel(settings, shared) if settings.token else None


PLUGIN = ChannelPlugin(CHANNEL, ZaloBotChannel.label, create)

__all__ = ["PLUGIN"]
