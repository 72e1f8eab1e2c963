"""What the composition root gives every feature's turn: the forms, how units and channels are
named, invite and link codes, the documents it writes, the platforms' quotas."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from bot.base.forms import Form, LocalText
from bot.base.letterhead import Letterhead
from bot.base.records import InviteLink
from bot.delivery.usage import Quota
from bot.documents.port import Documents

__all__ = ["FeatureSettings"]


@dataclass(frozen=True)
class FeatureSettings:
    forms: Mapping[str, Form]
    kind_label: Callable[[str], LocalText]
    letterhead: Callable[[str], Letterhead]
    invite_links: Callable[[str], Sequence[InviteLink]]
    """How a code is opened on each configured channel that has links."""
    channel_label: Callable[[str], str]
    invite_days: int
    new_code: Callable[[], str]
    documents: Documents
    quotas: Mapping[str, Quota] = field(default_factory=dict)
    """Each running channel's monthly quota and users (bot/delivery/usage.py), for the administrators."""
