"""The ports' contract: every port of bot/base/ports.py, as the core uses it, asserted against the
SQL store on SQLite and on PostgreSQL, so both databases keep one behaviour."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

import pytest

from bot.base.deadline import ReminderPlan
from bot.base.events import Attachment, Button, ButtonRole, Reply
from bot.base.forms import CriterionStatus, LocalText
from bot.base.i18n import DEFAULT_LOCALE
from bot.base.inbox import InboxItem
from bot.base.outbox import (
    DEFAULT_LEASE,
    FINAL_STATES,
    UNDELIVERED,
    DeliveryState,
    MessageKind,
    OutboxItem,
    OutboxMessage,
    Retrying,
    Unreached,
)
from bot.base.ports import ReportMoved, UnitOfWork
from bot.base.records import (
    AuditEntry,
    CampaignRecord,
    ChatRecord,
    ChatRoute,
    CodeCheck,
    Contact,
    Enrolment,
    Grant,
    InviteProblem,
    NewInvite,
    PendingInvite,
    Recipient,
    Redemption,
    ReportRecord,
    Role,
)
from bot.base.report_status import ReportStatus, approval, return_for_revision, submission
from bot.catalog.model import CampaignSpec, EnrolRule, Milestone, UnitSpec
from storage.seed import load_campaign, load_units
from storage.unit_of_work import UnitOfWorkFactory
from tests.report_moves import approve, report_of, return_report, submit

NOW = datetime(2023, 11, 10, 2, 30, tzinfo=timezone.utc)
TODAY = date(2023, 11, 10)
WEEK = NOW + timedelta(days=7)
PROVINCE, TOWN, HAI, THUY = "TINH-NA", "NA-CL", "XA-CL-NGHIHAI", "XA-CL-NGHITHUY"
# Children before parents, siblings out of order, a parent's code after its child's: loading
# and listing put them right.
UNITS = [
    UnitSpec(THUY, "Phường Nghi Thủy", "xa", TOWN, False),
    UnitSpec(TOWN, "Thị xã Cửa Lò", "huyen", PROVINCE, False),
    UnitSpec(HAI, "Phường Nghi Hải", "xa", TOWN, False),
    UnitSpec(PROVINCE, "Tỉnh Nghệ An", "tinh", None, False),
]
SO_KET, THANG, TONG_KET = "so-ket-2023", "bao-cao-thang-11", "tong-ket-2024"
PLAN = ReminderPlan((7, 3, 1, 0), time(8), True)


def title(code: str) -> LocalText:
    return LocalText(f"Sơ kết {code}", f"Review {code}")


def campaign(code: str, opens: date, due: date | None, plan: ReminderPlan = PLAN, *rules: EnrolRule) -> CampaignSpec:
    conference = Milestone("conference", date(2023, 12, 20), LocalText("Hội nghị"))
    report_due = (Milestone("report_due", due, LocalText("Hạn gửi báo cáo")),) if due else ()
    rules = rules or (EnrolRule("xa", "xa-34"), EnrolRule("huyen", "de-cuong"))
    return CampaignSpec(code, title(code), "Kế hoạch 883", opens, (*report_due, conference), plan, rules)


MONTHLY = ReminderPlan((3,), time(9, 30), False)
CAMPAIGNS = [
    campaign(SO_KET, date(2023, 11, 1), date(2023, 11, 25)),
    replace(campaign(THANG, date(2023, 11, 1), date(2023, 11, 15), MONTHLY, EnrolRule("xa", "thang")), closes=date(2023, 11, 20)),
    campaign(TONG_KET, date(2023, 11, 5), None),  # no deadline: listed after those with one
]


def at(minutes: float) -> datetime:
    return NOW + timedelta(minutes=minutes)


@dataclass
class Store:
    """A store under test: its units of work, and the seeded units' ids."""

    uow: Callable[[], UnitOfWork]
    ids: dict[str, int] = field(default_factory=dict)

    async def seed(self, units: list[UnitSpec] = UNITS, campaigns: list[CampaignSpec] = CAMPAIGNS) -> Store:
        async with self.uow() as uow:
            await load_units(uow, units)
            for spec in campaigns:
                await load_campaign(uow, spec)
        async with self.uow() as uow:
            self.ids = {unit.code: unit.id for unit in await uow.units.units()}
        return self


@pytest.fixture
def store(uow_factory: UnitOfWorkFactory) -> Store:
    """An empty store, on SQLite and on PostgreSQL."""
    return Store(uow_factory)


@pytest.fixture
async def seeded(store: Store) -> Store:
    return await store.seed()


async def person(
    store: Store, name: str, *grants: tuple[str, Role], chat: tuple[str, str] | None = None, seen: datetime = NOW
) -> int:
    """A person holding these roles, made as the bot makes them (an invite each), with a chat."""
    person_id = None
    for unit_code, role in grants:
        async with store.uow() as uow:
            code = (await uow.invites.create(unit_code, role, WEEK, NOW)).code
            person_id = (await uow.invites.redeem(code, name, person_id, NOW)).person_id
    assert person_id is not None
    if chat is not None:
        async with store.uow() as uow:
            await uow.chats.save(ChatRecord(*chat, person_id, {}), seen)
    return person_id


async def open_unit(store: Store, unit_code: str, now: datetime = NOW) -> ReportRecord | None:
    """The unit's report, its draft made if need be: SqlReports.open_unit, not a port but what
    scripts and tests use."""
    async with store.uow() as uow:
        reports: Any = uow.reports
        found: ReportRecord | None = await reports.open_unit(SO_KET, store.ids[unit_code], now)
    return found


async def open_report(store: Store, unit_code: str) -> int:
    report = await open_unit(store, unit_code)
    assert report is not None
    return report.id


# ----- units and campaigns ------------------------------------------------------------------------


async def test_units_come_parents_first_and_campaigns_with_their_plans(seeded: Store) -> None:
    async with seeded.uow() as uow:
        units = list(await uow.units.units())
        campaigns = list(await uow.units.campaigns())
    ids = seeded.ids
    assert [(u.code, u.name, u.kind, u.parent_id, u.demo) for u in units] == [
        (PROVINCE, "Tỉnh Nghệ An", "tinh", None, False),
        (TOWN, "Thị xã Cửa Lò", "huyen", ids[PROVINCE], False),
        (HAI, "Phường Nghi Hải", "xa", ids[TOWN], False),
        (THUY, "Phường Nghi Thủy", "xa", ids[TOWN], False),
    ]
    assert sorted(ids.values()) == [1, 2, 3, 4]
    assert campaigns == [
        CampaignRecord(THANG, title(THANG), date(2023, 11, 1), date(2023, 11, 15), MONTHLY, date(2023, 11, 20)),
        CampaignRecord(SO_KET, title(SO_KET), date(2023, 11, 1), date(2023, 11, 25), PLAN),
        CampaignRecord(TONG_KET, title(TONG_KET), date(2023, 11, 5), None, PLAN),
    ]
    # Loading again upserts: a renamed unit keeps its id, a new parent is taken.
    await seeded.seed([UnitSpec(HAI, "Phường Nghi Hải mới", "xa", PROVINCE, True)], [])
    async with seeded.uow() as uow:
        hai = next(u for u in await uow.units.units() if u.code == HAI)
    assert (hai.id, hai.name, hai.parent_id, hai.demo) == (ids[HAI], "Phường Nghi Hải mới", ids[PROVINCE], True)


async def test_the_organisation_version_moves_with_every_write_of_units_or_campaigns(seeded: Store) -> None:
    async with seeded.uow() as uow:
        seeded_at = await uow.units.version()
    await seeded.seed([UnitSpec(HAI, "Phường Nghi Hải mới", "xa", TOWN, False)], [])
    async with seeded.uow() as uow:
        renamed_at = await uow.units.version()
    await seeded.seed([], [replace(CAMPAIGNS[0], opens=date(2023, 10, 30))])
    async with seeded.uow() as uow:
        moved_at = await uow.units.version()
    await person(seeded, "Lê Văn An", (HAI, Role.REPORTER), chat=("telegram", "1"))  # people, invites, chats: no unit changes
    async with seeded.uow() as uow:
        assert await uow.units.version() == moved_at
    assert seeded_at < renamed_at < moved_at


