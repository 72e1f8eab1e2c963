"""Invite codes: spent once, by whoever has them, within their time; never guessable or ambiguous."""

from __future__ import annotations

import asyncio
import re
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select, update

from bot.base.records import ChatRecord, Grant, InviteProblem, Redemption, Role
from bot.catalog.model import UnitSpec
from storage.invites import UnknownUnit
from storage.machinery_models import WrongCode
from storage.models import GrantRow, Invite, Person
from storage.seed import load_units
from storage.unit_of_work import UnitOfWorkFactory

NOW = datetime(2023, 11, 10, 1, 0, tzinfo=timezone.utc)
WEEK = NOW + timedelta(days=7)
UNITS = [
    UnitSpec("NA", "Tỉnh Nghệ An", "tinh", None, False),
    UnitSpec("NA-CL", "Thị xã Cửa Lò", "huyen", "NA", False),
    UnitSpec("CAP-CL-NGHIHAI", "Công an phường Nghi Hải", "cap", "NA-CL", False),
]


@pytest.fixture
async def seeded(uow_factory: UnitOfWorkFactory) -> UnitOfWorkFactory:
    async with uow_factory() as uow:
        await load_units(uow, UNITS)
    return uow_factory


async def invite(seeded: UnitOfWorkFactory, unit: str = "CAP-CL-NGHIHAI", role: Role = Role.REPORTER) -> str:
    async with seeded() as uow:
        return (await uow.invites.create(unit, role, WEEK, NOW)).code


async def test_codes_are_short_and_unambiguous(seeded: UnitOfWorkFactory) -> None:
    async with seeded() as uow:
        created = await uow.invites.create("CAP-CL-NGHIHAI", Role.SUPERVISOR, WEEK, NOW)
    assert re.fullmatch(r"[2-9A-HJKMNP-Z]{8}", created.code)
    assert (created.unit_code, created.unit_name, created.role, created.expires_at) == (
        "CAP-CL-NGHIHAI",
        "Công an phường Nghi Hải",
        Role.SUPERVISOR,
        WEEK,
    )
    codes = {await invite(seeded) for _ in range(20)}
    assert len(codes) == 20


async def test_an_invite_for_an_unknown_unit_is_refused(seeded: UnitOfWorkFactory) -> None:
    with pytest.raises(UnknownUnit):
        await invite(seeded, "NA-NOWHERE")


async def test_redeeming_makes_a_person_with_the_role(seeded: UnitOfWorkFactory) -> None:
    code = await invite(seeded)
    async with seeded() as uow:
        redemption = await uow.invites.redeem(code, "Nguyễn Văn An", None, NOW)
    assert redemption.problem is None and redemption.grant is not None
    person_id = redemption.grant.person_id
    async with seeded() as uow:
        assert await uow.session.scalar(select(Person.full_name).where(Person.id == person_id)) == "Nguyễn Văn An"
        assert await uow.people.grants(person_id) == [
            Grant(person_id, redemption.grant.unit_id, "CAP-CL-NGHIHAI", "Công an phường Nghi Hải", Role.REPORTER)
        ]
        used = (await uow.session.execute(select(Invite.used_at, Invite.used_by_person_id))).one()
    assert tuple(used) == (NOW, person_id)


async def test_a_known_person_gains_roles_without_a_new_record(seeded: UnitOfWorkFactory) -> None:
    async with seeded() as uow:
        first = await uow.invites.redeem(await invite(seeded), "Nguyễn Văn An", None, NOW)
    assert first.grant is not None
    person_id = first.grant.person_id
    supervisor_code = await invite(seeded, "NA-CL", Role.SUPERVISOR)
    async with seeded() as uow:
        second = await uow.invites.redeem(supervisor_code, "ignored", person_id, NOW)
        await uow.people.set_locale(person_id, "en")
    assert second.grant is not None and second.grant.person_id == person_id
    async with seeded() as uow:
        assert [(g.unit_code, g.role) for g in await uow.people.grants(person_id)] == [
            ("CAP-CL-NGHIHAI", Role.REPORTER),
            ("NA-CL", Role.SUPERVISOR),
        ]
        assert (await uow.session.execute(select(Person.full_name, Person.locale))).all() == [("Nguyễn Văn An", "en")]


async def test_a_revoked_grant_is_given_back_by_a_new_invite(seeded: UnitOfWorkFactory) -> None:
    async with seeded() as uow:
        first = await uow.invites.redeem(await invite(seeded), "Nguyễn Văn An", None, NOW)
    assert first.grant is not None
    async with seeded() as uow:
        await uow.session.execute(update(GrantRow).values(revoked_at=NOW))
        assert await uow.people.grants(first.grant.person_id) == []
    code = await invite(seeded)
    async with seeded() as uow:
        again = await uow.invites.redeem(code, "", first.grant.person_id, NOW)
        assert await uow.people.grants(first.grant.person_id) == [again.grant]


