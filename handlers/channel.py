"""What a messenger is to the bot: the small protocol every channel implements.

A channel turns its platform's updates into the core's input, shows the core's replies its own
way, sends one outbox message to one chat, and says how an invite code is opened on it. The rest
(the inbox, per-chat ordering, the outbox sender and its pacer, the webhook server) is the same
for every channel and lives beside this module. A new channel is a folder under `handlers/` and
one line in the composition root's registry (`app/channels.py`).
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

from bot.base.effects import TurnResult
from bot.base.events import Attachment
from bot.base.i18n import N_
from bot.base.outbox import OutboxMessage
from bot.base.records import BotEntrance
from bot.delivery.usage import Quota
from bot.service import Envelope
from handlers.pacer import BudgetGate, SendBudget, SendPacer
from handlers.usage import UsageCounter

__all__ = [
    "DELIVERED",
    "TOKEN_REFUSED",
    "UNREACHABLE",
    "Alert",
    "Channel",
    "ChannelPlugin",
    "Credentials",
    "Intake",
    "Outcome",
    "Payload",
    "Received",
    "SendResult",
    "Sender",
    "Shared",
    "StartError",
    "WebhookRoute",
    "object_at",
    "secret_header_route",
]

Payload = Mapping[str, Any]
"""A platform update as JSON, exactly as it was received and stored in the inbox."""


def object_at(payload: Payload, key: str) -> Payload:
    """The JSON object under `key`, empty when it is missing or not an object: an update is read
    defensively, a field of the wrong shape being as good as absent."""
    value = payload.get(key)
    return value if isinstance(value, Mapping) else {}


class StartError(Exception):
    """Why a channel cannot start, for whoever runs the bot: an N_ msgid and its fields, put in
    that person's language by whoever prints it (the channel knows no reader)."""

    def __init__(self, message: str, **fields: object) -> None:
        super().__init__(message.format(**fields))
        self.message = message
        self.fields = fields

    def text(self, gettext: Callable[[str], str]) -> str:
        return gettext(self.message).format(**self.fields)


TOKEN_REFUSED = N_("the bot's token ({setting}) was refused: check it")
UNREACHABLE = N_("{url} cannot be reached: check the network, or {setting}")


class Outcome(StrEnum):
    """What became of one send, in the ledger's terms."""

    DELIVERED = "delivered"
    THROTTLED = "throttled"  # the platform asked us to slow down: wait `retry_after`, everyone
    TRANSIENT = "transient"  # a timeout, a 5xx: worth a few more tries
    BLOCKED = "blocked"  # the person blocked the bot
    NEVER_STARTED = "never_started"  # the bot may not write first
    OUTSIDE_WINDOW = "outside_window"  # the platform lets the bot write only so long after the person did
    FAILED = "failed"  # refused for good (a bad request)


@dataclass(frozen=True)
class SendResult:
    outcome: Outcome
    retry_after: float | None = None
    detail: str = ""


DELIVERED = SendResult(Outcome.DELIVERED)


@dataclass(frozen=True)
class Received:
    """An update parsed for the core, with what the channel needs to answer it in place (the
    pressed message, say); `context` is the channel's own business."""

    envelope: Envelope
    context: Any = None


class Credentials(Protocol):
    """A channel's secrets that change while it runs (a rotating token pair), kept where every
    worker sees the newest (storage/credentials.py)."""

    async def read(self, name: str) -> Mapping[str, Any] | None: ...

    async def store(self, name: str, value: Mapping[str, Any]) -> None: ...

    async def renew(
        self, name: str, renew: Callable[[Mapping[str, Any] | None], Awaitable[Mapping[str, Any] | None]]
    ) -> Mapping[str, Any] | None:
        """Runs `renew` on the stored value while no other worker can, and stores its result."""
        ...


Alert = Callable[[str, str, Mapping[str, str]], Awaitable[None]]
"""Tells the administrators, in their chats, what only a person can mend: (topic, an N_ msgid,
its fields); each topic at most once a day."""


async def no_alerts(topic: str, message: str, fields: Mapping[str, str]) -> None:
    """Where there is nobody to tell (a one-off command): the log has it already."""