# ----- reports ------------------------------------------------------------------------------------


async def test_drafts_appear_on_first_use_open_ones_first_then_by_deadline(seeded: Store) -> None:
    reporter = await person(seeded, "Lê Văn An", (HAI, Role.REPORTER))
    supervisor = await person(seeded, "Trần Thị Bình", (TOWN, Role.SUPERVISOR))
    async with seeded.uow() as uow:
        assert [e.report_id for e in await uow.reports.enrolments(SO_KET)] == [None, None, None]
        assert await uow.reports.of_unit(SO_KET, seeded.ids[HAI]) is None
        early = await uow.reports.open_for(reporter, date(2023, 11, 3), NOW)
        assert [r.campaign_code for r in early] == [THANG, SO_KET]
        reports = list(await uow.reports.open_for(reporter, TODAY, NOW))
        assert await uow.reports.open_for(supervisor, TODAY, NOW) == []
    assert [r.campaign_code for r in reports] == [THANG, SO_KET, TONG_KET]
    assert reports[1] == ReportRecord(
        reports[1].id, seeded.ids[HAI], HAI, "Phường Nghi Hải", SO_KET, title(SO_KET), "xa-34", ReportStatus.DRAFT, date(2023, 11, 25),
        campaign_opens=date(2023, 11, 1),
    )
    async with seeded.uow() as uow:
        assert [r.id for r in await uow.reports.open_for(reporter, TODAY, NOW)] == [r.id for r in reports]
        assert await uow.reports.of_unit(SO_KET, seeded.ids[HAI]) == reports[1]
        assert await uow.reports.get(reports[1].id) == reports[1]
        assert await uow.reports.get(reports[2].id + 100) is None
        await submit(uow, reports[0].id, reporter, NOW)
    async with seeded.uow() as uow:
        assert [r.campaign_code for r in await uow.reports.open_for(reporter, TODAY, NOW)] == [SO_KET, TONG_KET, THANG]
        closing_day = await uow.reports.open_for(reporter, date(2023, 11, 20), NOW)
        after_closing = await uow.reports.open_for(reporter, date(2023, 11, 21), NOW)
    assert [r.campaign_code for r in closing_day] == [SO_KET, TONG_KET, THANG]  # a late report is still taken
    assert [r.campaign_code for r in after_closing] == [SO_KET, TONG_KET]  # closed: no longer open
    assert await open_unit(seeded, PROVINCE) is None  # not enrolled
    town = await open_unit(seeded, TOWN)
    assert town is not None and (town.unit_code, town.form_id, town.status) == (TOWN, "de-cuong", ReportStatus.DRAFT)
    assert await open_unit(seeded, TOWN, at(5)) == town
    async with seeded.uow() as uow:
        [grant] = await uow.people.linked([seeded.ids[HAI]])
        await uow.people.revoke(grant.grant_id, NOW)
        assert await uow.reports.open_for(reporter, TODAY, NOW) == []


async def test_answers_keep_every_version_and_enrolments_count_them(seeded: Store) -> None:
    officer = await person(seeded, "Lê Văn An", (HAI, Role.REPORTER))
    hai, thuy = await open_report(seeded, HAI), await open_report(seeded, THUY)
    one, two = {"status": "dat", "narrative": "một", "files": ("a", "b")}, {"text": "hai"}
    async with seeded.uow() as uow:
        await uow.reports.save_answers(hai, {"TC.1": one, "Q.intro": one}, officer, at(1))
        await uow.reports.save_answers(hai, {"TC.1": two, "TC.2": two}, officer, at(2))
        await uow.reports.save_answers(hai, {}, officer, at(9))  # nothing to save: no activity
        await uow.reports.save_answers(thuy, {"TC.1": one}, None, at(3))
    one_stored = {**one, "files": ["a", "b"]}  # as JSON gives it back
    ids = seeded.ids
    async with seeded.uow() as uow:
        fetched = await uow.reports.answers(hai)
        fetched["TC.1"]["text"] = "changed"  # a copy: what is stored stays
        assert await uow.reports.answers(hai) == {"TC.1": two, "TC.2": two, "Q.intro": one_stored}
        assert await uow.reports.answers_to(SO_KET, "TC.1", [ids[HAI], ids[THUY], ids[TOWN]]) == {ids[HAI]: two, ids[THUY]: one_stored}
        assert await uow.reports.answers_to(SO_KET, "TC.1", []) == {}
        assert await uow.reports.answers_of([hai, thuy, hai + 1000]) == {
            hai: {"TC.1": two, "TC.2": two, "Q.intro": one_stored}, thuy: {"TC.1": one_stored}, hai + 1000: {}
        }
        assert await uow.reports.answers_of([]) == {}
        assert await uow.reports.answers_to(THANG, "TC.1", [ids[HAI]]) == {}
        everyone = list(await uow.reports.enrolments(SO_KET))
        assert await uow.reports.enrolments(SO_KET, [ids[THUY], ids[PROVINCE]]) == [everyone[2]]
        assert await uow.reports.enrolments(SO_KET, []) == []
        assert await uow.reports.enrolments("no-such-campaign") == []
    assert everyone == [
        Enrolment(ids[TOWN], "de-cuong", None, None, 0, 0, None),
        Enrolment(ids[HAI], "xa-34", hai, ReportStatus.DRAFT, 3, 2, at(2)),
        Enrolment(ids[THUY], "xa-34", thuy, ReportStatus.DRAFT, 1, 1, at(3), criteria={CriterionStatus.MET: 1}),
    ]  # Hải's TC.1 met, then answered without a status: no status counted


async def test_a_deadline_extended_for_one_unit_is_that_units_alone(seeded: Store) -> None:
    officer = await person(seeded, "Lê Văn An", (HAI, Role.REPORTER))
    hai, thuy = seeded.ids[HAI], seeded.ids[THUY]
    async with seeded.uow() as uow:
        await uow.reports.extend(SO_KET, hai, date(2023, 12, 2))
        await uow.reports.extend(SO_KET, thuy, date(2023, 12, 2))
        await uow.reports.extend(TONG_KET, hai, date(2023, 12, 9))
        await uow.reports.extend(THANG, seeded.ids[PROVINCE], date(2023, 12, 9))  # not enrolled: nothing to extend
    async with seeded.uow() as uow:
        assert list(await uow.reports.extensions()) == [(SO_KET, date(2023, 12, 2)), (TONG_KET, date(2023, 12, 9))]
        rows = {row.unit_id: row for row in await uow.reports.enrolments(SO_KET)}
        reports = {r.campaign_code: r for r in await uow.reports.open_for(officer, TODAY, NOW)}
        await uow.reports.extend(SO_KET, thuy, None)
    assert {unit: row.extended_to for unit, row in rows.items()} == {seeded.ids[TOWN]: None, hai: date(2023, 12, 2), thuy: date(2023, 12, 2)}
    assert rows[hai].report_due(date(2023, 11, 25)) == date(2023, 12, 2)
    assert rows[seeded.ids[TOWN]].report_due(date(2023, 11, 25)) == date(2023, 11, 25)
    assert (reports[SO_KET].report_due, reports[THANG].report_due, reports[TONG_KET].report_due) == (
        date(2023, 12, 2), date(2023, 11, 15), date(2023, 12, 9)
    )  # fmt: skip
    async with seeded.uow() as uow:
        assert list(await uow.reports.extensions()) == [(SO_KET, date(2023, 12, 2)), (TONG_KET, date(2023, 12, 9))]
        [thuy_row] = await uow.reports.enrolments(SO_KET, [thuy])
    assert thuy_row.extended_to is None


