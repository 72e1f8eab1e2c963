"""The counts a supervisor's status turns read from the database (storage/report_counts.py) are the
counts made the straightforward way from the same rows: every enrolment and every answer read,
then tallied, sorted and paged in Python. The demo province is given reports in every state
(never opened, part answered with answers changed, handed in, approved, returned, extended),
officers linked, unlinked and revoked."""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Collection, Sequence
from datetime import date, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import select

from bot.base.answers import AnswerValue, criterion_status
from bot.base.forms import CRITERION_PREFIX, CriterionStatus
from bot.base.records import Enrolment, Role
from bot.base.text import fold
from bot.catalog.loading import load_catalog
from bot.organisation.units import UnitTree
from bot.reporting.criteria_counts import count_criterion, tally_criterion
from bot.reporting.standing import Standing, UnitStanding, standing_from, standing_of
from storage.models import Answer, Chat, GrantRow, Person
from storage.unit_of_work import SqlUnitOfWork, UnitOfWorkFactory
from tests.demo_province import load_demo_province
from tests.report_moves import approve, return_report, submit

CAMPAIGN = "so-ket-2023"
CATALOG = load_catalog()
QUESTIONS = {form_id: len(form) for form_id, form in CATALOG.forms.items()}
T0 = datetime(2023, 11, 10, 2, 30, tzinfo=timezone.utc)
TODAY = date(2023, 11, 28)
"""After the campaign's deadline (25/11/2023): units not handed in are overdue, unless extended."""
SCOPES = (("NA",), ("NA-CL",), ("NA", "NA-CL"), ("CAP-CL-NGHIHAI",), ("NA-CAT-PV01",))
"""The province, a district, both (one within the other), a unit alone, a unit with no enrolment."""


def criterion_value(number: int, criterion: int) -> AnswerValue:
    status = list(CriterionStatus)[(number + criterion) % 3]
    return {"status": status.value, "eligible": (number + criterion) % 2 == 0, "narrative": f"Đơn vị {number}"}


async def link(uow: SqlUnitOfWork, unit_id: int, role: Role, with_chat: bool, revoked: bool = False) -> None:
    person = Person(full_name=f"Cán bộ {unit_id} {role.value}", locale="vi", created_at=T0)
    uow.session.add(person)
    await uow.session.flush()
    uow.session.add(GrantRow(person_id=person.id, unit_id=unit_id, role=role.value, created_at=T0, revoked_at=T0 if revoked else None))
    if with_chat:
        uow.session.add(Chat(channel="telegram", chat_id=f"{person.id}", person_id=person.id, state={}, created_at=T0, updated_at=T0))
    await uow.session.flush()


async def campaign_under_way(factory: UnitOfWorkFactory) -> UnitTree:
    """The demo province, its reports in every state; the unit tree."""
    await load_demo_province(factory)
    async with factory() as uow:
        tree = UnitTree(await uow.units.units())
        enrolled = list(await uow.reports.enrolments(CAMPAIGN))
    for number, row in enumerate(enrolled):
        async with factory() as uow:
            await link(uow, row.unit_id, Role.REPORTER, with_chat=number % 3 != 0, revoked=number % 11 == 5)
            if number % 4 == 1:
                await link(uow, row.unit_id, Role.SUPERVISOR, with_chat=True)
            if number % 7 == 0:
                continue
            report = await uow.reports.open_unit(CAMPAIGN, row.unit_id, T0)
            assert report is not None
            form = CATALOG.forms[row.form_id]
            answered = [question.id for question in form][: number % (len(form) + 3)]
            if number % 9 == 8:  # every question, and one the form no longer has: progress stops at whole
                answered = [question.id for question in form] + [f"{CRITERION_PREFIX}999"]
            values = {
                question_id: criterion_value(number, int(question_id.removeprefix(CRITERION_PREFIX)))
                if question_id.startswith(CRITERION_PREFIX)
                else {"text": f"Đơn vị {number}"}
                for question_id in answered
            }
            await uow.reports.save_answers(report.id, values, None, T0 + timedelta(minutes=number))
            if values and number % 5 == 0:  # the first answer changed: a second version, no new question
                first = next(iter(values))
                await uow.reports.save_answers(report.id, {first: criterion_value(number + 1, 1)}, None, T0 + timedelta(hours=1, minutes=number))
            if row.form_id == "xa-34" and number % 6 == 2:
                await uow.reports.extend(CAMPAIGN, row.unit_id, date(2023, 12, 31))
            if number % 7 >= 3:
                await submit(uow, report.id, None, T0 + timedelta(hours=2))
            if number % 7 == 4:
                await approve(uow, report.id, 1, T0 + timedelta(hours=3))
            if number % 7 == 5:
                await return_report(uow, report.id, [answered[0]] if answered else ["TC.1"], "Bổ sung", 1, T0 + timedelta(hours=3))
    return tree


async def straightforward_rows(uow: SqlUnitOfWork, unit_ids: Collection[int]) -> list[Enrolment]:
    """The scope's enrolments with their counts made from every answer row."""
    rows = list(await uow.reports.enrolments(CAMPAIGN, unit_ids))
    answers = (await uow.session.execute(select(Answer.report_id, Answer.question_id, Answer.version, Answer.value, Answer.created_at))).all()
    current: dict[int, dict[str, tuple[int, AnswerValue]]] = {}
    latest: dict[int, datetime] = {}
    for report_id, question_id, version, value, created_at in answers:
        given = current.setdefault(report_id, {})
        if question_id not in given or given[question_id][0] < version:
            given[question_id] = (version, value)
        latest[report_id] = max(latest.get(report_id, created_at), created_at)

    def criteria(report_id: int | None) -> dict[CriterionStatus, int]:
        statuses = Counter(
            status for q, (_v, value) in current.get(report_id or 0, {}).items()
            if q.startswith(CRITERION_PREFIX) and (status := criterion_status(value)) is not None
        )  # fmt: skip
        return dict(statuses)

    return [
        dataclasses.replace(
            row,
            answered=len(current.get(row.report_id or 0, ())),
            answered_criteria=sum(q.startswith(CRITERION_PREFIX) for q in current.get(row.report_id or 0, ())),
            last_activity=max((t for t in (latest.get(row.report_id or 0), row.submitted_at) if t is not None), default=None),
            criteria=criteria(row.report_id),
        )
        for row in rows
    ]


