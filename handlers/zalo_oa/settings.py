"""The Zalo Official Account channel's settings (README, "Configuration"). The base URLs exist so
that a local fake can stand in for Zalo; a province leaves them alone."""

from __future__ import annotations

from pydantic import Field

from handlers.environment import EnvironmentSettings
from handlers.zalo_oa.client import TIMEOUT_SECONDS

__all__ = ["OAUTH_URL", "OPEN_API_URL", "ZNS_URL", "ZaloOaSettings"]

OPEN_API_URL = "https://openapi.zalo.me"
OAUTH_URL = "https://oauth.zaloapp.com"
ZNS_URL = "https://business.openapi.zalo.me"


class ZaloOaSettings(EnvironmentSettings):
    app_id: str | None = Field(None, alias="ZALO_OA_APP_ID")
    app_secret: str | None = Field(None, alias="ZALO_OA_APP_SECRET")
    """The app's secret: sent with every token refresh."""
    secret_key: str | None = Field(None, alias="ZALO_OA_SECRET_KEY")
    """The OA's secret key: what Zalo signs its webhook calls with (not the app secret)."""
    refresh_token: str | None = Field(None, alias="ZALO_OA_REFRESH_TOKEN")
    """The first refresh token, used only while the database holds none (`baocao zalo-oa authorize` is the other way)."""
    webhook_path: str = Field("/zalo-oa", alias="ZALO_OA_WEBHOOK_PATH", pattern=r"^/\S*$")
    api_base_url: str = Field(OPEN_API_URL, alias="ZALO_OA_API_BASE_URL")
    oauth_base_url: str = Field(OAUTH_URL, alias="ZALO_OA_OAUTH_BASE_URL")
    zns_base_url: str = Field(ZNS_URL, alias="ZALO_ZNS_BASE_URL")
    zns_template_id: str | None = Field(None, alias="ZALO_ZNS_TEMPLATE_ID")
    """An approved ZNS template with the parameters name, unit, report and due_date: set, a
    reminder that cannot reach an officer in any chat goes to their phone."""
    card_image_url: str | None = Field(None, alias="ZALO_OA_CARD_IMAGE_URL", pattern=r"^https?://\S+$")
    """The picture (the OA's logo) on the card that asks a new follower to share their phone
    number; Zalo requires one, so without it no card is sent."""
    # About 4,000 calls a minute per OA is Zalo's limit; a cautious share of it, and any -32 is waited out.
    send_rate: float = Field(20.0, alias="ZALO_OA_SEND_RATE", gt=0)
    per_chat_interval: float = Field(1.0, alias="ZALO_OA_PER_CHAT_INTERVAL", ge=0)
    timeout_seconds: float = Field(TIMEOUT_SECONDS, alias="ZALO_OA_TIMEOUT_SECONDS", gt=0)
    """How long a call to Zalo may take; a send that times out is not made again (it may have landed)."""
    monthly_quota: int | None = Field(None, alias="ZALO_OA_MONTHLY_QUOTA", gt=0)
    """The messages the OA's package allows a month; unset, none is counted against."""
    zns_monthly_budget: int | None = Field(None, alias="ZALO_ZNS_MONTHLY_BUDGET", gt=0)
    """The ZNS messages (paid each) the province budgets a month; unset, no limit."""

    @property
    def configured(self) -> bool:
        return bool(self.app_id and self.app_secret and self.secret_key)
