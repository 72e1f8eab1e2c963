"""The registry of channels: a new messenger is its folder under `handlers/` plus one line here."""

from __future__ import annotations

from handlers import telegram, zalo_bot, zalo_oa
from handlers.channel import ChannelPlugin

__all__ = ["CHANNELS"]

CHANNELS: tuple[ChannelPlugin, ...] = (
    telegram.PLUGIN,
    zalo_bot.PLUGIN,
    zalo_oa.PLUGIN,
)
