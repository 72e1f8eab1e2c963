"""The fake's ZNS (Zalo Notification Service) template messages: what a send must carry to be
accepted, checked in Zalo's order, and the daily quota it answers with (zalo_oa.py serves them)."""

from __future__ import annotations

import re
from typing import Any

from .zalo_oa_wire import (
    ZNS_DATA_EMPTY,
    ZNS_DATA_INVALID,
    ZNS_MESSAGES,
    ZNS_PHONE_INVALID,
    ZNS_TEMPLATE_INVALID,
    refusal,
)

__all__ = ["check_zns", "quota_after"]

ZNS_PHONE = re.compile(r"84\d{9}")
ZNS_DAILY_QUOTA = 500


def check_zns(body: dict[str, Any], templates: dict[str, tuple[str, ...]]) -> None:
    """Raises the refusal Zalo answers: the phone ("84" and 9 digits; Zalo also takes 0xxx, the
    fake does not, so the bot must send the international form), the template id, its data
    (exactly the template's parameters, all strings)."""
    phone, template_id, data = body.get("phone"), body.get("template_id"), body.get("template_data")
    if not isinstance(phone, str) or not ZNS_PHONE.fullmatch(phone):
        raise refusal(ZNS_PHONE_INVALID, ZNS_MESSAGES)
    if not isinstance(template_id, str) or template_id not in templates:
        raise refusal(ZNS_TEMPLATE_INVALID, ZNS_MESSAGES)
    if not data:
        raise refusal(ZNS_DATA_EMPTY, ZNS_MESSAGES)
    if not isinstance(data, dict) or set(data) != set(templates[template_id]):
        raise refusal(ZNS_DATA_INVALID, ZNS_MESSAGES)
    if not all(isinstance(value, str) for value in data.values()):
        raise refusal(ZNS_DATA_INVALID, ZNS_MESSAGES)


def quota_after(sent_today: int) -> dict[str, str]:
    return {"dailyQuota": str(ZNS_DAILY_QUOTA), "remainingQuota": str(max(0, ZNS_DAILY_QUOTA - sent_today))}
