"""People, the roles they hold on units, and the chat to write to each of them."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Row,
    Select,
    Subquery,
    and_,
    case,
    func,
    literal,
    select,
    update,
)
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession

from bot.base.i18n import DEFAULT_LOCALE
from bot.base.phones import international
from bot.base.records import ChatRoute, Contact, Grant, LinkedPerson, Recipient, Role
from storage.chats import conversation_of
from storage.models import Chat, GrantRow, Invite, Person, Unit

__all__ = ["SqlPeople", "holders"]


class SqlPeople:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def grants(self, person_id: int) -> list[Grant]:
        """The person's roles still in force, by unit code."""
        rows = await self.session.execute(
            select(GrantRow.unit_id, GrantRow.role, Unit.code, Unit.name)
            .join(Unit, Unit.id == GrantRow.unit_id)
            .where(GrantRow.person_id == person_id, GrantRow.revoked_at.is_(None))
            .order_by(Unit.code, GrantRow.role)
        )
        return [Grant(person_id, row.unit_id, row.code, row.name, Role(row.role)) for row in rows]

    async def set_locale(self, person_id: int, locale: str) -> None:
        await self.session.execute(update(Person).where(Person.id == person_id).values(locale=locale))

    async def linked(self, unit_ids: Collection[int]) -> list[LinkedPerson]:
        """Grants in force on these units, by unit code, role and name."""
        ids = list(unit_ids)
        if not ids:
            return []
        return await self._linked(GrantRow.unit_id.in_(ids))

    async def revoke(self, grant_id: int, now: datetime) -> LinkedPerson | None:
        """Ends the grant and returns it as it stood; None if there is no such grant in force
        (also when a concurrent revoke got there first: the UPDATE re-checks `revoked_at`)."""
        found = await self._linked(GrantRow.id == grant_id)
        if not found:
            return None
        revoked = cast(
            CursorResult[Any],
            await self.session.execute(
                update(GrantRow)
                .where(GrantRow.id == grant_id, GrantRow.revoked_at.is_(None))
                .values(revoked_at=now)
            ),
        )
        return found[0] if revoked.rowcount else None

    async def conversation(self, person_id: int) -> dict[str, Any] | None:
        return await conversation_of(self.session, person_id)

    async def chats_of(self, person_id: int) -> list[ChatRoute]:
        """The person's chats, those that have not refused the bot first, each group from the
        most recently active."""
        chats = _ranked_chats(select(literal(person_id)))
        rows = await self.session.execute(select(chats.c.channel, chats.c.chat_id, chats.c.refusing).order_by(chats.c.rank))
        return [ChatRoute(row.channel, row.chat_id, bool(row.refusing)) for row in rows]

    async def contact_of(self, person_id: int) -> Contact:
        """The person's name and a mobile number to text them at: the one they shared last from a
        chat, else the one their invite was issued with (a province's import), in international
        form."""
        name = await self.session.scalar(select(Person.full_name).where(Person.id == person_id)) or ""
        shared = (
            select(Chat.phone.label("phone"), Chat.updated_at.label("at"))
            .where(Chat.person_id == person_id, Chat.phone.is_not(None))
        )
        imported = (
            select(Invite.phone.label("phone"), Invite.used_at.label("at"))
            .where(Invite.used_by_person_id == person_id, Invite.phone.is_not(None))
        )
        phones = shared.union_all(imported).subquery()
        numbers = (international(phone) for phone in await self.session.scalars(select(phones.c.phone).order_by(phones.c.at.desc())))
        return Contact(name, next((number for number in numbers if number is not None), None))

    async def recipients(
        self, role: Role, unit_ids: Collection[int], including_refusing: bool = False
    ) -> dict[int, list[Recipient]]:
        return await holders(self.session, role, unit_ids, including_refusing)

    async def _linked(self, which: ColumnElement[bool]) -> list[LinkedPerson]:
        """Grants in force matching `which`, with their person's name and chats; two queries."""
        chats = (
            select(
                Chat.person_id,
                func.count(Chat.id).label("linked_chats"),
                func.max(Chat.updated_at).label("last_seen"),
            )
            .where(Chat.person_id.in_(select(GrantRow.person_id).where(which)))
            .group_by(Chat.person_id)
            .subquery()
        )
        rows = await self.session.execute(
            select(
                GrantRow.id,
                GrantRow.person_id,
                Person.full_name,
                GrantRow.role,
                GrantRow.unit_id,
                chats.c.linked_chats,
                chats.c.last_seen,
            )
            .join(Person, Person.id == GrantRow.person_id)
            .join(Unit, Unit.id == GrantRow.unit_id)
            .outerjoin(chats, chats.c.person_id == GrantRow.person_id)
            .where(which, GrantRow.revoked_at.is_(None))
            .order_by(Unit.code, GrantRow.role, Person.full_name, GrantRow.id)
        )
        channels: dict[int, list[str]] = {}
        for person_id, channel in await self.session.execute(
            select(Chat.person_id, Chat.channel)
            .where(Chat.person_id.in_(select(GrantRow.person_id).where(which)))
            .group_by(Chat.person_id, Chat.channel)
            .order_by(Chat.person_id, func.max(Chat.updated_at).desc())
        ):
            if person_id is not None:  # always: only linked chats are read, but the column allows unlinked ones
                channels.setdefault(person_id, []).append(channel)
        return [_linked_person(row, channels.get(row.person_id, ())) for row in rows]