async def test_previous_answers_are_the_latest_filed_report_on_the_same_form(seeded: Store) -> None:
    officer = await person(seeded, "Lê Văn An", (HAI, Role.REPORTER))
    async with seeded.uow() as uow:
        reports = {r.campaign_code: r for r in await uow.reports.open_for(officer, TODAY, NOW)}
    so_ket, thang, tong_ket = reports[SO_KET].id, reports[THANG].id, reports[TONG_KET].id
    answer = {"status": "dat", "narrative": "Đã làm"}
    async with seeded.uow() as uow:
        await uow.reports.save_answers(so_ket, {"TC.1": answer}, officer, at(1))
        assert await uow.reports.previous_answers(tong_ket) is None  # a draft never filed is not offered
        await submit(uow, so_ket, officer, at(2))
        await uow.reports.save_answers(thang, {"TC.1": {"text": "tháng"}}, officer, at(3))
        await submit(uow, thang, officer, at(4))  # filed, but on another form
    async with seeded.uow() as uow:
        previous = await uow.reports.previous_answers(tong_ket)
        assert await uow.reports.previous_answers(so_ket) is None  # nothing opened before it
        assert await uow.reports.previous_answers(tong_ket + 100) is None
    assert previous is not None
    assert (previous.campaign_code, previous.campaign_title, dict(previous.answers)) == (SO_KET, title(SO_KET), {"TC.1": answer})


async def test_moves_record_receipts_and_returns_and_refuse_a_stale_move(seeded: Store) -> None:
    officer = await person(seeded, "Lê Văn An", (HAI, Role.REPORTER))
    supervisor = await person(seeded, "Trần Thị Bình", (TOWN, Role.SUPERVISOR))
    report_id = await open_report(seeded, HAI)
    async with seeded.uow() as uow:
        await uow.reports.save_answers(report_id, {"TC.1": {"text": "a"}, "TC.2": {"text": "a"}}, officer, at(1))
        draft = await report_of(uow, report_id)
        receipt = await submit(uow, report_id, officer, at(2))
    assert receipt.number == f"BC-{report_id:06d}-1"
    with pytest.raises(ReportMoved):  # the draft was handed in meanwhile
        async with seeded.uow() as uow:
            await uow.reports.save_answers(report_id, {"TC.3": {"text": "lost"}}, officer, at(3))
            await uow.reports.move(report_id, submission(report_id, draft.status, 0, officer, at(3)), at(3))
    async with seeded.uow() as uow:
        submitted = await report_of(uow, report_id)
        assert "TC.3" not in await uow.reports.answers(report_id)  # the stale turn was rolled back
        await return_report(uow, report_id, ["TC.2", "TC.1"], "Sửa lại", supervisor, at(4))
        [enrolment] = await uow.reports.enrolments(SO_KET, [seeded.ids[HAI]])
    assert (submitted.status, submitted.receipt_no, submitted.submitted_at, submitted.submissions) == (
        ReportStatus.SUBMITTED, receipt.number, at(2), 1
    )  # fmt: skip
    assert (enrolment.status, enrolment.submitted_at, enrolment.receipt_no, enrolment.last_activity) == (
        ReportStatus.RETURNED, at(2), receipt.number, at(2)
    )  # fmt: skip
    async with seeded.uow() as uow:
        returned = await report_of(uow, report_id)
        # Saved by a process whose clock runs behind the supervisor's: revised all the same.
        await uow.reports.save_answers(report_id, {"TC.1": {"text": "b"}, "TC.9": {"text": "b"}}, officer, at(3))
        revised = await report_of(uow, report_id)
    assert (returned.status, returned.reopened, returned.returned_at, returned.return_comment) == (
        ReportStatus.RETURNED, frozenset({"TC.1", "TC.2"}), at(4), "Sửa lại"
    )  # fmt: skip
    assert (dict(returned.returned_versions), dict(returned.versions)) == ({"TC.1": 1, "TC.2": 1}, {"TC.1": 1, "TC.2": 1})
    assert returned.needs_revision == {"TC.1", "TC.2"}
    assert (revised.needs_revision, dict(revised.versions)) == ({"TC.2"}, {"TC.1": 2, "TC.2": 1})
    async with seeded.uow() as uow:
        second = await submit(uow, report_id, officer, at(6))
        await approve(uow, report_id, supervisor, at(7))
        approved = await report_of(uow, report_id)
    assert (approved.status, approved.receipt_no, approved.submitted_at, approved.submissions) == (
        ReportStatus.APPROVED, f"BC-{report_id:06d}-2", at(6), 2
    )  # fmt: skip
    assert second.number == approved.receipt_no
    for stale in (
        approval(report_id, ReportStatus.RESUBMITTED, supervisor),
        return_for_revision(report_id, ReportStatus.SUBMITTED, supervisor, ["TC.1"], "x"),
    ):
        with pytest.raises(ReportMoved):
            async with seeded.uow() as uow:
                await uow.reports.move(report_id, stale, at(8))
    with pytest.raises(ReportMoved):
        async with seeded.uow() as uow:
            await uow.reports.move(report_id + 100, approval(report_id + 100, ReportStatus.SUBMITTED, supervisor), at(8))


async def test_history_merges_answer_versions_and_audit_entries(seeded: Store) -> None:
    officer = await person(seeded, "Lê Văn An", (HAI, Role.REPORTER))
    supervisor = await person(seeded, "Trần Thị Bình", (TOWN, Role.SUPERVISOR))
    report_id, other = await open_report(seeded, HAI), await open_report(seeded, THUY)
    hai = seeded.ids[HAI]
    one, two = {"text": "một"}, {"text": "hai"}
    async with seeded.uow() as uow:
        await uow.reports.save_answers(report_id, {"TC.2": one, "TC.1": one}, officer, at(1))
        # Recorded before the answer of the same instant, listed after it.
        await uow.audit.record(AuditEntry(at(2), "submit", officer, "ignored", hai, report_id, {"receipt": ("R", 1)}))
        await uow.reports.save_answers(report_id, {"TC.1": two}, None, at(2))
        await uow.audit.record(AuditEntry(at(0), "note", None, None, hai, report_id))
        await uow.audit.record(AuditEntry(at(3), "return", supervisor, None, hai, report_id, {"comment": "Sửa"}))
        await uow.audit.record(AuditEntry(at(1), "approve", supervisor, None, seeded.ids[THUY], other))
    async with seeded.uow() as uow:
        history = list(await uow.audit.history(report_id))
        assert await uow.audit.history(report_id + 100) == []

    def answer(question_id: str, version: int, before: Any, after: Any) -> dict[str, Any]:
        return {"question_id": question_id, "version": version, "before": before, "after": after}

    assert [(e.at, e.action, e.actor_id, e.actor_name, dict(e.details)) for e in history] == [
        (at(0), "note", None, None, {}),
        (at(1), "answer", officer, "Lê Văn An", answer("TC.2", 1, None, one)),  # saved first
        (at(1), "answer", officer, "Lê Văn An", answer("TC.1", 1, None, one)),
        (at(2), "answer", None, None, answer("TC.1", 2, one, two)),
        (at(2), "submit", officer, "Lê Văn An", {"receipt": ["R", 1]}),
        (at(3), "return", supervisor, "Trần Thị Bình", {"comment": "Sửa"}),
    ]
    assert {(e.unit_id, e.report_id) for e in history} == {(hai, report_id)}


# ----- invites, people and chats -----------------------------------------------------------------


