"""The organisation as a process holds it between turns: the unit tree and the campaigns, read
once and read again only when the version storage keeps with them has moved (a unit or a
campaign was written, by this process or another)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from bot.base.ports import Units
from bot.base.records import CampaignRecord
from bot.organisation.units import UnitTree

__all__ = ["Organisation", "OrganisationSource"]


@dataclass(frozen=True)
class Organisation:
    version: int
    tree: UnitTree
    campaigns: Sequence[CampaignRecord]
    """Every campaign, by opening date and code."""


class OrganisationSource(Protocol):
    """Where a turn gets the organisation this process holds (storage keeps it and its version)."""

    async def current(self, units: Units) -> Organisation:
        """The snapshot, read again only if `units.version()` moved since it was read."""
        ...
