"""One-time invite codes: how a chat becomes a person with a role on a unit.

Codes are short enough to read out over the phone and use an alphabet without look-alikes
(no 0/O, 1/I/L), so an officer typing one by hand does not trip over it.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any, cast

from sqlalchemy import exists, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession

from bot.ports import Grant, InviteProblem, NewInvite, Redemption, Role
from storage.models import GrantRow, Invite, Person, Unit

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 8


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


class UnknownUnit(LookupError):
    """An invite was asked for a unit code that is not in the database."""


class SqlInvites:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def create(
        self, unit_code: str, role: Role, expires_at: datetime, now: datetime, created_by: int | None = None
    ) -> NewInvite:
        unit = (await self.session.execute(select(Unit.id, Unit.name).where(Unit.code == unit_code))).one_or_none()
        if unit is None:
            raise UnknownUnit(unit_code)
        code = new_code()
        while await self.session.scalar(select(exists().where(Invite.code == code))):
            code = new_code()
        self.session.add(
            Invite(
                code=code,
                unit_id=unit.id,
                role=role.value,
                created_at=now,
                expires_at=expires_at,
                created_by=created_by,
            )
        )
        await self.session.flush()
        return NewInvite(code, unit_code, unit.name, role, expires_at)

    async def redeem(self, code: str, display_name: str, person_id: int | None, now: datetime) -> Redemption:
        """Spends the code. The invite row is locked (on PostgreSQL) so that two chats sending the
        same code at once cannot both spend it."""
        invite = (
            await self.session.execute(
                select(
                    Invite.id,
                    Invite.unit_id,
                    Invite.role,
                    Invite.expires_at,
                    Invite.used_at,
                    Invite.revoked_at,
                    Unit.code.label("unit_code"),
                    Unit.name.label("unit_name"),
                )
                .join(Unit, Unit.id == Invite.unit_id)
                .where(Invite.code == code.strip().upper())
                .with_for_update(of=Invite)
            )
        ).one_or_none()
        if invite is None:
            return Redemption(problem=InviteProblem.UNKNOWN)
        if invite.revoked_at is not None:
            return Redemption(problem=InviteProblem.REVOKED)
        if invite.used_at is not None:
            return Redemption(problem=InviteProblem.USED)
        if invite.expires_at <= now:
            return Redemption(problem=InviteProblem.EXPIRED)
        if person_id is None:
            person = Person(full_name=display_name, created_at=now)
            self.session.add(person)
            await self.session.flush()
            person_id = person.id
        await self.session.execute(
            update(Invite).where(Invite.id == invite.id).values(used_at=now, used_by_person_id=person_id)
        )
        role = Role(invite.role)
        await self._grant(person_id, invite.unit_id, role, now)
        return Redemption(grant=Grant(person_id, invite.unit_id, invite.unit_code, invite.unit_name, role))

    async def _grant(self, person_id: int, unit_id: int, role: Role, now: datetime) -> None:
        """Gives the role, or gives it back if it had been revoked."""
        revived = cast(
            CursorResult[Any],
            await self.session.execute(
                update(GrantRow)
                .where(GrantRow.person_id == person_id, GrantRow.unit_id == unit_id, GrantRow.role == role.value)
                .values(revoked_at=None)
            ),
        )
        if not revived.rowcount:
            self.session.add(GrantRow(person_id=person_id, unit_id=unit_id, role=role.value, created_at=now))
            await self.session.flush()