async def test_invites_are_spent_once_within_their_time(seeded: Store) -> None:
    async with seeded.uow() as uow:
        created = await uow.invites.create(HAI, Role.SUPERVISOR, WEEK, NOW)
        given = await uow.invites.create(THUY, Role.REPORTER, WEEK, NOW, code="ABCD2345")
        expiring = (await uow.invites.create(HAI, Role.REPORTER, at(10), NOW)).code
        with pytest.raises(LookupError):
            await uow.invites.create("NA-NOWHERE", Role.REPORTER, WEEK, NOW)
    assert re.fullmatch(r"[2-9A-HJKMNP-Z]{8}", created.code)
    assert created == NewInvite(created.code, HAI, "Phường Nghi Hải", Role.SUPERVISOR, WEEK)
    assert given == NewInvite("ABCD2345", THUY, "Phường Nghi Thủy", Role.REPORTER, WEEK)
    async with seeded.uow() as uow:
        assert await uow.invites.redeem("ZZZZ2222", "Ai đó", None, NOW) == Redemption(problem=InviteProblem.UNKNOWN)
        redeemed = await uow.invites.redeem(created.code, "Lê Văn An", None, NOW)
        assert redeemed.person_id is not None
        again = await uow.invites.redeem("ABCD2345", "ignored", redeemed.person_id, NOW)
        assert await uow.invites.redeem(created.code, "Lê Văn An", None, at(1)) == Redemption(problem=InviteProblem.USED)
        assert await uow.invites.redeem(expiring, "Lê Văn An", None, at(10)) == Redemption(problem=InviteProblem.EXPIRED)
        grants = list(await uow.people.grants(redeemed.person_id))
    officer = redeemed.person_id
    assert redeemed == Redemption(officer, Grant(officer, seeded.ids[HAI], HAI, "Phường Nghi Hải", Role.SUPERVISOR))
    assert again == Redemption(officer, Grant(officer, seeded.ids[THUY], THUY, "Phường Nghi Thủy", Role.REPORTER))
    assert [(g.unit_code, g.role) for g in grants] == [(HAI, Role.SUPERVISOR), (THUY, Role.REPORTER)]


async def test_a_code_is_checked_as_it_would_be_spent_and_checking_spends_nothing(seeded: Store) -> None:
    officer = await person(seeded, "Lê Văn An", (HAI, Role.REPORTER))
    async with seeded.uow() as uow:
        await uow.invites.create(HAI, Role.SUPERVISOR, WEEK, NOW, code="SUPE2345")
        await uow.invites.create(THUY, Role.REPORTER, at(10), NOW, code="LATE2345")
        await uow.invites.create(THUY, Role.REPORTER, WEEK, NOW, code="GONE2345")
        await uow.invites.withdraw(["GONE2345"], NOW)
        assert await uow.invites.link_code(officer, WEEK, NOW, code="LINK2345") == "LINK2345"
    async with seeded.uow() as uow:
        assert await uow.invites.check("SUPE2345", NOW) == CodeCheck(role=Role.SUPERVISOR, unit_name="Phường Nghi Hải")
        assert await uow.invites.check("LINK2345", NOW) == CodeCheck(person_id=officer)
        assert await uow.invites.check("ZZZZ2222", NOW) == CodeCheck(problem=InviteProblem.UNKNOWN)
        assert await uow.invites.check("GONE2345", NOW) == CodeCheck(problem=InviteProblem.REVOKED)
        assert await uow.invites.check("LATE2345", at(10)) == CodeCheck(problem=InviteProblem.EXPIRED)
    async with seeded.uow() as uow:
        assert (await uow.invites.redeem("SUPE2345", "Trần Thị Bình", None, NOW)).grant is not None
        assert await uow.invites.check("SUPE2345", NOW) == CodeCheck(problem=InviteProblem.USED)
        assert (await uow.invites.redeem("LATE2345", "Phan Văn Cường", None, NOW)).grant is not None  # checked, not spent


async def test_pending_invites_are_those_someone_may_still_join_with(seeded: Store) -> None:
    hai, thuy = seeded.ids[HAI], seeded.ids[THUY]
    async with seeded.uow() as uow:
        late = await uow.invites.create(HAI, Role.REPORTER, WEEK, NOW, code="LATE2345")
        soon = await uow.invites.create(THUY, Role.SUPERVISOR, at(10), NOW, code="SOON2345")
        used = await uow.invites.create(HAI, Role.REPORTER, WEEK, NOW, code="USED2345")
        officer = (await uow.invites.redeem(used.code, "Lê Văn An", None, NOW)).person_id
        assert officer is not None
        await uow.invites.link_code(officer, WEEK, NOW)  # names a person, not a unit
    async with seeded.uow() as uow:
        assert await uow.invites.pending([hai, thuy], NOW) == [
            PendingInvite("SOON2345", thuy, Role.SUPERVISOR, soon.expires_at),
            PendingInvite("LATE2345", hai, Role.REPORTER, late.expires_at),
        ]
        assert [i.code for i in await uow.invites.pending([hai], NOW)] == ["LATE2345"]
        assert [i.code for i in await uow.invites.pending([hai, thuy], at(10))] == ["LATE2345"]  # SOON expired
        assert await uow.invites.pending([], NOW) == []


async def test_a_named_invite_links_under_its_name_and_a_withdrawn_one_is_refused(seeded: Store) -> None:
    hai = seeded.ids[HAI]
    async with seeded.uow() as uow:
        named = await uow.invites.create(HAI, Role.REPORTER, WEEK, NOW, code="NAME2345", full_name="Phan Thị Hoa", phone="0912345678")
        old = await uow.invites.create(HAI, Role.REPORTER, WEEK, NOW, code="OLDD2345")
        assert await uow.invites.pending([hai], NOW) == [
            PendingInvite("NAME2345", hai, Role.REPORTER, WEEK, "Phan Thị Hoa", "0912345678"),
            PendingInvite("OLDD2345", hai, Role.REPORTER, WEEK),
        ]
        assert await uow.invites.withdraw(["OLDD2345", "NOPE2345"], NOW) == 1
        assert await uow.invites.withdraw(["OLDD2345"], NOW) == 0  # already withdrawn
        assert [i.code for i in await uow.invites.pending([hai], NOW)] == ["NAME2345"]
    async with seeded.uow() as uow:
        assert await uow.invites.redeem(old.code, "Ai đó", None, NOW) == Redemption(problem=InviteProblem.REVOKED)
        joined = await uow.invites.redeem(named.code, "hoa.phan (Telegram)", None, NOW)
        assert joined.person_id is not None
        [linked] = await uow.people.linked([hai])
        assert await uow.invites.withdraw([named.code], NOW) == 0  # used: nothing to withdraw
    assert linked.full_name == "Phan Thị Hoa"  # the province's name, not the messenger's


async def test_a_revoked_grant_is_ended_and_given_back_by_a_new_invite(seeded: Store) -> None:
    hai, town = seeded.ids[HAI], seeded.ids[TOWN]
    officer = await person(seeded, "Lê Văn An", (HAI, Role.SUPERVISOR), (HAI, Role.REPORTER), chat=("telegram", "1"), seen=at(1))
    other = await person(seeded, "Trần Thị Bình", (HAI, Role.REPORTER), (TOWN, Role.SUPERVISOR))
    async with seeded.uow() as uow:
        await uow.chats.save(ChatRecord("zalo", "z1", officer, {}), at(3))
        await uow.chats.save(ChatRecord("telegram", "2", officer, {}), at(2))
        linked = list(await uow.people.linked([hai, town]))
        assert await uow.people.linked([]) == []
    # By unit code (NA-CL first), role and name; each with the person's chats, latest first.
    assert [(p.full_name, p.role, p.unit_id, p.linked_chats, p.last_seen, p.channels) for p in linked] == [
        ("Trần Thị Bình", Role.SUPERVISOR, town, 0, None, ()),
        ("Lê Văn An", Role.REPORTER, hai, 3, at(3), ("zalo", "telegram")),
        ("Trần Thị Bình", Role.REPORTER, hai, 0, None, ()),
        ("Lê Văn An", Role.SUPERVISOR, hai, 3, at(3), ("zalo", "telegram")),
    ]
    async with seeded.uow() as uow:
        assert await uow.people.revoke(linked[1].grant_id, at(4)) == linked[1]
        assert await uow.people.revoke(linked[1].grant_id, at(5)) is None
        assert await uow.people.revoke(max(p.grant_id for p in linked) + 100, at(5)) is None
    async with seeded.uow() as uow:
        assert [g.role for g in await uow.people.grants(officer)] == [Role.SUPERVISOR]
        assert [p.grant_id for p in await uow.people.linked([hai])] == [linked[2].grant_id, linked[3].grant_id]
        assert await uow.chats.get("zalo", "z1") == ChatRecord("zalo", "z1", officer, {})  # the chats stay linked
        code = (await uow.invites.create(HAI, Role.REPORTER, WEEK, at(6))).code
        assert (await uow.invites.redeem(code, "ignored", officer, at(6))).grant is not None
    async with seeded.uow() as uow:
        assert [p.grant_id for p in await uow.people.linked([hai])] == [p.grant_id for p in linked[1:]]  # revived, not new
        assert [(g.unit_code, g.role) for g in await uow.people.grants(other)] == [(TOWN, Role.SUPERVISOR), (HAI, Role.REPORTER)]