@pytest.mark.parametrize(
    ("change", "at", "problem"),
    [
        ({}, NOW, None),
        ({"used_at": NOW}, NOW, InviteProblem.USED),
        ({"revoked_at": NOW}, NOW, InviteProblem.REVOKED),
        ({}, WEEK, InviteProblem.EXPIRED),
        ({"used_at": NOW, "revoked_at": NOW}, WEEK, InviteProblem.REVOKED),
    ],
)
async def test_spent_expired_and_withdrawn_codes_are_refused(
    seeded: UnitOfWorkFactory, change: dict[str, datetime], at: datetime, problem: InviteProblem | None
) -> None:
    code = await invite(seeded)
    async with seeded() as uow:
        if change:
            await uow.session.execute(update(Invite).values(**change))
        redemption = await uow.invites.redeem(code, "Nguyễn Văn An", None, at)
        assert redemption.problem == problem
        assert (redemption.grant is None) == (problem is not None)
        people = (await uow.session.execute(select(Person.id))).all()
        assert len(people) == (problem is None)


async def test_an_unknown_code_is_refused(seeded: UnitOfWorkFactory) -> None:
    async with seeded() as uow:
        assert (await uow.invites.redeem("ZZZZZZZZ", "Nguyễn Văn An", None, NOW)).problem is InviteProblem.UNKNOWN


async def test_a_code_sent_from_two_chats_at_once_is_spent_once(seeded: UnitOfWorkFactory) -> None:
    code = await invite(seeded)

    async def redeem(name: str) -> InviteProblem | None:
        async with seeded() as uow:
            return (await uow.invites.redeem(code, name, None, NOW)).problem

    problems = await asyncio.gather(*(redeem(f"Cán bộ {n}") for n in range(5)))
    assert problems.count(None) == 1
    assert problems.count(InviteProblem.USED) == 4


async def test_a_link_code_joins_another_chat_to_the_person_and_merges_a_duplicate(seeded: UnitOfWorkFactory) -> None:
    codes = await invite(seeded), await invite(seeded, "NA-CL", Role.SUPERVISOR)
    async with seeded() as uow:
        officer = await uow.invites.redeem(codes[0], "Nguyễn Văn An", None, NOW)
        duplicate = await uow.invites.redeem(codes[1], "An (Zalo)", None, NOW)
    assert officer.person_id is not None and duplicate.person_id is not None
    async with seeded() as uow:
        await uow.chats.save(ChatRecord("telegram", "100", officer.person_id, {"step": 7}), NOW)
        await uow.chats.save(ChatRecord("zalo", "z-1", duplicate.person_id, {"step": 2}), NOW)
        fresh = await uow.invites.link_code(officer.person_id, WEEK, NOW)
        merging = await uow.invites.link_code(officer.person_id, WEEK, NOW)
    assert re.fullmatch(r"[2-9A-HJKMNP-Z]{8}", fresh)

    # A chat of nobody yet joins the person: no new person, no grant.
    async with seeded() as uow:
        joined = await uow.invites.redeem(fresh, "Ai đó", None, NOW)
        assert await uow.invites.redeem(fresh, "Ai đó", None, NOW) == Redemption(problem=InviteProblem.USED)
    assert joined == Redemption(person_id=officer.person_id, joined_existing=True)

    # A chat linked on its own before: its person's chats and roles move over.
    async with seeded() as uow:
        merged = await uow.invites.redeem(merging, "An (Zalo)", duplicate.person_id, NOW)
    assert merged == Redemption(person_id=officer.person_id, joined_existing=True)
    async with seeded() as uow:
        chat = await uow.chats.get("zalo", "z-1")
        roles = {(g.unit_code, g.role) for g in await uow.people.grants(officer.person_id)}
        assert await uow.people.grants(duplicate.person_id) == []
    assert chat is not None and (chat.person_id, chat.state) == (officer.person_id, {"step": 7})
    assert roles == {("CAP-CL-NGHIHAI", Role.REPORTER), ("NA-CL", Role.SUPERVISOR)}


async def test_wrong_codes_are_kept_a_day(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        await uow.wrong_codes.record("telegram", "1", NOW)
        await uow.wrong_codes.record("telegram", "2", NOW + timedelta(hours=23))
    async with uow_factory() as uow:
        await uow.wrong_codes.record("zalo_bot", "3", NOW + timedelta(days=1, minutes=1))
    async with uow_factory() as uow:
        kept = list(await uow.session.scalars(select(WrongCode.chat_id).order_by(WrongCode.id)))
    assert kept == ["2", "3"]
