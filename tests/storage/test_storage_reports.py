"""Reports: drafts appear for a unit's reporters, answers keep every version, submissions lock."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import func, select, update

from bot.base.deadline import ReminderPlan
from bot.base.forms import LocalText
from bot.base.records import Role
from bot.base.report_status import ReportStatus
from bot.catalog.model import CampaignSpec, EnrolRule, Milestone, UnitSpec
from harness.statements import counting_statements
from storage.models import Answer, GrantRow, Report
from storage.seed import load_campaign, load_units
from storage.unit_of_work import UnitOfWorkFactory
from tests.report_moves import answer_versions, return_report, submit

TODAY = date(2023, 11, 10)
NOW = datetime(2023, 11, 10, 2, 30, tzinfo=timezone.utc)
WEEK = NOW + timedelta(days=7)
UNITS = [
    UnitSpec("NA", "Tỉnh Nghệ An", "tinh", None, False),
    UnitSpec("NA-CL", "Thị xã Cửa Lò", "huyen", "NA", False),
    UnitSpec("CAP-CL-NGHIHAI", "Công an phường Nghi Hải", "cap", "NA-CL", False),
    UnitSpec("XA-CL-NGHITHUY", "Phường Nghi Thủy", "xa", "NA-CL", False),
]
ENROL = (EnrolRule("cap", "cap-22"), EnrolRule("xa", "xa-34"), EnrolRule("huyen", "de-cuong"))


def campaign(code: str, opens: date, due: date) -> CampaignSpec:
    return CampaignSpec(
        code=code,
        title=LocalText(f"Sơ kết {code}", f"Review {code}"),
        basis="Kế hoạch số 883/KH-UBND",
        opens=opens,
        milestones=(
            Milestone("report_due", due, LocalText("Hạn gửi báo cáo")),
            Milestone("conference", due + timedelta(days=10), LocalText("Hội nghị sơ kết")),
        ),
        reminders=ReminderPlan((7, 3, 1, 0), time(8), True),
        enrol=ENROL,
    )


@pytest.fixture
async def seeded(uow_factory: UnitOfWorkFactory) -> UnitOfWorkFactory:
    """A small unit tree enrolled in one open campaign (report due 25 November)."""
    async with uow_factory() as uow:
        await load_units(uow, UNITS)
        await load_campaign(uow, campaign("so-ket-2023", date(2023, 11, 1), date(2023, 11, 25)))
    return uow_factory


async def person_with(seeded: UnitOfWorkFactory, *grants: tuple[str, Role]) -> int:
    """A person holding the given roles, made the way the bot makes them: through invites."""
    person_id = None
    for unit_code, role in grants:
        async with seeded() as uow:
            code = (await uow.invites.create(unit_code, role, WEEK, NOW)).code
            grant = (await uow.invites.redeem(code, "Nguyễn Văn An", person_id, NOW)).grant
            assert grant is not None
            person_id = grant.person_id
    assert person_id is not None
    return person_id


async def open_reports(seeded: UnitOfWorkFactory, person_id: int, today: date = TODAY) -> list[Any]:
    async with seeded() as uow:
        return list(await uow.reports.open_for(person_id, today, datetime.combine(today, time(9), timezone.utc)))


async def test_a_reporter_finds_a_draft_created_on_first_use(seeded: UnitOfWorkFactory) -> None:
    person_id = await person_with(seeded, ("CAP-CL-NGHIHAI", Role.REPORTER))
    [report] = await open_reports(seeded, person_id)
    assert (report.unit_code, report.unit_name, report.campaign_code, report.form_id) == (
        "CAP-CL-NGHIHAI",
        "Công an phường Nghi Hải",
        "so-ket-2023",
        "cap-22",
    )
    assert report.campaign_title == LocalText("Sơ kết so-ket-2023", "Review so-ket-2023")
    assert report.status is ReportStatus.DRAFT
    assert report.report_due == date(2023, 11, 25)
    assert (report.receipt_no, report.submitted_at, report.reopened, report.needs_revision) == (
        None,
        None,
        frozenset(),
        frozenset(),
    )
    assert await open_reports(seeded, person_id) == [report]
    async with seeded() as uow:
        assert await uow.session.scalar(select(func.count()).select_from(Report)) == 1
        assert await uow.reports.get(report.id) == report
        assert await uow.reports.get(report.id + 1000) is None


async def test_only_active_reporters_of_opened_campaigns_see_reports(seeded: UnitOfWorkFactory) -> None:
    async with seeded() as uow:
        await load_campaign(uow, campaign("tong-ket-2024", date(2023, 11, 11), date(2024, 11, 30)))
    reporter = await person_with(seeded, ("CAP-CL-NGHIHAI", Role.REPORTER))
    supervisor = await person_with(seeded, ("NA-CL", Role.SUPERVISOR))
    assert [r.campaign_code for r in await open_reports(seeded, reporter)] == ["so-ket-2023"]
    assert [r.campaign_code for r in await open_reports(seeded, reporter, TODAY + timedelta(days=1))] == [
        "so-ket-2023",
        "tong-ket-2024",
    ]
    assert await open_reports(seeded, supervisor) == []
    async with seeded() as uow:
        await uow.session.execute(update(GrantRow).values(revoked_at=NOW))
    assert await open_reports(seeded, reporter) == []


async def test_open_reports_come_before_locked_ones_then_by_deadline(seeded: UnitOfWorkFactory) -> None:
    async with seeded() as uow:
        await load_campaign(uow, campaign("bao-cao-thang-11", date(2023, 11, 1), date(2023, 11, 15)))
        await load_campaign(uow, campaign("bao-cao-nam", date(2023, 11, 1), date(2023, 12, 20)))
    person_id = await person_with(seeded, ("CAP-CL-NGHIHAI", Role.REPORTER), ("XA-CL-NGHITHUY", Role.REPORTER))
    reports = await open_reports(seeded, person_id)
    assert [(r.campaign_code, r.unit_code) for r in reports] == [
        ("bao-cao-thang-11", "CAP-CL-NGHIHAI"),
        ("bao-cao-thang-11", "XA-CL-NGHITHUY"),
        ("so-ket-2023", "CAP-CL-NGHIHAI"),
        ("so-ket-2023", "XA-CL-NGHITHUY"),
        ("bao-cao-nam", "CAP-CL-NGHIHAI"),
        ("bao-cao-nam", "XA-CL-NGHITHUY"),
    ]
    async with seeded() as uow:
        await submit(uow, reports[0].id, person_id, NOW)
    assert [r.id for r in await open_reports(seeded, person_id)] == [r.id for r in reports[1:]] + [reports[0].id]


async def test_an_edit_adds_a_version_and_keeps_the_history(seeded: UnitOfWorkFactory) -> None:
    person_id = await person_with(seeded, ("CAP-CL-NGHIHAI", Role.REPORTER))
    [report] = await open_reports(seeded, person_id)
    first = {"status": "dat", "narrative": "Đã triển khai mô hình camera an ninh."}
    second = {"status": "dat", "narrative": "Đã lắp 42 camera an ninh tại các tổ dân phố."}
    async with seeded() as uow:
        assert await uow.reports.answers(report.id) == {}
        await uow.reports.save_answers(report.id, {"TC.1": first, "ND.1": {"text": "Báo cáo"}}, person_id, NOW)
    async with seeded() as uow:
        await uow.reports.save_answers(report.id, {"TC.1": second}, person_id, NOW + timedelta(minutes=5))
        await uow.reports.save_answers(report.id, {}, person_id, NOW + timedelta(minutes=6))
    async with seeded() as uow:
        assert await uow.reports.answers(report.id) == {"TC.1": second, "ND.1": {"text": "Báo cáo"}}
        assert await answer_versions(uow, report.id, "TC.1") == [
            (1, first, NOW),
            (2, second, NOW + timedelta(minutes=5)),
        ]
        authors = (await uow.session.execute(select(Answer.author_id).distinct())).scalars().all()
    assert authors == [person_id]


async def test_submitting_locks_the_report_and_numbers_the_receipt(seeded: UnitOfWorkFactory) -> None:
    person_id = await person_with(seeded, ("CAP-CL-NGHIHAI", Role.REPORTER))
    [report] = await open_reports(seeded, person_id)
    async with seeded() as uow:
        receipt = await submit(uow, report.id, person_id, NOW)
    assert (receipt.number, receipt.at) == (f"BC-{report.id:06d}-1", NOW)
    async with seeded() as uow:
        submitted = await uow.reports.get(report.id)
        assert submitted is not None
        assert (submitted.status, submitted.receipt_no, submitted.submitted_at) == (
            ReportStatus.SUBMITTED,
            receipt.number,
            NOW,
        )
        with pytest.raises(ValueError, match="not open for submission"):
            await submit(uow, report.id, person_id, NOW)
    later = NOW + timedelta(days=2)
    async with seeded() as uow:
        await uow.session.execute(update(Report).values(status=ReportStatus.RETURNED.value, returned_at=later))
    async with seeded() as uow:
        again = await submit(uow, report.id, person_id, later + timedelta(hours=1))
        resubmitted = await uow.reports.get(report.id)
    assert again.number == f"BC-{report.id:06d}-2"
    assert resubmitted is not None and resubmitted.status is ReportStatus.RESUBMITTED
    async with seeded() as uow:
        with pytest.raises(LookupError):
            await submit(uow, report.id + 1000, person_id, NOW)


ANSWER = {"status": "dat", "narrative": "Đạt"}
RETURNED_AT = NOW + timedelta(days=1)


async def returned_report(seeded: UnitOfWorkFactory, answered: list[str], reopened: list[str], answered_again: list[str]) -> tuple[int, Any]:
    """A reporter and their report: `answered`, submitted, sent back on RETURNED_AT with
    `reopened` to revise, then `answered_again` by a process whose clock stands a day behind
    (the order of events decides what is revised, not those times)."""
    person_id = await person_with(seeded, ("CAP-CL-NGHIHAI", Role.REPORTER))
    [report] = await open_reports(seeded, person_id)
    async with seeded() as uow:
        await uow.reports.save_answers(report.id, dict.fromkeys(answered, ANSWER), person_id, NOW)
        await submit(uow, report.id, person_id, NOW)
        await return_report(uow, report.id, reopened, "Sửa lại", person_id, RETURNED_AT)
        await uow.reports.save_answers(report.id, dict.fromkeys(answered_again, ANSWER), person_id, NOW + timedelta(minutes=1))
    return person_id, report


async def test_reopened_questions_need_revision_until_answered_again(seeded: UnitOfWorkFactory) -> None:
    person_id, _report = await returned_report(seeded, ["TC.1", "TC.2", "TC.5"], ["TC.1", "TC.2", "TC.3"], ["TC.2"])
    [returned] = await open_reports(seeded, person_id)
    assert returned.status is ReportStatus.RETURNED
    assert returned.reopened == {"TC.1", "TC.2", "TC.3"}
    assert returned.needs_revision == {"TC.1", "TC.3"}


async def test_listing_reports_costs_the_same_few_queries_for_any_number(seeded: UnitOfWorkFactory) -> None:
    one = await person_with(seeded, ("CAP-CL-NGHIHAI", Role.REPORTER))
    many = await person_with(seeded, ("CAP-CL-NGHIHAI", Role.REPORTER), ("XA-CL-NGHITHUY", Role.REPORTER))
    async with seeded() as uow:
        for n in range(4):
            await load_campaign(uow, campaign(f"dot-{n}", date(2023, 11, 1), date(2023, 12, 1 + n)))
    costs = []
    for person_id in (one, many):
        reports = await open_reports(seeded, person_id)  # creates the drafts
        async with seeded() as uow:
            await uow.session.execute(update(Report).values(returned_at=NOW, reopened=["TC.1"]))
        with counting_statements(seeded) as statements:
            assert len(await open_reports(seeded, person_id)) == len(reports)
        costs.append(len(statements))
    assert costs[0] == costs[1] <= 5


def queries(statements: list[str]) -> list[str]:
    """The statements that read or write, without SQLite's BEGIN IMMEDIATE."""
    return [statement for statement in statements if not statement.startswith("BEGIN")]


