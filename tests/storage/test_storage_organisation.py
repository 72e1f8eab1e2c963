"""Each worker keeps the unit tree and the campaigns between turns and reads them again only when
the version in the database has moved: one small query a turn otherwise, and what `units import`,
`campaigns load` or another worker wrote is seen on the next turn of every worker."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timezone

from harness.statements import counting_statements
from storage.organisation import OrganisationSnapshots
from storage.seed import load_campaign, load_units, name_signers, retire_units
from storage.unit_of_work import UnitOfWorkFactory
from tests.service_harness import CAMPAIGNS, CUA_LO_UNITS, NGHI_HAI

NEW_UNIT = replace(CUA_LO_UNITS[-1], code="CAP-CL-MOI", name="Công an phường Mới")


async def test_two_workers_read_the_organisation_again_only_after_a_write_of_units_or_campaigns(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        await load_units(uow, CUA_LO_UNITS)
        await load_campaign(uow, CAMPAIGNS[0])
    first, second = OrganisationSnapshots(), OrganisationSnapshots()
    async with uow_factory() as uow:
        held = await first.current(uow.units)
        assert (await second.current(uow.units)).tree.by_code(NGHI_HAI) is not None
    assert [c.code for c in held.campaigns] == [CAMPAIGNS[0].code]

    with counting_statements(uow_factory) as statements:
        async with uow_factory() as uow:
            assert await first.current(uow.units) is held  # nothing written: the version alone is read
    assert [s.split()[0] for s in statements if not s.startswith("BEGIN")] == ["SELECT"]

    async with uow_factory() as uow:  # as `units import` and `campaigns load` write, in a process of their own
        await load_units(uow, [*CUA_LO_UNITS, NEW_UNIT])
        await load_campaign(uow, replace(CAMPAIGNS[0], opens=date(2023, 10, 30)))
    async with uow_factory() as uow:
        for worker in (first, second):
            organisation = await worker.current(uow.units)
            assert organisation.version > held.version
            assert organisation.tree.by_code(NEW_UNIT.code) is not None
            assert organisation.campaigns[0].opens == date(2023, 10, 30)

    async with uow_factory() as uow:
        seen = (await first.current(uow.units)).version
        await load_units(uow, CUA_LO_UNITS)  # the same sheet again changes nothing
        assert (await first.current(uow.units)).version == seen
        await name_signers(uow, {NGHI_HAI: ("Nguyễn Văn Bình", "Trưởng Công an phường")})
        signed = await first.current(uow.units)  # this worker's own write, within its transaction
        assert signed.version > seen and signed.tree.by_code(NGHI_HAI).letterhead.signer_name == "Nguyễn Văn Bình"
        await retire_units(uow, [NEW_UNIT.code], datetime(2023, 11, 20, tzinfo=timezone.utc))
        assert (await first.current(uow.units)).version > signed.version
