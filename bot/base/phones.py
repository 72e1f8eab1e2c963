"""Vietnamese phone numbers as people write them (0912 345 678, +84 912 345 678) and as messaging
services take them (84912345678)."""

from __future__ import annotations

import re

__all__ = ["international"]

_MOBILE = re.compile(r"(?:\+?84|0)(\d{9})")


def international(phone: str) -> str | None:
    """The number in international form without "+", or None when it is no Vietnamese number."""
    match = _MOBILE.fullmatch(re.sub(r"[\s.\-()]", "", phone))
    return f"84{match.group(1)}" if match else None
