"""One-time codes: how a chat becomes a person with a role on a unit (an invite), or joins a
person already linked in another messenger (a link code, /lienket). Their form is the core's
(bot/base/codes.py); callers pass them normalised.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Row, exists, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession

from bot.base.codes import new_code
from bot.base.records import CodeCheck, Grant, InviteProblem, NewInvite, PendingInvite, Redemption, Role
from bot.linking.redemption import IssuedCode, problem, spend
from storage.models import Chat, GrantRow, Invite, Person, Unit

__all__ = ["SqlInvites", "UnknownUnit"]


class UnknownUnit(LookupError):
    """An invite was asked for a unit code that is not in the database."""


class SqlInvites:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def create(
        self,
        unit_code: str,
        role: Role,
        expires_at: datetime,
        now: datetime,
        created_by: int | None = None,
        code: str | None = None,
        full_name: str = "",
        phone: str = "",
    ) -> NewInvite:
        unit = (await self.session.execute(select(Unit.id, Unit.name).where(Unit.code == unit_code))).one_or_none()
        if unit is None:
            raise UnknownUnit(unit_code)
        code = code or await self._fresh_code()
        self.session.add(
            Invite(
                code=code,
                unit_id=unit.id,
                role=role.value,
                created_at=now,
                expires_at=expires_at,
                created_by=created_by,
                full_name=full_name or None,
                phone=phone or None,
            )
        )
        await self.session.flush()
        return NewInvite(code, unit_code, unit.name, role, expires_at)

    async def pending(self, unit_ids: Collection[int], now: datetime) -> list[PendingInvite]:
        ids = list(unit_ids)
        if not ids:
            return []
        rows = await self.session.execute(
            select(Invite.code, Invite.unit_id, Invite.role, Invite.expires_at, Invite.full_name, Invite.phone)
            .where(Invite.unit_id.in_(ids), Invite.used_at.is_(None), Invite.revoked_at.is_(None), Invite.expires_at > now)
            .order_by(Invite.expires_at, Invite.code)
        )
        return [
            PendingInvite(row.code, row.unit_id, Role(row.role), row.expires_at, row.full_name or "", row.phone or "")
            for row in rows
        ]

    async def withdraw(self, codes: Collection[str], now: datetime) -> int:
        result = cast(
            CursorResult[Any],
            await self.session.execute(
                update(Invite)
                .where(Invite.code.in_(list(codes)), Invite.used_at.is_(None), Invite.revoked_at.is_(None))
                .values(revoked_at=now)
            ),
        )
        return result.rowcount

    async def link_code(self, person_id: int, expires_at: datetime, now: datetime, code: str | None = None) -> str:
        code = code or await self._fresh_code()
        self.session.add(Invite(code=code, person_id=person_id, created_at=now, expires_at=expires_at, created_by=person_id))
        await self.session.flush()
        return code

    async def _fresh_code(self) -> str:
        code = new_code()
        while await self.session.scalar(select(exists().where(Invite.code == code))):
            code = new_code()
        return code

    async def check(self, code: str, now: datetime) -> CodeCheck:
        """Whether the code can be spent (bot/linking/redemption.py) and what it gives, for the
        core to decide on before `redeem` spends it."""
        invite = await self._locked(code)
        if invite is None:
            return CodeCheck(problem=InviteProblem.UNKNOWN)
        if (unusable := problem(_issued(invite), now)) is not None:
            return CodeCheck(problem=unusable)
        role = Role(invite.role) if invite.unit_id is not None and invite.role is not None else None
        return CodeCheck(role=role, unit_name=invite.unit_name or "", person_id=invite.person_id)

    async def _locked(self, code: str) -> Row[*tuple[Any, ...]] | None:
        """The invite with its unit; its row locked (on PostgreSQL) until commit, so that two
        chats sending the same code at once cannot both spend it."""
        return (
            await self.session.execute(
                select(
                    Invite.id,
                    Invite.unit_id,
                    Invite.role,
                    Invite.person_id,
                    Invite.expires_at,
                    Invite.used_at,
                    Invite.revoked_at,
                    Invite.full_name,
                    Unit.code.label("unit_code"),
                    Unit.name.label("unit_name"),
                )
                .outerjoin(Unit, Unit.id == Invite.unit_id)
                .where(Invite.code == code)
                .with_for_update(of=Invite)
            )
        ).one_or_none()

    async def redeem(self, code: str, display_name: str, person_id: int | None, now: datetime) -> Redemption:
        """Spends the code as the core decides (bot/linking/redemption.py), under the lock `_locked` takes."""
        invite = await self._locked(code)
        if invite is None:
            return Redemption(problem=InviteProblem.UNKNOWN)
        spent = spend(_issued(invite), person_id, display_name, now)
        if isinstance(spent, InviteProblem):
            return Redemption(problem=spent)
        person_id = spent.person_id
        if person_id is None:
            person = Person(full_name=spent.new_name, created_at=now)
            self.session.add(person)
            await self.session.flush()
            person_id = person.id
        if spent.merged_person_id is not None:
            await self._merge(spent.merged_person_id, person_id, now)
        await self.session.execute(
            update(Invite).where(Invite.id == invite.id).values(used_at=now, used_by_person_id=person_id)
        )
        if spent.grant is None:
            return Redemption(person_id=person_id, joined_existing=spent.joined_existing)
        unit_id, role = spent.grant
        await self._grant(person_id, unit_id, role, now)
        grant = Grant(person_id, unit_id, invite.unit_code, invite.unit_name, role)
        return Redemption(person_id=person_id, grant=grant, joined_existing=spent.joined_existing)

    async def _merge(self, duplicate: int, person_id: int, now: datetime) -> None:
        """The chats and the roles of `duplicate` (linked on its own before) go to `person_id`:
        one person, whatever messenger they write from. The duplicate row stays, for the history
        of what it did."""
        await self.session.execute(update(Chat).where(Chat.person_id == duplicate).values(person_id=person_id))
        roles = (
            await self.session.execute(
                select(GrantRow.unit_id, GrantRow.role).where(GrantRow.person_id == duplicate, GrantRow.revoked_at.is_(None))
            )
        ).all()
        for unit_id, role in roles:
            await self._grant(person_id, unit_id, Role(role), now)
        await self.session.execute(
            update(GrantRow).where(GrantRow.person_id == duplicate, GrantRow.revoked_at.is_(None)).values(revoked_at=now)
        )

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


def _issued(invite: Row[Any]) -> IssuedCode:
    """The invite row as the core reads a code."""
    role = Role(invite.role) if invite.role is not None else None
    return IssuedCode(invite.expires_at, invite.used_at, invite.revoked_at, invite.unit_id, role, invite.person_id, invite.full_name or "")