async def test_a_link_code_joins_another_chat_to_the_person_and_merges_a_duplicate(seeded: Store) -> None:
    officer = await person(seeded, "Lê Văn An", (HAI, Role.REPORTER), chat=("telegram", "1"))
    duplicate = await person(seeded, "An Zalo", (TOWN, Role.SUPERVISOR), (HAI, Role.REPORTER), chat=("zalo", "z1"))
    async with seeded.uow() as uow:
        code = await uow.invites.link_code(officer, WEEK, NOW)
        lone = await uow.invites.link_code(officer, WEEK, NOW)
        own = await uow.invites.link_code(officer, WEEK, NOW)
    assert re.fullmatch(r"[2-9A-HJKMNP-Z]{8}", code) and len({code, lone, own}) == 3
    async with seeded.uow() as uow:
        joined = await uow.invites.redeem(code, "An Zalo", duplicate, at(1))
        assert await uow.invites.redeem(code, "An Zalo", duplicate, at(1)) == Redemption(problem=InviteProblem.USED)
        assert await uow.invites.redeem(lone, "Mới", None, at(1)) == Redemption(officer, joined_existing=True)
        assert await uow.invites.redeem(own, "Lê Văn An", officer, at(1)) == Redemption(officer, joined_existing=False)
        chat = await uow.chats.get("zalo", "z1")
        grants = [(g.unit_code, g.role) for g in await uow.people.grants(officer)]
        assert await uow.people.grants(duplicate) == []
    assert joined == Redemption(officer, joined_existing=True)
    assert chat == ChatRecord("zalo", "z1", officer, {})
    assert grants == [(TOWN, Role.SUPERVISOR), (HAI, Role.REPORTER)]


async def test_a_chat_keeps_its_own_conversation_until_linked_then_its_persons(seeded: Store) -> None:
    officer = await person(seeded, "Lê Văn An", (HAI, Role.REPORTER))
    async with seeded.uow() as uow:
        assert await uow.chats.get("telegram", "1") is None
        await uow.chats.save(ChatRecord("telegram", "1", None, {"step": 1, "menu": ("a", "b")}, "u1"), NOW)
        assert await uow.people.conversation(officer) is None
    async with seeded.uow() as uow:
        assert await uow.chats.get("telegram", "1") == ChatRecord("telegram", "1", None, {"step": 1, "menu": ["a", "b"]}, "u1")
        await uow.chats.save(ChatRecord("telegram", "1", officer, {"step": 2}), at(1))  # no user id: the old one stays
        await uow.chats.save(ChatRecord("zalo", "z1", officer, {"step": 3}, "uz"), at(2))
    async with seeded.uow() as uow:
        # Both chats continue the person's one conversation, whichever wrote last.
        assert await uow.chats.get("telegram", "1") == ChatRecord("telegram", "1", officer, {"step": 3}, "u1")
        assert await uow.chats.get("zalo", "z1") == ChatRecord("zalo", "z1", officer, {"step": 3}, "uz")
        assert await uow.people.conversation(officer) == {"step": 3}
        await uow.chats.save(ChatRecord("zalo", "z1", officer, {}), at(3))
    async with seeded.uow() as uow:
        assert await uow.people.conversation(officer) is None
        assert await uow.chats.get("telegram", "1") == ChatRecord("telegram", "1", officer, {}, "u1")


async def test_recipients_are_reached_in_their_latest_chat_that_has_not_refused(seeded: Store) -> None:
    hai, thuy, town = seeded.ids[HAI], seeded.ids[THUY], seeded.ids[TOWN]
    tran = await person(seeded, "Trần Văn Ba", (HAI, Role.REPORTER), chat=("telegram", "t-old"), seen=at(1))
    le = await person(seeded, "Lê Văn An", (HAI, Role.REPORTER), (HAI, Role.SUPERVISOR), chat=("telegram", "le"))
    await person(seeded, "Phạm Văn Cường", (HAI, Role.REPORTER), (THUY, Role.REPORTER))  # no chat at all
    async with seeded.uow() as uow:
        await uow.chats.save(ChatRecord("zalo", "t-new", tran, {}), at(2))
        await uow.people.set_locale(le, "en")
    le_chat = Recipient(le, "Lê Văn An", "telegram", "le", "en")

    async def reporters(including_refusing: bool = False) -> dict[int, list[Recipient]]:
        async with seeded.uow() as uow:
            found = await uow.people.recipients(Role.REPORTER, [hai, thuy, town], including_refusing)
        return {unit: list(people) for unit, people in found.items()}

    assert await reporters() == {hai: [le_chat, Recipient(tran, "Trần Văn Ba", "zalo", "t-new", DEFAULT_LOCALE)], thuy: []}
    async with seeded.uow() as uow:
        assert await uow.people.recipients(Role.SUPERVISOR, [hai, town]) == {hai: [le_chat]}
        assert await uow.people.recipients(Role.ADMIN, [hai]) == {}
        assert await uow.people.recipients(Role.REPORTER, []) == {}
        await uow.outbox.enqueue([message("k1", tran, ("zalo", "t-new")), message("k2", tran, ("telegram", "t-old"))], NOW)
    for chat, refused in ((("zalo", "t-new"), DeliveryState.BLOCKED), (("telegram", "t-old"), DeliveryState.NEVER_STARTED)):
        await send(seeded, chat, refused)
        fallback = [] if chat[1] == "t-old" else [Recipient(tran, "Trần Văn Ba", "telegram", "t-old", DEFAULT_LOCALE)]
        assert await reporters() == {hai: [le_chat, *fallback], thuy: []}
    # Every chat refused: only with including_refusing, in the most recently active one.
    assert await reporters(True) == {hai: [le_chat, Recipient(tran, "Trần Văn Ba", "zalo", "t-new", DEFAULT_LOCALE, refusing=True)], thuy: []}
    async with seeded.uow() as uow:  # the person writes again: the mark goes
        await uow.chats.save(ChatRecord("telegram", "t-old", tran, {}), at(3))
    assert await reporters() == {hai: [le_chat, Recipient(tran, "Trần Văn Ba", "telegram", "t-old", DEFAULT_LOCALE)], thuy: []}


async def test_a_person_is_reached_through_their_chats_in_order_and_at_the_phone_they_last_gave(seeded: Store) -> None:
    async with seeded.uow() as uow:  # a province's import gave the invite a phone
        code = (await uow.invites.create(HAI, Role.REPORTER, WEEK, NOW, full_name="Trần Văn Ba", phone="0912 345 678")).code
        tran = (await uow.invites.redeem(code, "tran", None, NOW)).person_id
    assert tran is not None
    async with seeded.uow() as uow:
        await uow.chats.save(ChatRecord("telegram", "t", tran, {}), at(1))
        await uow.chats.save(ChatRecord("zalo_oa", "z", tran, {}), at(2))
        await uow.outbox.enqueue([message("k", tran, ("zalo_oa", "z"))], NOW)
        assert await uow.people.contact_of(tran) == Contact("Trần Văn Ba", "84912345678")
        assert [route.channel for route in await uow.people.chats_of(tran)] == ["zalo_oa", "telegram"]
    await send(seeded, ("zalo_oa", "z"), DeliveryState.OUTSIDE_WINDOW)
    async with seeded.uow() as uow:  # the refusing chat goes last; a phone shared in a chat wins
        assert await uow.people.chats_of(tran) == [ChatRoute("telegram", "t", False), ChatRoute("zalo_oa", "z", True)]
        await uow.chats.save(ChatRecord("telegram", "t", tran, {}, phone="84987654321"), at(3))
        await uow.chats.save(ChatRecord("telegram", "t", tran, {}), at(4))  # a later turn keeps it
        assert await uow.people.contact_of(tran) == Contact("Trần Văn Ba", "84987654321")
        assert await uow.people.chats_of(10_000) == [] and await uow.people.contact_of(10_000) == Contact("", None)


