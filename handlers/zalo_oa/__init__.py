"""The Zalo Official Account channel (OA Open API, webhooks only): registered in `app/channels.py`."""

from __future__ import annotations

from handlers.channel import Channel, ChannelPlugin, Shared
from handlers.zalo_oa.channel import CHANNEL, ZaloOaChannel
from handlers.zalo_oa.settings import ZaloOaSettings


def create(shared: Shared) -> Channel | None:
    """The channel, when ZALO_OA_APP_ID, ZALO_OA_APP_SECRET and ZALO_OA_SECRET_KEY are set."""
    settings = ZaloOaSettings()
    return ZaloOaChannel(settings, shared) if settings.configured else None


PLUGIN = ChannelPlugin(CHANNEL, ZaloOaChannel.label, create)

__all__ = ["PLUGIN"]
