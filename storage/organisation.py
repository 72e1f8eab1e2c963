"""This process's snapshot of the organisation (bot/organisation/snapshot.py): the unit tree and
the campaigns, read once and read again only when the version kept with them in the database has
moved. Each worker holds its own; the version, in the database, is what they share."""

from __future__ import annotations

from bot.base.ports import Units
from bot.organisation.snapshot import Organisation
from bot.organisation.units import UnitTree

__all__ = ["OrganisationSnapshots"]


class OrganisationSnapshots:
    def __init__(self) -> None:
        self._held: Organisation | None = None

    async def current(self, units: Units) -> Organisation:
        """The version is read first: units and campaigns read after it are at least that new,
        so a snapshot is never older than the version it is kept under."""
        version = await units.version()
        held = self._held
        if held is None or held.version != version:
            held = self._held = Organisation(version, UnitTree(await units.units()), tuple(await units.campaigns()))
        return held