@dataclass(frozen=True)
class Shared:
    """What the composition root hands every channel it creates."""

    files_dir: Path
    max_file_bytes: int
    credentials: Credentials | None = None
    alert: Alert = no_alerts
    download_link: Callable[[Attachment], str] | None = None
    """A link to a file the bot produced, where this installation serves downloads."""
    send_budget: SendBudget | None = None
    """The budget every worker sends from, when several serve one bot (BAOCAO_SHARED_SEND_BUDGET)."""
    usage: UsageCounter | None = None
    """This worker's count of the messages each channel sends a month, against its quota."""

    def gate(self, channel: str, per_second: float) -> BudgetGate | None:
        """The channel's share of the workers' budget; None for a worker that sends alone."""
        return BudgetGate(self.send_budget, channel, per_second) if self.send_budget is not None else None

    def meter(self, channel: str, label: str, quota: Quota = Quota()) -> Callable[[], None]:
        """What counts one message of the channel against `quota` (nothing where none is kept)."""
        return self.usage.meter(channel, label, quota) if self.usage is not None else lambda: None


@dataclass(frozen=True)
class WebhookRoute:
    """Where the webhook server takes this channel's updates (a POST to `path`), and how it
    tells the platform's calls from forgeries (headers and raw body in; refused with
    `refusal_status` when False)."""

    path: str
    authentic: Callable[[Mapping[str, str], bytes], bool]
    refusal_status: int = 403
    url_check: Callable[[bytes], bool] = lambda body: False
    """Whether a call is the platform checking the URL, carrying no update (the OA's unsigned
    empty call when its webhook is set): answered 200 before authentication, nothing stored."""
    updates: Callable[[Payload], Sequence[Payload]] = lambda payload: (payload,)
    """The updates one call carries (an OA event with several pictures is one per picture)."""


def secret_header_route(url: str | None, secret: str | None, header: str, default_path: str) -> WebhookRoute | None:
    """A webhook at the path of `url` whose calls carry `secret`, as it is, in `header` (as
    Telegram's and the Zalo bot's do); None unless both are set. Compared in constant time."""
    if not url or not secret:
        return None

    def authentic(headers: Mapping[str, str], body: bytes) -> bool:
        return hmac.compare_digest(headers.get(header, "").encode(), secret.encode())

    return WebhookRoute(urlsplit(url).path or default_path, authentic)


class Intake(Protocol):
    """Where a channel puts the updates it receives (see handlers/intake.py)."""

    async def take(self, payloads: Sequence[Payload]) -> None: ...

    async def resume(self) -> None: ...


class Sender(Protocol):
    """What the outbox sender needs of a channel."""

    name: str
    """The key stored with chats and outbox rows ("telegram"); never changes."""
    label: str
    """How people call the messenger ("Telegram")."""
    pacer: SendPacer
    """The platform's sending limits: `send` waits on it before each platform call, replies are
    noted on it, and the outbox sender pauses it when the platform asks to slow down."""

    async def send(self, message: OutboxMessage) -> SendResult:
        """Sends one outbox message to its chat, and says what became of it."""
        ...


class Channel(Sender, Protocol):
    @property
    def phone_senders(self) -> Sequence[Sender]:
        """What the platform sends to a person's phone rather than a chat (the OA's ZNS): each has
        its own outbox rows, whose chat is the phone number."""
        ...

    def invite_link(self, code: str) -> str | None:
        """A link that opens the bot with this invite code, where the platform has one."""
        ...

    def entrance(self) -> BotEntrance | None:
        """Where the platform has no such link: how people reach the bot to send the code (its
        name, a link to its chat), as the settings give it; None where they give nothing."""
        ...

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    def identify(self, payload: Payload) -> tuple[str, str] | None:
        """The update's id on the platform and the chat whose updates must stay in order; None
        for something that is not an update at all."""
        ...

    async def parse(self, payload: Payload) -> Received | None:
        """The core's input for an update (files downloaded); None for updates the bot ignores."""
        ...

    async def render(self, chat_id: str, response: TurnResult, context: Any = None) -> None:
        """Shows the core's replies in the chat; `context` is what `parse` kept of the update
        being answered (None for a message that answers no particular update)."""
        ...

    async def receive(self, intake: Intake) -> None:
        """Long polling: feeds updates to the intake until cancelled."""
        ...

    def webhook(self) -> WebhookRoute | None:
        """The route that takes this channel's webhook calls, when it is configured for them."""
        ...

    async def announce_webhook(self) -> None:
        """Tells the platform where the webhook is."""
        ...


@dataclass(frozen=True)
class ChannelPlugin:
    """A registered channel: its name and label (known whether or not it runs here), and `create`,
    which reads the channel's own settings and builds it, or returns None when those settings
    are absent (the channel is then not run)."""

    name: str
    label: str
    create: Callable[[Shared], Channel | None]
