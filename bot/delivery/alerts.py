"""What only a person can mend (a messenger's access refused, say) told to the administrators in
their chats, in their language, through the outbox: at most once a day per topic, however
often the fault recurs, and whichever worker meets it."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.base.events import Reply
from bot.base.i18n import translations
from bot.base.outbox import MessageKind, OutboxMessage
from bot.base.ports import UnitOfWork
from bot.base.records import Role
from bot.delivery.lifetimes import ALERT_LIFETIME

__all__ = ["alert_admins"]

log = logging.getLogger(__name__)


async def alert_admins(uow: UnitOfWork, topic: str, message: str, fields: Mapping[str, str], now: datetime, zone: ZoneInfo) -> int:
    """Queues `message` (an N_ msgid with `fields`) for every administrator; returns how many
    messages were new (0 when they were told today already)."""
    units = [unit.id for unit in await uow.units.units()]
    admins = {person.person_id: person for people in (await uow.people.recipients(Role.ADMIN, units)).values() for person in people}
    day = now.astimezone(zone).date().isoformat()
    messages = [
        OutboxMessage(
            key=f"alert/{topic}@{day}", person_id=person.person_id, channel=person.channel, chat_id=person.chat_id,
            reply=Reply(translations(person.locale).gettext(message).format(**fields)), kind=MessageKind.ALERT,
            person_name=person.full_name, locale=person.locale, expires_at=now + ALERT_LIFETIME,
        )
        for person in admins.values()
    ]  # fmt: skip
    if not messages:
        log.warning("no administrator can be told of %s: none has a chat with the bot", topic)
    return await uow.outbox.enqueue(messages, now)
