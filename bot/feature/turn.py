"""One update as every feature is handed it: the chat and its person, what they sent, the
conversation, the moment, the reads, and the organisation. A feature answers with a TurnResult
(bot/base/effects.py); the service applies what it decided."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.base.conversation import ConversationState
from bot.base.effects import TurnResult
from bot.base.events import Surface
from bot.base.inputs import Input
from bot.base.ports import Queries
from bot.base.records import ChatRecord
from bot.feature.settings import FeatureSettings
from bot.organisation.snapshot import Organisation
from bot.reporting.prompts import Prompts

__all__ = ["Turn"]


@dataclass(frozen=True)
class Turn:
    chat: ChatRecord
    state: ConversationState
    received: Input
    """Typed words that name a button of the newest message are already its press."""
    now: datetime
    zone: ZoneInfo
    surface: Surface
    display_name: str
    """The name the platform gives the sender: a new person's name, unless an invite names them."""
    reads: Queries
    settings: FeatureSettings
    organisation: Callable[[], Awaitable[Organisation]]
    """The units and campaigns, as this process holds them (one small read to know they are current)."""

    @property
    def person_id(self) -> int | None:
        return self.chat.person_id

    @property
    def prompts(self) -> Prompts:
        return Prompts(self.state.locale, self.zone, self.surface)

    def today(self) -> date:
        return self.now.astimezone(self.zone).date()

    def result(self) -> TurnResult:
        """A result to collect replies and effects in, from the conversation as it stands."""
        return TurnResult(state=self.state, locale=self.state.locale)