async def test_the_report_a_turn_goes_on_with_comes_with_its_newest_answers_in_one_query(seeded: UnitOfWorkFactory) -> None:
    person_id = await person_with(seeded, ("CAP-CL-NGHIHAI", Role.REPORTER))
    stranger = await person_with(seeded, ("XA-CL-NGHITHUY", Role.REPORTER))
    [report] = await open_reports(seeded, person_id)
    first, second = {"status": "dat", "narrative": "Lần đầu"}, {"status": "khong_dat", "narrative": "Sửa lại"}
    async with seeded() as uow:
        await uow.reports.save_answers(report.id, {"TC.1": first, "TC.2": first}, person_id, NOW)
        await uow.reports.save_answers(report.id, {"TC.1": second}, person_id, NOW + timedelta(minutes=1))
    with counting_statements(seeded) as statements:
        async with seeded() as uow:
            current = await uow.reports.current_for(person_id, report.id, TODAY)
    assert current is not None
    assert len(queries(statements)) == 1
    async with seeded() as uow:
        assert current.report == await uow.reports.get(report.id)
        assert current.answers == await uow.reports.answers(report.id) == {"TC.1": second, "TC.2": first}
        # Someone else's report, or one of a campaign not open that day, is not in hand.
        assert await uow.reports.current_for(stranger, report.id, TODAY) is None
        assert await uow.reports.current_for(person_id, report.id, date(2023, 10, 31)) is None


