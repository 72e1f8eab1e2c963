"""When a reminder cannot reach its person where it was sent (they blocked the bot, never started
it, or the platform's window for writing to them has closed), the next way to reach them:
another of their chats, else their phone, through a template text message where this
installation has a channel that sends them. With neither, nobody is written to and the
supervisors' digests list the person as unreachable (bot/reminders/composing.py).

One rule for both moments it applies: when a slot fires for a person whose every chat has
refused (`by_phone`), and when a send is refused (`rerouted`, in the transaction that records
the refusal, so the new message is as durable as the ledger's entry).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from bot.base.events import Reply
from bot.base.i18n import Formatter
from bot.base.outbox import REMINDER_KINDS, OutboxMessage
from bot.base.ports import Queries

__all__ = ["TEMPLATE_FIELDS", "Routes", "Subject", "by_phone", "onward_key", "rerouted", "sent_for", "subject_of"]

TEMPLATE_FIELDS = ("name", "unit", "report", "due_date")
"""The parameters a province's approved text-message template must have (README, "Configuration")."""
FIELD_LIMIT = 90
"""Template parameters are short; a longer value is cut rather than refused."""


@dataclass(frozen=True)
class Routes:
    """The ways this installation can send: its running channels, and the one that sends
    template messages to phones (None when none is configured)."""

    channels: frozenset[str]
    phone_channel: str | None = None


async def rerouted(reads: Queries, message: OutboxMessage, routes: Routes) -> OutboxMessage | None:
    """The refused reminder again, by the next way to its person; None when there is none (or it
    was no reminder: a notice or digest is for the chat it was written in)."""
    if message.kind not in REMINDER_KINDS:
        return None
    for chat in await reads.people.chats_of(message.person_id):
        if not chat.refusing and chat.channel in routes.channels and (chat.channel, chat.chat_id) != (message.channel, message.chat_id):
            return replace(message, key=onward_key(message.key, chat.channel), channel=chat.channel, chat_id=chat.chat_id)
    if message.channel == routes.phone_channel or routes.phone_channel is None:
        return None
    subject = await subject_of(reads, message)
    texted = await by_phone(reads, message, routes, subject) if subject is not None else None
    return replace(texted, key=onward_key(message.key, texted.channel)) if texted is not None else None


def onward_key(key: str, channel: str) -> str:
    """The key of a reminder sent on through `channel` for the one keyed `key`: one onward copy
    per way, however often the refusal is recorded."""
    return f"{key}/{channel}"


def sent_for(key: str, original: str) -> bool:
    """Whether the message keyed `key` is the one keyed `original` or was sent on for it."""
    return key == original or key.startswith(onward_key(original, ""))


@dataclass(frozen=True)
class Subject:
    """What a reminder is about, as a text-message template names it."""

    unit_name: str
    report_title: str
    due: date | None


async def subject_of(reads: Queries, message: OutboxMessage) -> Subject | None:
    """The unit, report and deadline of a reminder read back from the outbox."""
    if message.campaign_code is None or message.unit_id is None:
        return None
    campaign = next((c for c in await reads.units.campaigns() if c.code == message.campaign_code), None)
    unit = next((u for u in await reads.units.units() if u.id == message.unit_id), None)
    enrolment = next(iter(await reads.reports.enrolments(message.campaign_code, [message.unit_id])), None)
    if campaign is None or unit is None or enrolment is None:
        return None
    return Subject(unit.name, campaign.title.get(message.locale), enrolment.report_due(campaign.report_due))


async def by_phone(reads: Queries, message: OutboxMessage, routes: Routes, subject: Subject) -> OutboxMessage | None:
    """The reminder as a template text message to the person's phone; None without a phone
    channel or a known number."""
    if routes.phone_channel is None:
        return None
    contact = await reads.people.contact_of(message.person_id)
    if contact.phone is None:
        return None
    due = Formatter(message.locale).date(subject.due) if subject.due else ""
    values = (contact.full_name, subject.unit_name, subject.report_title, due)
    data = {field: value[:FIELD_LIMIT] for field, value in zip(TEMPLATE_FIELDS, values, strict=True)}
    return replace(message, channel=routes.phone_channel, chat_id=contact.phone, reply=Reply(message.reply.text), data=data)
