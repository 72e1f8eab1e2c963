"""What a turn changes, as data: every feature returns these, and the service applies them, in
order, in the turn's one transaction; no feature writes. A turn's result is the same type for
every feature, and the channel shows it after the commit.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime

from bot.base.answers import AnswerValue
from bot.base.conversation import ConversationState
from bot.base.events import Attachment, Button, Reply
from bot.base.exports import ExportRequest
from bot.base.i18n import DEFAULT_LOCALE
from bot.base.outbox import OutboxMessage
from bot.base.records import AuditEntry, Role
from bot.base.report_status import Transition

__all__ = [
    "AlertAdmins", "CreateInvite", "Effect", "ExtendDeadline", "IssueLinkCode", "MoveReport", "RecordAudit", "RecordWrongCode",
    "RedeemCode", "RememberPhone", "RequestExport", "RevokeGrant", "SaveAnswers", "Send", "SetLocale", "TurnResult", "WithdrawInvites",
]  # fmt: skip


@dataclass(frozen=True)
class SaveAnswers:
    """New versions of these answers (earlier ones stay)."""

    report_id: int
    values: Mapping[str, AnswerValue]
    author_id: int | None


@dataclass(frozen=True)
class MoveReport:
    report_id: int
    transition: Transition


@dataclass(frozen=True)
class RecordAudit:
    entry: AuditEntry


@dataclass(frozen=True)
class CreateInvite:
    code: str
    unit_code: str
    role: Role
    expires_at: datetime
    created_by: int | None
    full_name: str = ""  # the person it is issued for, when the province named one
    phone: str = ""


@dataclass(frozen=True)
class WithdrawInvites:
    """Codes no longer to be redeemed: a newer sheet replaces them."""

    codes: tuple[str, ...]


@dataclass(frozen=True)
class RevokeGrant:
    grant_id: int


@dataclass(frozen=True)
class ExtendDeadline:
    """One unit's own report deadline in a campaign; None puts it back on the campaign's."""

    campaign_code: str
    unit_id: int
    due: date | None


@dataclass(frozen=True)
class Send:
    """A message for someone else, into the outbox with the rest of the turn."""

    message: OutboxMessage


@dataclass(frozen=True)
class RequestExport:
    """A file to make outside the turn and send to its asker when ready (bot/base/exports.py)."""

    request: ExportRequest


@dataclass(frozen=True)
class RecordWrongCode:
    """A code typed in this chat that was no valid one: counted across chats (bot/linking/guessing.py)."""

    channel: str
    chat_id: str


@dataclass(frozen=True)
class AlertAdmins:
    """What only a person can mend, for the administrators (bot/delivery/alerts.py: once a day per topic);
    `message` is an N_ msgid that `fields` fill in."""

    topic: str
    message: str
    fields: Mapping[str, str]


@dataclass(frozen=True)
class RedeemCode:
    """Spends an invite or link code the turn checked (bot.base.ports.InviteQueries.check): the
    chat becomes the person's (a new person named `display_name`, unless the invite names one or
    the chat has its person already), who keeps the chat's language."""

    code: str
    display_name: str
    person_id: int | None  # the chat's person before, if any
    locale: str


@dataclass(frozen=True)
class IssueLinkCode:
    """A one-time code that links another chat to the person (/lienket)."""

    code: str
    person_id: int
    expires_at: datetime


@dataclass(frozen=True)
class SetLocale:
    person_id: int
    locale: str


@dataclass(frozen=True)
class RememberPhone:
    """A mobile number the person shared, kept with this chat."""

    phone: str


Effect = (
    SaveAnswers | MoveReport | RecordAudit | CreateInvite | WithdrawInvites | RevokeGrant | ExtendDeadline | Send | RecordWrongCode
    | AlertAdmins | RedeemCode | IssueLinkCode | SetLocale | RememberPhone | RequestExport
)  # fmt: skip


@dataclass
class TurnResult:
    """What one input produced: the new state, replies to this chat, the changes to apply, the
    roles to show commands for when they changed, and the language the replies are in."""

    state: ConversationState
    replies: list[Reply] = field(default_factory=list)
    effects: list[Effect] = field(default_factory=list)
    menu_roles: frozenset[Role] | None = None
    locale: str = DEFAULT_LOCALE

    @property
    def outbox(self) -> list[OutboxMessage]:
        """The messages for other people this turn sends."""
        return [effect.message for effect in self.effects if isinstance(effect, Send)]

    def say(self, reply: Reply) -> None:
        self.replies.append(reply)

    def reply(self, text: str, buttons: tuple[tuple[Button, ...], ...] = (), attachment: Attachment | None = None) -> None:
        """A reply to this chat; one with buttons opens the next step, to which they belong."""
        if buttons:
            self.state = replace(self.state, step=self.state.step + 1)
        self.say(Reply(text, buttons, self.state.step if buttons else None, attachment=attachment))