# ----- the outbox ---------------------------------------------------------------------------------

REPLY = Reply(
    "Nhắc hạn",
    ((Button("Mở", "open:1"), Button("Bỏ", "skip", ButtonRole.ACTION, "/boqua")),),
    0,
    Attachment("/tmp/a.xlsx", "a.xlsx", "application/vnd.ms-excel"),
)


def message(
    key: str, person_id: int, chat: tuple[str, str] = ("telegram", "1"), kind: MessageKind = MessageKind.REMINDER,
    unit_id: int | None = None, campaign_code: str | None = SO_KET,
) -> OutboxMessage:  # fmt: skip
    return OutboxMessage(key, person_id, *chat, REPLY, kind, campaign_code, unit_id, person_name="Lê Văn An", locale="en")


async def send(store: Store, chat: tuple[str, str], outcome: DeliveryState) -> None:
    """Claims the chat's due rows and marks each with `outcome`."""
    async with store.uow() as uow:
        for item in await uow.outbox.claim(10, at(2), chat[0], chat_id=chat[1]):
            await uow.outbox.mark(item.id, outcome, at(2))


async def test_the_outbox_keeps_one_row_per_key_and_person_and_lends_rows_to_senders(seeded: Store) -> None:
    le = await person(seeded, "Lê Văn An", (HAI, Role.REPORTER), chat=("telegram", "1"))
    tran = await person(seeded, "Trần Văn Ba", (HAI, Role.REPORTER), chat=("zalo", "z"))
    hai = seeded.ids[HAI]
    first = [message("r1", le, unit_id=hai), message("r1", tran, ("zalo", "z"), unit_id=hai), message("r1", le, ("telegram", "9"))]
    async with seeded.uow() as uow:
        assert await uow.outbox.enqueue(first, NOW) == 2
        assert await uow.outbox.enqueue([message("r1", le), message("r2", le, ("telegram", "2")), message("r3", le)], NOW) == 2
        assert await uow.outbox.enqueue([], NOW) == 0
        assert await uow.outbox.claim(0, NOW, "telegram") == []
        only_chat = list(await uow.outbox.claim(5, NOW, "telegram", chat_id="2"))
        oldest = list(await uow.outbox.claim(1, NOW, "telegram"))
        rest = list(await uow.outbox.claim(5, NOW, "telegram"))
        zalo = list(await uow.outbox.claim(5, NOW, "zalo"))
    stored = replace(first[0], person_name="")  # the name is for logs, not kept
    assert oldest == [OutboxItem(oldest[0].id, stored, 1)]
    assert only_chat == [OutboxItem(only_chat[0].id, replace(stored, key="r2", chat_id="2", unit_id=None), 1)]
    assert [(i.message.key, i.attempts) for i in rest] == [("r3", 1)]
    assert [(i.message.key, i.message.chat_id, i.attempts) for i in zalo] == [("r1", "z", 1)]
    assert oldest[0].id < zalo[0].id < only_chat[0].id < rest[0].id  # in the order (key, person) added them
    async with seeded.uow() as uow:
        assert await uow.outbox.claim(5, at(0.4), "telegram") == []  # still lent
        # A claim older than the lease was a sender that died: taken back (only this chat's, here).
        back = list(await uow.outbox.claim(5, NOW + DEFAULT_LEASE + timedelta(seconds=1), "telegram", chat_id="2"))
        assert await uow.outbox.claim(5, at(5), "telegram", timedelta(minutes=10)) == []
    assert [(i.id, i.attempts) for i in back] == [(only_chat[0].id, 2)]
    async with seeded.uow() as uow:
        await uow.outbox.mark(oldest[0].id, DeliveryState.SENT, at(1))
        await uow.outbox.mark(back[0].id, DeliveryState.PENDING, at(1), "429", retry_at=at(3))
        await uow.outbox.mark(rest[0].id, DeliveryState.FAILED, at(1), "400")
        await uow.outbox.mark(zalo[0].id, DeliveryState.PENDING, at(1))
        with pytest.raises(ValueError):
            await uow.outbox.mark(oldest[0].id, DeliveryState.SENDING, at(1))
        with pytest.raises(LookupError):
            await uow.outbox.mark(rest[0].id + 100, DeliveryState.SENT, at(1))
    async with seeded.uow() as uow:
        assert await uow.outbox.claim(5, at(2), "telegram") == []  # retried at 3
        assert [(i.id, i.attempts) for i in await uow.outbox.claim(5, at(3), "telegram")] == [(back[0].id, 3)]
        assert [(i.id, i.attempts) for i in await uow.outbox.claim(5, at(1), "zalo")] == [(zalo[0].id, 2)]


async def test_a_renewed_claim_is_taken_back_only_a_lease_after_its_last_renewal(seeded: Store) -> None:
    le = await person(seeded, "Lê Văn An", (HAI, Role.REPORTER), chat=("telegram", "1"))
    lease = timedelta(minutes=1)
    async with seeded.uow() as uow:
        await uow.outbox.enqueue([message("r1", le), message("r2", le), message("r3", le)], NOW)
        renewed, lapsed, sent = await uow.outbox.claim(5, NOW, "telegram", lease)
        await uow.outbox.mark(sent.id, DeliveryState.SENT, at(0.5))
    async with seeded.uow() as uow:
        await uow.outbox.renew([renewed.id, sent.id], at(0.9))  # a row no longer sending is left as it is
        await uow.outbox.renew([], at(0.9))
    async with seeded.uow() as uow:
        assert [(i.id, i.attempts) for i in await uow.outbox.claim(5, at(1.5), "telegram", lease)] == [(lapsed.id, 2)]
    async with seeded.uow() as uow:
        assert [(i.id, i.attempts) for i in await uow.outbox.claim(5, at(1.95), "telegram", lease)] == [(renewed.id, 2)]
    async with seeded.uow() as uow:
        assert sorted(i.id for i in await uow.outbox.claim(5, at(60), "telegram", lease)) == [renewed.id, lapsed.id]  # the sent one stays sent


async def test_the_ledger_counts_every_kind_and_state_and_keys_find_units(seeded: Store) -> None:
    le = await person(seeded, "Lê Văn An", (HAI, Role.REPORTER), chat=("telegram", "1"))
    hai, thuy = seeded.ids[HAI], seeded.ids[THUY]
    async with seeded.uow() as uow:
        await uow.outbox.enqueue([
            message("reminder:so-ket:1", le, unit_id=hai),
            message("manual:2023-11-10:a", le, kind=MessageKind.MANUAL, unit_id=hai),
            message("manual:2023-11-10:b", le, kind=MessageKind.MANUAL, unit_id=thuy),
            message("manual:2023-11-10:c", le, kind=MessageKind.MANUAL, unit_id=thuy, campaign_code=THANG),
            message("digest:x", le, kind=MessageKind.DIGEST, unit_id=None),
        ], NOW)  # fmt: skip
        items = {item.message.key: item.id for item in await uow.outbox.claim(3, NOW, "telegram")}
        assert list(items) == ["digest:x", "manual:2023-11-10:a", "manual:2023-11-10:b"]  # added by key
        for key, outcome in zip(items, (DeliveryState.SENT, DeliveryState.BLOCKED, DeliveryState.FAILED), strict=True):
            await uow.outbox.mark(items[key], outcome, NOW)
    async with seeded.uow() as uow:
        ledger = await uow.outbox.ledger(SO_KET, [hai, thuy])
        empty = await uow.outbox.ledger(SO_KET, [])
        assert await uow.outbox.units_with_key([hai, thuy], "manual:2023-11-10") == {hai, thuy}
        assert await uow.outbox.units_with_key([hai], "manual:2023-11-10") == {hai}
        assert await uow.outbox.units_with_key([hai, thuy], "manual:%") == frozenset()
        assert await uow.outbox.units_with_key([hai, thuy], "MANUAL:") == frozenset()
        assert await uow.outbox.units_with_key([], "manual:") == frozenset()
    assert {kind: set(states) for kind, states in ledger.items()} == {kind: set(DeliveryState) for kind in MessageKind}
    # Of this campaign and these units only: not the digest (no unit) nor the other campaign's.
    assert {(kind, state): n for kind, states in ledger.items() for state, n in states.items() if n} == {
        (MessageKind.REMINDER, DeliveryState.PENDING): 1,
        (MessageKind.MANUAL, DeliveryState.BLOCKED): 1,
        (MessageKind.MANUAL, DeliveryState.FAILED): 1,
    }
    assert all(n == 0 for states in empty.values() for n in states.values()) and set(empty) == set(MessageKind)


