"""Reports' answers: one report's, and many reports' at once as the exports read them. A
province's summary and workbook read 10,000 reports, so what they show only as counts is counted
here, in SQL, and what they show answer by answer is read a question, or a batch of reports, at a
time, each report's or question's answers gathered by the database into one JSON object: a row
per answer cost more to fetch and decode than the database took to find them. Report ids go to
the database `BATCH` at a time, so no read holds more than a batch's answers."""

from __future__ import annotations

import json
from collections.abc import Collection, Iterator
from typing import Any

from sqlalchemy import JSON, ColumnElement, Integer, Text, and_, bindparam, cast, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import aliased
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from bot.base.answers import AnswerValue
from bot.base.forms import CRITERION_PREFIX, CriterionStatus, LocalText
from bot.base.records import PreviousAnswers
from storage.models import Answer, Campaign, Enrolment, Report, Unit

__all__ = ["BATCH", "ReportAnswerReads", "among"]

BATCH = 5000
"""Report ids in one statement."""

_ANSWERS = Answer.__table__
_NEWER = _ANSWERS.alias("newer")
_CURRENT = ~exists().where(
    _NEWER.c.report_id == _ANSWERS.c.report_id, _NEWER.c.question_id == _ANSWERS.c.question_id, _NEWER.c.version > _ANSWERS.c.version
)
"""An answer no newer version of has replaced."""

_STATUS, _ELIGIBLE = _ANSWERS.c.criterion_status, _ANSWERS.c.eligible
_IS_CRITERION = func.substr(_ANSWERS.c.question_id, 1, len(CRITERION_PREFIX)) == CRITERION_PREFIX


class AnswersObject(FunctionElement[dict[str, AnswerValue]]):
    """The answers of a group of rows as one JSON object, by a key of theirs (the question, or
    the report as text), for one row to decode instead of one per answer."""

    type = JSON()
    inherit_cache = True


@compiles(AnswersObject, "sqlite")
def _sqlite_object(element: AnswersObject, compiler: SQLCompiler, **kw: Any) -> str:
    """The object written out of the values as stored (JSON text, as SQLAlchemy wrote them): SQLite's
    json_group_object would parse and write each value again."""
    key, value = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"'{{' || group_concat(json_quote(CAST({key} AS TEXT)) || ':' || {value}, ',') || '}}'"


@compiles(AnswersObject, "postgresql")
def _postgresql_object(element: AnswersObject, compiler: SQLCompiler, **kw: Any) -> str:
    key, value = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"json_object_agg({key}, {value})"


class _Ids(FunctionElement[int]):
    """The ids of a JSON array, bound as one parameter, as a subquery to be `IN`."""

    type = Integer()
    inherit_cache = True


@compiles(_Ids, "sqlite")
def _sqlite_ids(element: _Ids, compiler: SQLCompiler, **kw: Any) -> str:
    return f"(SELECT value FROM json_each({compiler.process(element.clauses, **kw)}))"


@compiles(_Ids, "postgresql")
def _postgresql_ids(element: _Ids, compiler: SQLCompiler, **kw: Any) -> str:
    return f"(SELECT CAST(value AS INTEGER) FROM json_array_elements_text(CAST({compiler.process(element.clauses, **kw)} AS JSON)))"


def among(column: ColumnElement[int], ids: Collection[int]) -> ColumnElement[bool]:
    """`column IN (…)` with the ids as one JSON array: thousands of bind parameters, or the ids
    written into the statement, took SQLAlchemy longer to name or render than the database took
    to answer; one parameter keeps the statement the same, so it is compiled once. A comparison,
    so that the database looks the ids up in its index (SQLite scanned every answer for an `IN`
    compared to true)."""
    return column.op("IN", is_comparison=True)(_Ids(bindparam(None, json.dumps([int(i) for i in ids]), type_=Text())))


