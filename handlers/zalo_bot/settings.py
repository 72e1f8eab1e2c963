"""The Zalo Bot Platform channel's settings (README, "Configuration")."""

from __future__ import annotations

from pydantic import Field

from bot.delivery.usage import Quota
from handlers.environment import EnvironmentSettings

__all__ = ["ZALO_BOT_API", "ZaloBotSettings"]

ZALO_BOT_API = "https://bot-api.zaloplatforms.com/bot"


class ZaloBotSettings(EnvironmentSettings):
    token: str | None = Field(None, alias="ZALO_BOT_TOKEN")
    api_base_url: str = Field(ZALO_BOT_API, alias="ZALO_BOT_API_BASE_URL")
    # Zalo bots have no link that carries an invite code: invite sheets say how to reach the bot.
    name: str | None = Field(None, alias="ZALO_BOT_NAME", max_length=100)
    link: str | None = Field(None, alias="ZALO_BOT_LINK", pattern=r"^https?://\S+$")
    webhook_url: str | None = Field(None, alias="ZALO_BOT_WEBHOOK_URL")
    webhook_secret: str | None = Field(None, alias="ZALO_BOT_WEBHOOK_SECRET", min_length=8, max_length=256)
    # Zalo publishes no sending limits: cautious defaults, and any 429 is waited out.
    send_rate: float = Field(5.0, alias="ZALO_BOT_SEND_RATE", gt=0)
    per_chat_interval: float = Field(1.0, alias="ZALO_BOT_PER_CHAT_INTERVAL", ge=0)
    poll_timeout: int = Field(30, alias="ZALO_BOT_POLL_TIMEOUT", ge=1, le=60)
    # Past it a send's outcome is unknown, and a reply is not sent again (it may have arrived).
    request_timeout: float = Field(15.0, alias="ZALO_BOT_REQUEST_TIMEOUT", gt=0, le=120)
    # The free plan's limits, by one client's account of them (README, "What the real platforms
    # allow"): unset, nothing is counted against them.
    monthly_quota: int | None = Field(None, alias="ZALO_BOT_MONTHLY_QUOTA", gt=0)
    max_users: int | None = Field(None, alias="ZALO_BOT_MAX_USERS", gt=0)

    @property
    def quota(self) -> Quota:
        return Quota(self.monthly_quota, self.max_users)