async def test_the_unreached_are_those_whose_latest_message_was_not_delivered(seeded: Store) -> None:
    le = await person(seeded, "Lê Văn An", (HAI, Role.REPORTER), chat=("telegram", "1"))
    tran = await person(seeded, "Trần Văn Ba", (HAI, Role.REPORTER), chat=("telegram", "2"))
    ngo = await person(seeded, "Ngô Thị Cúc", (THUY, Role.REPORTER), chat=("telegram", "3"))
    hai, thuy = seeded.ids[HAI], seeded.ids[THUY]
    outcomes = [
        (message("a1", le, unit_id=hai), DeliveryState.FAILED),
        (message("a2", le, unit_id=hai), DeliveryState.SENT),  # reached after all
        (message("b1", tran, ("telegram", "2"), unit_id=hai), DeliveryState.SENT),
        (message("b2", tran, ("telegram", "2"), unit_id=hai), DeliveryState.BLOCKED),
        (message("c1", ngo, ("telegram", "3"), unit_id=thuy), DeliveryState.NEVER_STARTED),
        (message("c2", ngo, ("telegram", "3"), unit_id=thuy, campaign_code=THANG), DeliveryState.SENT),  # another campaign
    ]
    for outgoing, outcome in outcomes:  # one at a time, so each is the latest when it is added
        async with seeded.uow() as uow:
            await uow.outbox.enqueue([outgoing], NOW)
            [item] = await uow.outbox.claim(1, NOW, "telegram")
            await uow.outbox.mark(item.id, outcome, NOW)
    async with seeded.uow() as uow:
        unreached = sorted(await uow.outbox.unreached(SO_KET, [hai, thuy]), key=lambda u: u.person_id)
        only_hai = await uow.outbox.unreached(SO_KET, [hai])
        assert await uow.outbox.unreached(SO_KET, []) == []
        await uow.outbox.enqueue([message("b3", tran, ("telegram", "2"), unit_id=hai)], NOW)
        retrying = await uow.outbox.unreached(SO_KET, [hai])
    assert unreached == [
        Unreached(tran, "Trần Văn Ba", hai, DeliveryState.BLOCKED, NOW),
        Unreached(ngo, "Ngô Thị Cúc", thuy, DeliveryState.NEVER_STARTED, NOW),
    ]
    assert [u.person_id for u in only_hai] == [tran]
    assert retrying == []  # a newer message is waiting to be tried


async def test_a_message_past_its_expiry_is_never_claimed_but_ends_expired(seeded: Store) -> None:
    le = await person(seeded, "Lê Văn An", (HAI, Role.REPORTER), chat=("telegram", "1"))
    hai = seeded.ids[HAI]
    async with seeded.uow() as uow:
        await uow.outbox.enqueue([
            replace(message("brief", le, unit_id=hai), expires_at=at(10)),
            replace(message("lasting", le, unit_id=hai), expires_at=at(60 * 24 * 5)),
            message("undated", le, unit_id=hai),  # queued before messages carried an expiry: a day
        ], NOW)  # fmt: skip
    async with seeded.uow() as uow:
        claimed = list(await uow.outbox.claim(5, at(10), "telegram"))
        assert [(i.message.key, i.message.expires_at) for i in claimed] == [("lasting", at(60 * 24 * 5)), ("undated", None)]
        for item in claimed:  # failed for a moment: due again at once
            await uow.outbox.mark(item.id, DeliveryState.PENDING, at(10), "timed out", retrying_since=at(10))
    async with seeded.uow() as uow:
        assert [i.message.key for i in await uow.outbox.claim(5, at(60 * 24), "telegram")] == ["lasting"]
        ledger = await uow.outbox.ledger(SO_KET, [hai])
    assert ledger[MessageKind.REMINDER][DeliveryState.EXPIRED] == 2
    assert DeliveryState.EXPIRED in FINAL_STATES and DeliveryState.EXPIRED in UNDELIVERED


async def test_a_run_of_failures_is_dated_from_its_first_and_ended_by_a_delivery(seeded: Store) -> None:
    le = await person(seeded, "Lê Văn An", (HAI, Role.REPORTER), chat=("telegram", "1"))
    tran = await person(seeded, "Trần Văn Ba", (THUY, Role.REPORTER), chat=("telegram", "2"))
    hai, thuy = seeded.ids[HAI], seeded.ids[THUY]
    async with seeded.uow() as uow:
        await uow.outbox.enqueue([message("a", le, unit_id=hai), message("b", tran, ("telegram", "2"), unit_id=thuy)], NOW)
        first, second = await uow.outbox.claim(5, NOW, "telegram")
        await uow.outbox.mark(first.id, DeliveryState.PENDING, at(1), "502 Bad Gateway", retry_at=at(2), retrying_since=at(1))
        await uow.outbox.mark(second.id, DeliveryState.PENDING, at(1), "429", retry_at=at(2))  # slowed down: no failure
    async with seeded.uow() as uow:
        again = {item.message.key: item for item in await uow.outbox.claim(5, at(2), "telegram")}
        assert (again["a"].retrying_since, again["b"].retrying_since) == (at(1), None)
        assert await uow.outbox.retrying(SO_KET, [hai, thuy]) == [
            Retrying(le, "Lê Văn An", hai, MessageKind.REMINDER, at(1), "502 Bad Gateway")  # being sent again right now
        ]
        await uow.outbox.mark(again["a"].id, DeliveryState.PENDING, at(3), "timed out", retry_at=at(5), retrying_since=at(1))
        assert await uow.outbox.retrying(SO_KET, [thuy]) == []
        assert await uow.outbox.retrying(SO_KET, []) == []
        assert [(r.since, r.error) for r in await uow.outbox.retrying(SO_KET, [hai])] == [(at(1), "timed out")]
        [last] = await uow.outbox.claim(5, at(5), "telegram", chat_id="1")
        await uow.outbox.mark(last.id, DeliveryState.SENT, at(5))
        assert await uow.outbox.retrying(SO_KET, [hai, thuy]) == []