async def test_a_report_read_in_hand_needs_no_second_lock_to_save_answers(seeded: UnitOfWorkFactory) -> None:
    person_id = await person_with(seeded, ("CAP-CL-NGHIHAI", Role.REPORTER))
    [report] = await open_reports(seeded, person_id)
    with counting_statements(seeded) as statements:
        async with seeded() as uow:
            current = await uow.reports.current_for(person_id, report.id, TODAY)
            assert current is not None and current.answers == {}
            await uow.reports.save_answers(report.id, {"TC.1": {"status": "dat"}}, person_id, NOW)
    assert [statement.split()[0] for statement in queries(statements)] == ["SELECT", "INSERT"]
    async with seeded() as uow:
        assert await uow.reports.answers(report.id) == {"TC.1": {"status": "dat"}}


async def test_a_report_under_revision_in_hand_says_when_each_reopened_answer_was_saved(seeded: UnitOfWorkFactory) -> None:
    person_id, report = await returned_report(seeded, ["TC.1", "TC.2"], ["TC.1", "TC.2"], ["TC.2"])
    async with seeded() as uow:
        current = await uow.reports.current_for(person_id, report.id, TODAY + timedelta(days=1))
        listed = await uow.reports.get(report.id)
    assert current is not None and current.report == listed
    assert current.report.needs_revision == {"TC.1"}
    assert current.answers == {"TC.1": ANSWER, "TC.2": ANSWER}