def _linked_person(row: Row[Any], channels: Iterable[str]) -> LinkedPerson:
    return LinkedPerson(
        grant_id=row.id,
        person_id=row.person_id,
        full_name=row.full_name,
        role=Role(row.role),
        unit_id=row.unit_id,
        linked_chats=row.linked_chats or 0,
        last_seen=row.last_seen,
        channels=tuple(channels),
    )


async def holders(
    session: AsyncSession, role: Role, unit_ids: Collection[int], including_refusing: bool = False
) -> dict[int, list[Recipient]]:
    """Per unit on which someone holds `role`, those of them with a chat to write to, by name (a
    unit whose holders are all unreachable maps to []); one query. Each person's chat is their
    most recently active one not marked as refusing, or with `including_refusing` and no such
    chat, their most recently active one."""
    ids = list(unit_ids)
    if not ids:
        return {}
    in_force = (GrantRow.unit_id.in_(ids), GrantRow.role == role.value, GrantRow.revoked_at.is_(None))
    chats = _ranked_chats(select(GrantRow.person_id).where(*in_force))
    reachable = chats.c.rank == 1 if including_refusing else and_(chats.c.rank == 1, chats.c.refusing == 0)
    rows = await session.execute(
        select(GrantRow.unit_id, GrantRow.person_id, Person.full_name, Person.locale, chats.c.channel, chats.c.chat_id, chats.c.refusing)
        .join(Person, Person.id == GrantRow.person_id)
        .outerjoin(chats, and_(chats.c.person_id == GrantRow.person_id, reachable))
        .where(*in_force)
        .order_by(GrantRow.unit_id, Person.full_name, GrantRow.person_id)
    )
    found: dict[int, list[Recipient]] = {}
    for row in rows:
        people = found.setdefault(row.unit_id, [])
        if row.chat_id is not None:
            people.append(Recipient(row.person_id, row.full_name, row.channel, row.chat_id, row.locale or DEFAULT_LOCALE, bool(row.refusing)))
    return found


def _ranked_chats(people: Select[int]) -> Subquery:
    """The chats of these people, ranked per person: those that have not refused the bot first,
    each group from the most recently active."""
    refusing = case((Chat.blocked_at.is_(None), 0), else_=1)
    return (
        select(
            Chat.person_id,
            Chat.channel,
            Chat.chat_id,
            refusing.label("refusing"),
            func.row_number()
            .over(partition_by=Chat.person_id, order_by=(refusing, Chat.updated_at.desc(), Chat.id.desc()))
            .label("rank"),
        )
        .where(Chat.person_id.in_(people))
        .subquery()
    )
