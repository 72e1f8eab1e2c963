"""People and the roles they hold on units."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.ports import Grant, Role
from storage.models import GrantRow, Person, Unit


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