def batches(report_ids: Collection[int]) -> Iterator[list[int]]:
    ids = list(report_ids)
    for start in range(0, len(ids), BATCH):
        yield ids[start : start + BATCH]


class ReportAnswerReads:
    """The reads of bot.base.ports.ReportQueries of reports' answers (SqlReports has them)."""

    session: AsyncSession

    async def answers(self, report_id: int) -> dict[str, AnswerValue]:
        """The newest version of each answer."""
        newest = (
            select(Answer.question_id, func.max(Answer.version).label("version"))
            .where(Answer.report_id == report_id)
            .group_by(Answer.question_id)
            .subquery()
        )
        rows = await self.session.execute(
            select(Answer.question_id, Answer.value).join(
                newest,
                and_(Answer.report_id == report_id, Answer.question_id == newest.c.question_id, Answer.version == newest.c.version),
            )
        )
        return {row.question_id: row.value for row in rows}

    async def answers_to(self, campaign_code: str, question_id: str, unit_ids: Collection[int]) -> dict[int, AnswerValue]:
        """The newest version of one answer, per unit of these that has one."""
        ids = list(unit_ids)
        if not ids:
            return {}
        newest = (
            select(Answer.report_id, func.max(Answer.version).label("version"))
            .join(Report, Report.id == Answer.report_id)
            .join(Enrolment, Enrolment.id == Report.enrolment_id)
            .join(Campaign, Campaign.id == Enrolment.campaign_id)
            .where(Answer.question_id == question_id, Campaign.code == campaign_code, Enrolment.unit_id.in_(ids))
            .group_by(Answer.report_id)
            .subquery()
        )
        rows = await self.session.execute(
            select(Enrolment.unit_id, Answer.value)
            .select_from(Answer)
            .join(newest, and_(Answer.report_id == newest.c.report_id, Answer.question_id == question_id, Answer.version == newest.c.version))
            .join(Report, Report.id == Answer.report_id)
            .join(Enrolment, Enrolment.id == Report.enrolment_id)
        )
        return {row.unit_id: row.value for row in rows}

    async def previous_answers(self, report_id: int) -> PreviousAnswers | None:
        """One query finds the earlier report (none: done), one reads its answers."""
        current, current_enrolment, current_campaign = aliased(Report), aliased(Enrolment), aliased(Campaign)
        earlier = (
            await self.session.execute(
                select(Report.id, Campaign.code, Campaign.title_vi, Campaign.title_en)
                .select_from(current)
                .join(current_enrolment, current_enrolment.id == current.enrolment_id)
                .join(current_campaign, current_campaign.id == current_enrolment.campaign_id)
                .join(Enrolment, and_(Enrolment.unit_id == current_enrolment.unit_id, Enrolment.form_id == current_enrolment.form_id))
                .join(Campaign, and_(Campaign.id == Enrolment.campaign_id, Campaign.opens < current_campaign.opens))
                .join(Report, and_(Report.enrolment_id == Enrolment.id, Report.submitted_at.is_not(None)))
                .where(current.id == report_id)
                .order_by(Campaign.opens.desc())
                .limit(1)
            )
        ).one_or_none()
        if earlier is None:
            return None
        return PreviousAnswers(earlier.code, LocalText(earlier.title_vi, earlier.title_en), await self.answers(earlier.id))

    async def answers_of(self, report_ids: Collection[int], criteria: bool | None = None) -> dict[int, dict[str, AnswerValue]]:
        """A report's answers come as one row, gathered into one JSON object by the database and
        decoded at once: a row per answer made reading a province's answers slow."""
        found: dict[int, dict[str, AnswerValue]] = {report_id: {} for report_id in report_ids}
        which = [] if criteria is None else [_IS_CRITERION if criteria else ~_IS_CRITERION]
        for ids in batches(report_ids):
            rows = await self.session.execute(
                select(_ANSWERS.c.report_id, AnswersObject(_ANSWERS.c.question_id, _ANSWERS.c.value))
                .where(among(_ANSWERS.c.report_id, ids), *which, _CURRENT)
                .group_by(_ANSWERS.c.report_id)
            )
            found.update(rows.all())
        return found

    async def criteria_by_report(self, report_ids: Collection[int], criteria: Collection[str]) -> dict[int, dict[CriterionStatus, int]]:
        found: dict[int, dict[CriterionStatus, int]] = {}
        for report_id, status, _eligible, count in await self._tally(_ANSWERS.c.report_id, report_ids, criteria):
            tally = found.setdefault(report_id, {})
            tally[status] = tally.get(status, 0) + count
        return found

    async def criteria_by_question(
        self, report_ids: Collection[int], criteria: Collection[str]
    ) -> dict[str, dict[tuple[CriterionStatus, bool], int]]:
        found: dict[str, dict[tuple[CriterionStatus, bool], int]] = {}
        for question_id, status, eligible, count in await self._tally(_ANSWERS.c.question_id, report_ids, criteria):
            tally = found.setdefault(question_id, {})
            tally[status, eligible] = tally.get((status, eligible), 0) + count
        return found

    async def _tally(self, per: ColumnElement[Any], report_ids: Collection[int], criteria: Collection[str]) -> list[tuple[Any, CriterionStatus, bool, int]]:
        """How many current answers to these criteria give each status (and eligibility), per
        report or per question (`per`), counted by the database; answers without a status (a
        skip) are not counted."""
        found = []
        for ids in batches(report_ids):
            rows = await self.session.execute(
                select(per, _STATUS, _ELIGIBLE, func.count())
                .where(among(_ANSWERS.c.report_id, ids), _ANSWERS.c.question_id.in_(list(criteria)), _STATUS.is_not(None), _CURRENT)
                .group_by(per, _STATUS, _ELIGIBLE)
            )
            found += [(key, CriterionStatus(status), bool(eligible), count) for key, status, eligible, count in rows]
        return found

    async def answer_counts(self, report_ids: Collection[int], question_ids: Collection[str]) -> list[tuple[str, AnswerValue, int]]:
        """Each distinct answer with the number of reports giving it, in the order of the first
        unit (by code) to give it: as many rows as distinct answers, not as reports."""
        as_text = cast(_ANSWERS.c.value, Text)
        first = func.min(Unit.code)
        counted: dict[tuple[str, str], tuple[str, int]] = {}
        for ids in batches(report_ids):
            rows = await self.session.execute(
                select(_ANSWERS.c.question_id, as_text, first, func.count())
                .join(Report, Report.id == _ANSWERS.c.report_id)
                .join(Enrolment, Enrolment.id == Report.enrolment_id)
                .join(Unit, Unit.id == Enrolment.unit_id)
                .where(among(_ANSWERS.c.report_id, ids), _ANSWERS.c.question_id.in_(list(question_ids)), _CURRENT)
                .group_by(_ANSWERS.c.question_id, as_text)
            )
            for question_id, value, code, count in rows:
                earlier_code, earlier_count = counted.get((question_id, value), (code, 0))
                counted[question_id, value] = (min(code, earlier_code), earlier_count + count)
        ordered = sorted(counted.items(), key=lambda item: item[1][0])
        return [(question_id, json.loads(value), count) for (question_id, value), (_code, count) in ordered]

    async def answers_to_question(self, report_ids: Collection[int], question_id: str) -> dict[int, AnswerValue]:
        """A batch's answers come as one JSON object by report id, decoded at once."""
        found: dict[int, AnswerValue] = {}
        for ids in batches(report_ids):
            given = await self.session.scalar(
                select(AnswersObject(_ANSWERS.c.report_id, _ANSWERS.c.value)).where(
                    among(_ANSWERS.c.report_id, ids), _ANSWERS.c.question_id == question_id, _CURRENT
                )
            )
            found.update((int(report_id), value) for report_id, value in (given or {}).items())
        return found