async def test_a_newer_reminder_of_a_series_stops_the_older_one_still_waiting(seeded: Store) -> None:
    le = await person(seeded, "Lê Văn An", (HAI, Role.REPORTER), (THUY, Role.REPORTER), chat=("telegram", "1"))
    tran = await person(seeded, "Trần Văn Ba", (HAI, Role.REPORTER), chat=("telegram", "2"))
    hai, thuy = seeded.ids[HAI], seeded.ids[THUY]
    series, other = f"{SO_KET}/report_due", f"{SO_KET}/report_due@2023-12-05"
    async with seeded.uow() as uow:
        await uow.outbox.enqueue([
            message(f"{series}/-3d/{hai}", le, unit_id=hai),
            message(f"{series}/-3d/{hai}/zalo_bot", le, ("zalo_bot", "z"), unit_id=hai),  # sent on by another way
            message(f"{series}/-3d/{thuy}", le, unit_id=thuy),
            message(f"{series}/-3d/{hai}", tran, ("telegram", "2"), unit_id=hai),
            message(f"{series}/-3d/digest", le, kind=MessageKind.DIGEST),
            message(f"{other}/-3d/{hai}", le, unit_id=hai),  # another series
            message(f"manual/{SO_KET}/2023-11-10/{hai}", le, kind=MessageKind.MANUAL, unit_id=hai),
        ], NOW)  # fmt: skip
        [delivered] = await uow.outbox.claim(1, NOW, "telegram", chat_id="2")
        await uow.outbox.mark(delivered.id, DeliveryState.SENT, NOW)  # Trần's is no longer waiting
    newer = [
        message(f"{series}/-1d/{hai}", le, unit_id=hai),
        message(f"{series}/-1d/{hai}", tran, ("telegram", "2"), unit_id=hai),
        message(f"{series}/-1d/digest", le, kind=MessageKind.DIGEST),
        message(f"{series}/-3d/{thuy}", le, unit_id=thuy),  # the same key again: itself, not older
    ]
    async with seeded.uow() as uow:
        assert await uow.outbox.supersede(series, newer, at(1)) == 3
        assert await uow.outbox.supersede(series, [], at(1)) == 0
        await uow.outbox.enqueue(newer, at(1))
        claimed = [item.message.key for item in await uow.outbox.claim(10, at(1), "telegram")]
        ledger = await uow.outbox.ledger(SO_KET, [hai, thuy])
    assert sorted(claimed) == sorted([
        f"{series}/-3d/{thuy}", f"{other}/-3d/{hai}", f"manual/{SO_KET}/2023-11-10/{hai}",
        f"{series}/-1d/{hai}", f"{series}/-1d/{hai}", f"{series}/-1d/digest",
    ])  # fmt: skip
    assert ledger[MessageKind.REMINDER][DeliveryState.EXPIRED] == 2  # Lê's -3d for Nghi Hải, and its copy by Zalo


# ----- updates, the inbox and reminder slots ----------------------------------------------------


async def test_updates_and_reminder_slots_are_recorded_once(store: Store) -> None:
    async with store.uow() as uow:
        assert await uow.updates.claim("telegram", "1", NOW) is True
        assert await uow.updates.claim("telegram", "1", at(1)) is False
        assert await uow.updates.claim("zalo", "1", NOW) is True
        assert await uow.reminder_runs.fired("so-ket:7") is False
        assert await uow.reminder_runs.record("so-ket:7", "enqueued", NOW) is True
    async with store.uow() as uow:
        assert await uow.updates.claim("telegram", "1", at(2)) is False
        assert await uow.reminder_runs.fired("so-ket:7") is True
        assert await uow.reminder_runs.fired("so-ket:3") is False
        assert await uow.reminder_runs.record("so-ket:7", "dropped", at(1)) is False


async def test_the_inbox_hands_back_unhandled_updates_in_order_and_prunes_handled_ones(store: Store) -> None:
    def item(update_id: str, path: Any = ("a", 1)) -> InboxItem:
        return InboxItem(update_id, "chat-" + update_id, {"update_id": update_id, "path": path})

    async with store.uow() as uow:
        assert await uow.inbox.store("telegram", [item("9"), item("10"), item("2")], NOW) == ["9", "10", "2"]
        assert await uow.inbox.store("telegram", [item("10"), item("11")], NOW) == ["11"]
        assert await uow.inbox.store("zalo", [item("9")], NOW) == ["9"]
        assert await uow.inbox.store("zalo", [], NOW) == []
    async with store.uow() as uow:
        await uow.inbox.mark_processed("telegram", "10", "failed", at(2))
        assert await uow.updates.claim("telegram", "2", at(2))
        assert await uow.updates.claim("telegram", "77", NOW)  # logged, never in the inbox
        assert await uow.updates.claim("telegram", "12", NOW)  # logged, then stored
        assert await uow.inbox.store("telegram", [item("12")], at(5)) == ["12"]
        await uow.inbox.mark_processed("telegram", "10", "ok", at(3))  # already logged: no error
        pending = list(await uow.inbox.pending("telegram"))
    assert pending == [item("9", ["a", 1]), item("11", ["a", 1])]  # as JSON gives it back
    async with store.uow() as uow:
        assert await uow.inbox.prune("telegram", at(1)) == 3  # rows 10 and 2, log entry 77; 12's stays with its row
        assert await uow.inbox.prune("telegram", at(1)) == 0
        assert [i.update_id for i in await uow.inbox.pending("telegram")] == ["9", "11"]
        assert await uow.inbox.prune("telegram", at(10)) == 4  # row 12, the log entries of 10, 2 and 12
        assert [i.update_id for i in await uow.inbox.pending("telegram")] == ["9", "11"]
        assert [i.update_id for i in await uow.inbox.pending("zalo")] == ["9"]
        assert await uow.inbox.store("telegram", [item("2")], at(11)) == ["2"]  # forgotten, so stored anew
        assert [i.update_id for i in await uow.inbox.pending("telegram")] == ["9", "11", "2"]


# ----- transactions -----------------------------------------------------------------------------


async def test_a_unit_of_work_that_raises_leaves_nothing_behind(seeded: Store) -> None:
    officer = await person(seeded, "Lê Văn An", (HAI, Role.REPORTER), chat=("telegram", "1"))
    report_id = await open_report(seeded, HAI)
    with pytest.raises(RuntimeError):
        async with seeded.uow() as uow:
            code = (await uow.invites.create(THUY, Role.REPORTER, WEEK, NOW)).code
            await uow.invites.redeem(code, "Mới", None, NOW)
            await uow.chats.save(ChatRecord("telegram", "1", officer, {"step": 9}), at(1))
            await uow.chats.save(ChatRecord("zalo", "new", None, {}), at(1))
            await uow.reports.save_answers(report_id, {"TC.1": {"text": "a"}}, officer, at(1))
            await submit(uow, report_id, officer, at(1))
            await uow.audit.record(AuditEntry(at(1), "note", officer, None, seeded.ids[HAI], report_id))
            await uow.outbox.enqueue([message("k", officer)], at(1))
            await uow.updates.claim("telegram", "5", at(1))
            await uow.inbox.store("telegram", [InboxItem("6", "1", {})], at(1))
            await uow.reminder_runs.record("slot", "enqueued", at(1))
            await uow.people.set_locale(officer, "en")
            raise RuntimeError("the turn failed")
    async with seeded.uow() as uow:
        assert await uow.invites.redeem(code, "Mới", None, at(2)) == Redemption(problem=InviteProblem.UNKNOWN)
        assert await uow.chats.get("telegram", "1") == ChatRecord("telegram", "1", officer, {})
        assert await uow.chats.get("zalo", "new") is None
        assert (await report_of(uow, report_id)).status is ReportStatus.DRAFT
        assert await uow.reports.answers(report_id) == {}
        assert await uow.audit.history(report_id) == []
        assert await uow.outbox.claim(5, at(2), "telegram") == []
        assert await uow.updates.claim("telegram", "5", at(2)) is True
        assert await uow.inbox.pending("telegram") == []
        assert await uow.reminder_runs.fired("slot") is False
        assert await uow.people.recipients(Role.REPORTER, [seeded.ids[HAI]]) == {
            seeded.ids[HAI]: [Recipient(officer, "Lê Văn An", "telegram", "1", DEFAULT_LOCALE)]
        }


async def test_wrong_codes_are_counted_per_channel_and_over_all_since_a_moment(store: Store) -> None:
    minute = timedelta(minutes=1)
    async with store.uow() as uow:
        for minutes, channel in ((0, "telegram"), (10, "zalo_bot"), (20, "telegram"), (30, "telegram")):
            await uow.wrong_codes.record(channel, f"chat-{minutes}", NOW + minutes * minute)
    async with store.uow() as uow:
        codes = uow.wrong_codes
        assert await codes.nth_latest(1, NOW) == NOW + 30 * minute
        assert await codes.nth_latest(4, NOW - minute) == NOW
        assert await codes.nth_latest(4, NOW) is None  # strictly after `since`: the first no longer counts
        assert await codes.nth_latest(3, NOW - minute, "telegram") == NOW
        assert await codes.nth_latest(2, NOW, "telegram") == NOW + 20 * minute
        assert await codes.nth_latest(1, NOW, "zalo_bot") == NOW + 10 * minute
        assert await codes.nth_latest(2, NOW - minute, "zalo_bot") is None
