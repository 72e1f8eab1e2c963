"""Supervision: who has reported across the demo province, appraisal, history, people and chats."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import func, select, update

from bot.base.forms import CriterionStatus, LocalText
from bot.base.records import (
    AuditEntry,
    ChatRecord,
    Enrolment,
    LinkedPerson,
    Recipient,
    Role,
    UnitRecord,
)
from bot.base.report_status import ReportStatus
from harness.statements import counting_statements
from storage.models import Chat, Report
from storage.unit_of_work import UnitOfWorkFactory
from tests.demo_province import DEMO_UNITS, load_demo_province, unit_ids
from tests.report_moves import approve, return_report, submit

CAMPAIGN = "so-ket-2023"
LATER_CAMPAIGN = "so-ket-2023-2024"
T0 = datetime(2023, 11, 10, 2, 30, tzinfo=timezone.utc)
WEEK = T0 + timedelta(days=7)


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


@pytest.fixture
async def demo(uow_factory: UnitOfWorkFactory) -> UnitOfWorkFactory:
    return await load_demo_province(uow_factory)


async def person_with(factory: UnitOfWorkFactory, name: str, *grants: tuple[str, Role]) -> int:
    """A person holding these roles, made the way the bot makes them: through invites."""
    person_id = None
    for unit_code, role in grants:
        async with factory() as uow:
            code = (await uow.invites.create(unit_code, role, WEEK, T0)).code
            grant = (await uow.invites.redeem(code, name, person_id, T0)).grant
            assert grant is not None
            person_id = grant.person_id
    assert person_id is not None
    return person_id


async def draft(factory: UnitOfWorkFactory, unit_id: int, now: datetime = T0, campaign: str = CAMPAIGN) -> int:
    async with factory() as uow:
        report = await uow.reports.open_unit(campaign, unit_id, now)
    assert report is not None
    return report.id


async def rows(factory: UnitOfWorkFactory, ids: Any, campaign: str = CAMPAIGN) -> list[Enrolment]:
    async with factory() as uow:
        return list(await uow.reports.enrolments(campaign, ids))




ANSWER = {"status": "dat", "narrative": "Đạt"}


async def test_units_come_parents_first_and_campaigns_by_opening(demo: UnitOfWorkFactory) -> None:
    async with demo() as uow:
        units = list(await uow.units.units())
        campaigns = list(await uow.units.campaigns())
    assert len(units) == len(DEMO_UNITS) == 119
    assert units[0] == UnitRecord(units[0].id, "NA", "Tỉnh Nghệ An", "tinh", None, False)
    position = {unit.id: index for index, unit in enumerate(units)}
    assert all(position[unit.parent_id] < position[unit.id] for unit in units if unit.parent_id is not None)
    by_code = {unit.code: unit for unit in units}
    assert by_code["CAP-CL-NGHIHAI"].parent_id == by_code["NA-CL"].id
    assert (by_code["XA-DEMO-01"].kind, by_code["XA-DEMO-01"].demo) == ("xa", True)
    # Siblings by code: Cửa Lò's children follow it in code order.
    children = [unit.code for unit in units if unit.parent_id == by_code["NA-CL"].id]
    assert children == sorted(children)
    assert [(c.code, c.opens, c.report_due) for c in campaigns] == [
        (CAMPAIGN, date(2023, 11, 1), date(2023, 11, 25)),
        (LATER_CAMPAIGN, date(2024, 6, 1), date(2024, 7, 15)),
    ]
    assert campaigns[0].title == LocalText(
        "Sơ kết công tác xây dựng đơn vị điển hình, kiểu mẫu năm 2023", "2023 review of building model units"
    )


async def test_report_rows_show_every_enrolment_of_the_demo_province(demo: UnitOfWorkFactory) -> None:
    ids = await unit_ids(demo)
    everyone = list(ids.values())
    before = await rows(demo, everyone)
    assert Counter(row.form_id for row in before) == {
        "xa-34": 48,
        "cq-14": 42,
        "cap-22": 16,
        "de-cuong": 8,
        "huyen-32": 2,
    }
    assert {(row.report_id, row.status, row.answered, row.last_activity) for row in before} == {(None, None, 0, None)}
    assert not {ids["NA"], ids["NA-CAT"], ids["NA-CAT-PV01"]} & {row.unit_id for row in before}

    officer = await person_with(demo, "Nguyễn Văn An", ("CAP-CL-NGHIHAI", Role.REPORTER))
    supervisor = await person_with(demo, "Trần Thị Bình", ("NA-CL", Role.SUPERVISOR))
    ward, commune, agency, town = (ids[c] for c in ("CAP-CL-NGHIHAI", "XA-DEMO-01", "CQ-DEMO-01", "NA-CL"))
    ward_report = await draft(demo, ward)
    commune_report = await draft(demo, commune)
    await draft(demo, agency)
    town_report = await draft(demo, town)
    async with demo() as uow:
        await uow.reports.save_answers(ward_report, {"TC.1": ANSWER, "TC.2": ANSWER}, officer, at(1))
        await uow.reports.save_answers(ward_report, {"TC.1": ANSWER}, officer, at(2))
        ward_receipt = await submit(uow, ward_report, officer, at(3))
        await return_report(uow, ward_report, ["TC.2"], "Bổ sung số liệu", supervisor, at(4))
        await uow.reports.save_answers(commune_report, {"TC.1": ANSWER}, officer, at(1))
        await submit(uow, commune_report, officer, at(2))
        await approve(uow, commune_report, supervisor, at(3))
        await uow.reports.save_answers(town_report, {f"TC.{n}": ANSWER for n in range(1, 4)}, officer, at(5))
        town_receipt = await submit(uow, town_report, officer, at(6))

    after = {row.unit_id: row for row in await rows(demo, everyone)}
    assert len(after) == 116
    # Last activity is the officer's: the newest answer or submission, never a supervisor's act.
    assert after[ward] == Enrolment(
        ward, "cap-22", ward_report, ReportStatus.RETURNED, 2, 2, at(3), at(3), ward_receipt.number, criteria={CriterionStatus.MET: 2}
    )
    assert (after[commune].status, after[commune].answered, after[commune].last_activity) == (
        ReportStatus.APPROVED,
        1,
        at(2),
    )
    # Opened but never answered: no activity yet.
    assert after[agency] == Enrolment(agency, "cq-14", after[agency].report_id, ReportStatus.DRAFT, 0, 0, None)
    assert after[town] == Enrolment(
        town, "huyen-32", town_report, ReportStatus.SUBMITTED, 3, 3, at(6), at(6), town_receipt.number, criteria={CriterionStatus.MET: 3}
    )
    assert Counter(row.status for row in after.values()) == {
        None: 112,
        ReportStatus.DRAFT: 1,
        ReportStatus.SUBMITTED: 1,
        ReportStatus.RETURNED: 1,
        ReportStatus.APPROVED: 1,
    }
    # The other campaign's enrolments are untouched.
    assert {row.status for row in await rows(demo, everyone, LATER_CAMPAIGN)} == {None}
    assert await rows(demo, everyone, "no-such-campaign") == []


async def test_report_rows_cost_the_same_queries_for_three_units_or_the_province(demo: UnitOfWorkFactory) -> None:
    ids = await unit_ids(demo)
    officer = await person_with(demo, "Nguyễn Văn An", ("CAP-CL-NGHIHAI", Role.REPORTER))
    for code in ("CAP-CL-NGHIHAI", "XA-DEMO-01", "CQ-DEMO-01", "XA-DEMO-40"):
        report_id = await draft(demo, ids[code])
        async with demo() as uow:
            await uow.reports.save_answers(report_id, {"TC.1": ANSWER, "TC.2": ANSWER}, officer, at(1))
    costs = []
    for scope, answered in (([ids["CAP-CL-NGHIHAI"], ids["XA-DEMO-01"], ids["NA"]], 4), (list(ids.values()), 8)):
        with counting_statements(demo) as statements:
            listed = await rows(demo, scope)
        costs.append(len([s for s in statements if s.lstrip().upper().startswith("SELECT")]))
        assert sum(row.answered for row in listed) == answered
    assert costs[0] == costs[1] == 1


async def test_nothing_outside_the_given_units_is_returned(demo: UnitOfWorkFactory) -> None:
    ids = await unit_ids(demo)
    async with demo() as uow:
        units = await uow.units.units()
    cua_lo = {unit.id for unit in units if unit.parent_id == ids["NA-CL"]} | {ids["NA-CL"]}
    officer = await person_with(demo, "Nguyễn Văn An", ("CAP-CL-NGHIHAI", Role.REPORTER))
    await person_with(demo, "Lê Văn Cường", ("CAP-TH-HOAHIEU", Role.REPORTER))
    inside, outside = await draft(demo, ids["CAP-CL-NGHIHAI"]), await draft(demo, ids["CAP-TH-HOAHIEU"])
    async with demo() as uow:
        await uow.reports.save_answers(inside, {"TC.1": {"text": "Cửa Lò"}}, officer, at(1))
        await uow.reports.save_answers(outside, {"TC.1": {"text": "Thái Hòa"}}, officer, at(1))

    scoped = await rows(demo, cua_lo)
    # Cửa Lò: the town itself, 7 ward police, 6 communes, 4 enterprises.
    assert {row.unit_id for row in scoped} == cua_lo
    assert len(scoped) == 18
    assert [row.report_id for row in scoped if row.report_id is not None] == [inside]
    assert await rows(demo, []) == []
    async with demo() as uow:
        assert await uow.reports.answers_to(CAMPAIGN, "TC.1", cua_lo) == {
            ids["CAP-CL-NGHIHAI"]: {"text": "Cửa Lò"}
        }
        assert await uow.reports.answers_to(CAMPAIGN, "TC.1", []) == {}
        people = await uow.people.linked(cua_lo)
        assert [(p.full_name, p.unit_id) for p in people] == [("Nguyễn Văn An", ids["CAP-CL-NGHIHAI"])]
        assert await uow.people.linked([]) == []


async def test_answers_to_one_question_give_each_units_newest_version(demo: UnitOfWorkFactory) -> None:
    ids = await unit_ids(demo)
    officer = await person_with(demo, "Nguyễn Văn An", ("CAP-CL-NGHIHAI", Role.REPORTER))
    ward, commune = await draft(demo, ids["CAP-CL-NGHIHAI"]), await draft(demo, ids["XA-DEMO-01"])
    later = await draft(demo, ids["CAP-CL-NGHIHAI"], campaign=LATER_CAMPAIGN)
    async with demo() as uow:
        await uow.reports.save_answers(ward, {"TC.1": {"text": "một"}, "TC.2": {"text": "x"}}, officer, at(1))
        await uow.reports.save_answers(ward, {"TC.1": {"text": "hai"}}, officer, at(2))
        await uow.reports.save_answers(commune, {"TC.2": {"text": "y"}}, officer, at(1))
        await uow.reports.save_answers(later, {"TC.1": {"text": "năm sau"}}, officer, at(1))
    async with demo() as uow:
        everyone = list(ids.values())
        assert await uow.reports.answers_to(CAMPAIGN, "TC.1", everyone) == {ids["CAP-CL-NGHIHAI"]: {"text": "hai"}}
        assert await uow.reports.answers_to(CAMPAIGN, "TC.2", everyone) == {
            ids["CAP-CL-NGHIHAI"]: {"text": "x"},
            ids["XA-DEMO-01"]: {"text": "y"},
        }
        assert await uow.reports.answers_to(LATER_CAMPAIGN, "TC.1", everyone) == {
            ids["CAP-CL-NGHIHAI"]: {"text": "năm sau"}
        }


async def test_report_of_creates_the_draft_once(demo: UnitOfWorkFactory) -> None:
    ids = await unit_ids(demo)
    ward = ids["CAP-CL-NGHIHAI"]
    async with demo() as uow:
        report = await uow.reports.open_unit(CAMPAIGN, ward, T0)
        assert report is not None
        assert (report.unit_id, report.unit_code, report.form_id, report.status, report.report_due) == (
            ward,
            "CAP-CL-NGHIHAI",
            "cap-22",
            ReportStatus.DRAFT,
            date(2023, 11, 25),
        )
        assert (report.return_comment, report.reopened, report.needs_revision) == (None, frozenset(), frozenset())
        assert await uow.reports.open_unit(CAMPAIGN, ward, at(5)) == report
    async with demo() as uow:
        assert await uow.reports.open_unit(CAMPAIGN, ward, at(10)) == report
        assert await uow.reports.get(report.id) == report
        assert await uow.session.scalar(select(func.count()).select_from(Report)) == 1
        assert await uow.session.scalar(select(Report.created_at)) == T0
        # The province and its police have no report of their own; nor does an unknown campaign.
        assert await uow.reports.open_unit(CAMPAIGN, ids["NA"], T0) is None
        assert await uow.reports.open_unit("no-such-campaign", ward, T0) is None
    # The unit's reporter finds the very same report.
    officer = await person_with(demo, "Nguyễn Văn An", ("CAP-CL-NGHIHAI", Role.REPORTER))
    async with demo() as uow:
        assert [r.id for r in await uow.reports.open_for(officer, date(2023, 11, 10), datetime(2023, 11, 10, 2, tzinfo=timezone.utc))] == [report.id]


async def test_returning_and_approving_only_a_handed_in_report(demo: UnitOfWorkFactory) -> None:
    ids = await unit_ids(demo)
    officer = await person_with(demo, "Nguyễn Văn An", ("CAP-CL-NGHIHAI", Role.REPORTER))
    supervisor = await person_with(demo, "Trần Thị Bình", ("NA-CL", Role.SUPERVISOR))
    report_id = await draft(demo, ids["CAP-CL-NGHIHAI"])
    async with demo() as uow:
        with pytest.raises(ValueError, match="is draft"):
            await return_report(uow, report_id, ["TC.1"], "Sửa", supervisor, at(1))
        with pytest.raises(ValueError, match="is draft"):
            await approve(uow, report_id, supervisor, at(1))
        with pytest.raises(LookupError):
            await approve(uow, report_id + 1000, supervisor, at(1))
    async with demo() as uow:
        answers = {f"TC.{n}": ANSWER for n in range(1, 5)}
        await uow.reports.save_answers(report_id, answers, officer, at(1))
        await submit(uow, report_id, officer, at(2))
        await return_report(uow, report_id, ["TC.3", "TC.1", "TC.3"], "Bổ sung số liệu", supervisor, at(3))
    async with demo() as uow:
        returned = await uow.reports.get(report_id)
        assert returned is not None
        assert (returned.status, returned.reopened, returned.needs_revision, returned.return_comment) == (
            ReportStatus.RETURNED,
            {"TC.1", "TC.3"},
            {"TC.1", "TC.3"},
            "Bổ sung số liệu",
        )
        assert (await uow.session.execute(select(Report.returned_at, Report.reopened))).one() == (
            at(3),
            ["TC.1", "TC.3"],
        )
        with pytest.raises(ValueError, match="is returned"):
            await return_report(uow, report_id, ["TC.2"], "Lại", supervisor, at(4))
        with pytest.raises(ValueError, match="is returned"):
            await approve(uow, report_id, supervisor, at(4))
    # The officer revises one reopened question, then the other.
    async with demo() as uow:
        revision = {"status": "dat", "narrative": "Đã bổ sung"}
        await uow.reports.save_answers(report_id, {"TC.1": revision}, officer, at(5))
        revising = await uow.reports.open_unit(CAMPAIGN, ids["CAP-CL-NGHIHAI"], at(5))
        assert revising is not None and revising.needs_revision == {"TC.3"}
        await uow.reports.save_answers(report_id, {"TC.3": ANSWER}, officer, at(6))
        revised = await uow.reports.get(report_id)
        assert revised is not None and revised.needs_revision == frozenset()
        receipt = await submit(uow, report_id, officer, at(7))
    assert receipt.number == f"BC-{report_id:06d}-2"
    async with demo() as uow:
        resubmitted = await uow.reports.get(report_id)
        assert resubmitted is not None and resubmitted.status is ReportStatus.RESUBMITTED
        await approve(uow, report_id, supervisor, at(8))
    async with demo() as uow:
        approved = await uow.reports.get(report_id)
        assert approved is not None and approved.status is ReportStatus.APPROVED
        with pytest.raises(ValueError, match="is approved"):
            await approve(uow, report_id, supervisor, at(9))
        with pytest.raises(ValueError, match="not open for submission"):
            await submit(uow, report_id, officer, at(9))
    async with demo() as uow:  # an approval can be reopened for revision
        await return_report(uow, report_id, ["TC.1"], "Sửa", supervisor, at(9))
        reopened = await uow.reports.get(report_id)
        assert reopened is not None and (reopened.status, reopened.reopened) == (ReportStatus.RETURNED, {"TC.1"})
    # A resubmitted report can be returned again.
    other = await draft(demo, ids["XA-DEMO-01"])
    async with demo() as uow:
        await submit(uow, other, officer, at(1))
        await return_report(uow, other, ["TC.1"], "Một", supervisor, at(2))
        await submit(uow, other, officer, at(3))
        await return_report(uow, other, ["TC.2"], "Hai", supervisor, at(4))
        again = await uow.reports.get(other)
    assert again is not None
    assert (again.status, again.reopened, again.needs_revision, again.return_comment) == (
        ReportStatus.RETURNED,
        {"TC.2"},
        {"TC.2"},
        "Hai",
    )


async def test_history_merges_answer_versions_and_audit_entries_in_order(demo: UnitOfWorkFactory) -> None:
    ids = await unit_ids(demo)
    ward = ids["CAP-CL-NGHIHAI"]
    officer = await person_with(demo, "Nguyễn Văn An", ("CAP-CL-NGHIHAI", Role.REPORTER))
    supervisor = await person_with(demo, "Trần Thị Bình", ("NA-CL", Role.SUPERVISOR))
    report_id = await draft(demo, ward)
    other = await draft(demo, ids["XA-DEMO-01"])
    one, two, three = {"text": "một"}, {"text": "hai"}, {"text": "ba"}
    async with demo() as uow:
        await uow.reports.save_answers(report_id, {"TC.1": one, "TC.2": one}, officer, at(1))
        await uow.reports.save_answers(report_id, {"TC.1": two}, officer, at(2))
        await submit(uow, report_id, officer, at(3))
        # Recorded before the answers of the same instant, listed after them.
        await uow.audit.record(AuditEntry(at(3), "submit", officer, None, ward, report_id, {"receipt": "R1"}))
        await uow.reports.save_answers(report_id, {"TC.2": two}, None, at(3))
        await return_report(uow, report_id, ["TC.1"], "Sửa lại", supervisor, at(4))
        await uow.audit.record(
            AuditEntry(at(4), "return", supervisor, "ignored", ward, report_id, {"comment": "Sửa lại"})
        )
        await uow.reports.save_answers(report_id, {"TC.1": three}, officer, at(5))
        await uow.audit.record(AuditEntry(at(6), "note", None, None, ward, report_id))
        await uow.audit.record(AuditEntry(at(2), "approve", supervisor, None, ids["XA-DEMO-01"], other))
    async with demo() as uow:
        history = list(await uow.audit.history(report_id))
        assert await uow.audit.history(report_id + 1000) == []
    an = "Nguyễn Văn An"

    def answer(question_id: str, version: int, before: Any, after: Any) -> dict[str, Any]:
        return {"question_id": question_id, "version": version, "before": before, "after": after}

    assert [(e.at, e.action, e.actor_id, e.actor_name, dict(e.details)) for e in history] == [
        (at(1), "answer", officer, an, answer("TC.1", 1, None, one)),
        (at(1), "answer", officer, an, answer("TC.2", 1, None, one)),
        (at(2), "answer", officer, an, answer("TC.1", 2, one, two)),
        (at(3), "answer", None, None, answer("TC.2", 2, one, two)),
        (at(3), "submit", officer, an, {"receipt": "R1"}),
        (at(4), "return", supervisor, "Trần Thị Bình", {"comment": "Sửa lại"}),
        (at(5), "answer", officer, an, answer("TC.1", 3, two, three)),
        (at(6), "note", None, None, {}),
    ]
    assert {(e.unit_id, e.report_id) for e in history} == {(ward, report_id)}


async def test_people_in_scope_with_their_chats_and_revoking_a_grant(demo: UnitOfWorkFactory) -> None:
    ids = await unit_ids(demo)
    ward, town = ids["CAP-CL-NGHIHAI"], ids["NA-CL"]
    officer = await person_with(demo, "Nguyễn Văn An", ("CAP-CL-NGHIHAI", Role.REPORTER), ("XA-DEMO-01", Role.REPORTER))
    supervisor = await person_with(demo, "Trần Thị Bình", ("NA-CL", Role.SUPERVISOR))
    gone = await person_with(demo, "Phạm Văn Dũng", ("CAP-CL-NGHIHAI", Role.REPORTER))
    async with demo() as uow:
        await uow.chats.save(ChatRecord("telegram", "100", officer, {}), at(1))
        await uow.chats.save(ChatRecord("telegram", "200", officer, {"step": 1}, "u200"), at(5))
        await uow.chats.save(ChatRecord("telegram", "300", None, {}), at(9))
        await uow.chats.save(ChatRecord("telegram", "400", gone, {}), at(2))
    async with demo() as uow:
        [gone_grant] = [p for p in await uow.people.linked([ward]) if p.person_id == gone]
        assert await uow.people.revoke(gone_grant.grant_id, at(3)) == gone_grant
    async with demo() as uow:
        people = list(await uow.people.linked([ward, town]))
    assert [(p.person_id, p.full_name, p.role, p.unit_id, p.linked_chats, p.last_seen) for p in people] == [
        (officer, "Nguyễn Văn An", Role.REPORTER, ward, 2, at(5)),
        (supervisor, "Trần Thị Bình", Role.SUPERVISOR, town, 0, None),
    ]
    officer_grant = people[0]
    async with demo() as uow:
        assert await uow.people.revoke(officer_grant.grant_id, at(6)) == LinkedPerson(
            officer_grant.grant_id, officer, "Nguyễn Văn An", Role.REPORTER, ward, 2, at(5), ("telegram",)
        )
    async with demo() as uow:
        assert await uow.people.revoke(officer_grant.grant_id, at(7)) is None
        assert await uow.people.revoke(officer_grant.grant_id + 1000, at(7)) is None
        assert [p.person_id for p in await uow.people.linked([ward, town])] == [supervisor]
        # The officer keeps the other unit and both chats.
        assert [g.unit_code for g in await uow.people.grants(officer)] == ["XA-DEMO-01"]
        assert [p.unit_id for p in await uow.people.linked([ids["XA-DEMO-01"]])] == [ids["XA-DEMO-01"]]
        chat = await uow.chats.get("telegram", "100")
        assert chat is not None and chat.person_id == officer


async def test_each_person_is_written_to_in_the_chat_they_used_last(demo: UnitOfWorkFactory) -> None:
    officer = await person_with(demo, "Nguyễn Văn An", ("CAP-CL-NGHIHAI", Role.REPORTER))
    supervisor = await person_with(demo, "Trần Thị Bình", ("NA-CL", Role.SUPERVISOR))
    async with demo() as uow:
        await uow.chats.save(ChatRecord("telegram", "100", officer, {}), at(1))
        await uow.chats.save(ChatRecord("zalo", "z-200", officer, {"step": 1}, "u200"), at(5))
        await uow.chats.save(ChatRecord("telegram", "300", supervisor, {}, "u300"), at(2))
        await uow.chats.save(ChatRecord("telegram", "500", None, {}), at(2))
        await uow.people.set_locale(officer, "en")
    async with demo() as uow:
        ids = {unit.code: unit.id for unit in await uow.units.units()}
        ward = ids["CAP-CL-NGHIHAI"]
        reporters = await uow.people.recipients(Role.REPORTER, [ward])
        (person,) = [p for p in await uow.people.linked([ward]) if p.person_id == officer]
    assert reporters == {ward: [Recipient(officer, "Nguyễn Văn An", "zalo", "z-200", "en")]}
    assert (person.linked_chats, person.channels) == (2, ("zalo", "telegram"))

    # The latest chat refused the bot: the other one is written to; with both refusing, nobody,
    # unless a notice asks to be recorded as refused rather than dropped.
    async with demo() as uow:
        await uow.session.execute(update(Chat).where(Chat.chat_id == "z-200").values(blocked_at=at(6)))
    async with demo() as uow:
        assert (await uow.people.recipients(Role.REPORTER, [ward]))[ward][0].chat_id == "100"
        await uow.session.execute(update(Chat).where(Chat.chat_id == "100").values(blocked_at=at(6)))
    async with demo() as uow:
        assert await uow.people.recipients(Role.REPORTER, [ward]) == {ward: []}
        refused = await uow.people.recipients(Role.REPORTER, [ward], including_refusing=True)
        assert [r.chat_id for r in refused[ward]] == ["z-200"]
        assert await uow.people.recipients(Role.REPORTER, []) == {}