async def linked_reporters(uow: SqlUnitOfWork, unit_ids: Collection[int]) -> dict[int, list[str]]:
    named: dict[int, list[str]] = {}
    for person in await uow.people.linked(unit_ids):
        if person.role is Role.REPORTER and person.linked_chats:
            named.setdefault(person.unit_id, []).append(person.full_name)
    return named


def tallies(standing: Standing) -> dict[Any, dict[str, Any]]:
    """Every tally, its progress rounded past what a sum in another order changes."""
    counted = {("kind", group): tally for group, tally in standing.by_kind.items()}
    counted |= {("branch", key): tally for key, tally in standing.by_branch.items()}
    return {key: dataclasses.asdict(tally) | {"progress_sum": round(tally.progress_sum, 9)} for key, tally in counted.items()}


def roots_of(tree: UnitTree, codes: Sequence[str]) -> tuple[int, ...]:
    return tuple(unit.id for code in codes if (unit := tree.by_code(code)) is not None)


def narrative(form_id: str) -> bool:
    return CATALOG.forms[form_id].criteria_count == 0


def questions_in(form_id: str) -> int:
    return QUESTIONS[form_id]


async def test_report_rows_keep_the_counts_their_answers_make(uow_factory: UnitOfWorkFactory) -> None:
    tree = await campaign_under_way(uow_factory)
    async with uow_factory() as uow:
        everyone = [unit.id for unit in tree]
        assert await uow.reports.enrolments(CAMPAIGN) == await straightforward_rows(uow, everyone)
        assert any(row.answered for row in await uow.reports.enrolments(CAMPAIGN))


@pytest.mark.parametrize("codes", SCOPES, ids="+".join)
async def test_the_standing_counted_in_the_database_is_the_standing_of_every_row(uow_factory: UnitOfWorkFactory, codes: Sequence[str]) -> None:
    tree = await campaign_under_way(uow_factory)
    roots = roots_of(tree, codes)
    scope = tree.subtree(roots)
    due = date(2023, 11, 25)
    async with uow_factory() as uow:
        rows = await straightforward_rows(uow, scope)
        expected = standing_of(rows, tree, roots, questions_in, narrative, await linked_reporters(uow, scope), due, TODAY)
        counted = standing_from(await uow.standing.shares(CAMPAIGN, roots, QUESTIONS), questions_in, narrative, due, TODAY)
    assert tallies(counted) == tallies(expected)
    assert bool(expected.by_kind) == (codes != ("NA-CAT-PV01",))


@pytest.mark.parametrize("codes", SCOPES, ids="+".join)
async def test_the_pending_pages_are_the_pending_rows_sorted_and_paged(uow_factory: UnitOfWorkFactory, codes: Sequence[str]) -> None:
    tree = await campaign_under_way(uow_factory)
    roots = roots_of(tree, codes)
    async with uow_factory() as uow:
        rows = await straightforward_rows(uow, tree.subtree(roots))
        pending = sorted(
            (unit for row in rows if not (unit := UnitStanding(row, QUESTIONS[row.form_id], ())).has_submitted),
            key=lambda unit: (-unit.progress, fold(tree.get(unit.row.unit_id).name)),
        )
        size = 7
        for offset in range(0, len(pending) + size, size):
            page = await uow.standing.pending(CAMPAIGN, roots, QUESTIONS, offset, size)
            assert page.total == len(pending)
            assert list(page.rows) == [unit.row for unit in pending[offset : offset + size]]


@pytest.mark.parametrize("codes", SCOPES[:3], ids="+".join)
@pytest.mark.parametrize(("form_id", "criterion"), [("xa-34", 1), ("xa-34", 34), ("cap-22", 5), ("cq-14", 14)])
async def test_a_criterion_counted_in_the_database_is_the_count_of_every_answer(
    uow_factory: UnitOfWorkFactory, codes: Sequence[str], form_id: str, criterion: int
) -> None:
    tree = await campaign_under_way(uow_factory)
    roots = roots_of(tree, codes)
    question_id = f"{CRITERION_PREFIX}{criterion}"
    named = 3
    async with uow_factory() as uow:
        units = [row.unit_id for row in await uow.reports.enrolments(CAMPAIGN, tree.subtree(roots)) if row.form_id == form_id]
        values = await uow.reports.answers_to(CAMPAIGN, question_id, units)
        answers = await uow.standing.criterion(CAMPAIGN, roots, form_id, question_id, named)
    assert tally_criterion(answers.counted) == count_criterion(values.get(unit_id) for unit_id in units)
    by_name = sorted(units, key=lambda unit_id: (fold(tree.get(unit_id).name), tree.get(unit_id).code))
    for status in (*CriterionStatus, None):
        expected = [unit_id for unit_id in by_name if criterion_status(values.get(unit_id)) is status][:named]
        assert [unit_id for unit_id, value in answers.named if criterion_status(value) is status] == expected
    for unit_id, value in answers.named:
        assert bool(value and value["eligible"]) == bool((values.get(unit_id) or {}).get("eligible"))
