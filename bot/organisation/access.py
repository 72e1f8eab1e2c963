"""Who may see and do what: roles from a person's grants, scope as a set of unit ids.

Every supervisor query is filtered by this scope on the server; a unit outside it is treated
exactly like a unit that does not exist, so not even its name leaks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.base.records import Grant, Role
from bot.organisation.units import UnitTree

__all__ = ["Access", "access_of"]


@dataclass(frozen=True)
class Access:
    person_id: int
    roles: frozenset[Role]
    roots: tuple[int, ...]
    unit_ids: frozenset[int]

    @property
    def supervises(self) -> bool:
        return bool(self.roles & {Role.SUPERVISOR, Role.ADMIN})

    @property
    def administers(self) -> bool:
        return Role.ADMIN in self.roles

    def sees(self, unit_id: int) -> bool:
        return unit_id in self.unit_ids


def access_of(person_id: int, grants: Sequence[Grant], tree: UnitTree) -> Access:
    """Supervisors see the subtrees of their units; an administrator sees the whole tree."""
    roles = frozenset(grant.role for grant in grants)
    roots = tuple(unit.id for unit in tree.children(None)) if Role.ADMIN in roles else tuple(grant.unit_id for grant in grants if grant.role is Role.SUPERVISOR)
    return Access(person_id, roles, roots, tree.subtree(roots))
