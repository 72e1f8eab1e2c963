"""Documents of a scope with every answer at hand: the reads a summary and a workbook stream
through (bot.base.ports.AnswerReads) worked out the straightforward way, in Python, over every
answer held in memory, counted by bot.reporting.criteria_counts as /tieuchi counts; and a
streamed document gathered whole, to read as the data it says."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import replace

from bot.base.answers import AnswerValue, criterion_status
from bot.base.forms import CRITERION_PREFIX, CriterionStatus, Form
from bot.base.records import Enrolment
from bot.documents.model import OfficialReport, Workbook, chunks
from bot.reporting.criteria_counts import count_criteria, count_criterion

__all__ = ["AnswersAtHand", "report_at_hand", "rows_at_hand", "workbook_at_hand"]


def rows_at_hand(rows: Sequence[Enrolment], answers: AnswersAtHand, forms: Mapping[str, Form]) -> list[Enrolment]:
    """The enrolments with each unit's criteria counted from its answers at hand, not as its
    report row keeps them (the trigger of migration 0022)."""
    at_hand = []
    for row in rows:
        count = count_criteria(forms[row.form_id], answers.answers.get(row.report_id or 0, {}))
        at_hand.append(replace(row, criteria={status: count.of(status) for status in CriterionStatus if count.of(status)}))
    return at_hand


class AnswersAtHand:
    """Every answer of every report in memory, by report id; `codes` the unit code of each
    report, the order the database gives the first unit to give an answer."""

    def __init__(self, answers: Mapping[int, Mapping[str, AnswerValue]], codes: Mapping[int, str]) -> None:
        self.answers, self.codes = answers, codes

    async def answers_of(self, report_ids: Collection[int], criteria: bool | None = None) -> dict[int, dict[str, AnswerValue]]:
        return {
            report_id: {q: v for q, v in self.answers.get(report_id, {}).items() if criteria is None or q.startswith(CRITERION_PREFIX) == criteria}
            for report_id in report_ids
        }

    async def criteria_by_report(self, report_ids: Collection[int], criteria: Collection[str]) -> dict[int, dict[CriterionStatus, int]]:
        found = {}
        for report_id in report_ids:
            count = count_criterion(self.answers.get(report_id, {}).get(q) for q in criteria)
            found[report_id] = {status: count.of(status) for status in CriterionStatus if count.of(status)}
        return found

    async def criteria_by_question(
        self, report_ids: Collection[int], criteria: Collection[str]
    ) -> dict[str, dict[tuple[CriterionStatus, bool], int]]:
        found: dict[str, dict[tuple[CriterionStatus, bool], int]] = {}
        for q in criteria:
            for report_id in report_ids:
                value = self.answers.get(report_id, {}).get(q)
                if (status := criterion_status(value)) is not None:
                    key = (status, bool(value and value.get("eligible")))
                    found.setdefault(q, {})[key] = found.get(q, {}).get(key, 0) + 1
        return found

    async def answer_counts(self, report_ids: Collection[int], question_ids: Collection[str]) -> list[tuple[str, AnswerValue, int]]:
        counted: list[tuple[str, AnswerValue, int]] = []
        for report_id in sorted(report_ids, key=lambda report_id: self.codes[report_id]):
            for q, value in self.answers.get(report_id, {}).items():
                if q in question_ids:
                    known = next((i for i, (question, given, _n) in enumerate(counted) if question == q and given == value), None)
                    if known is None:
                        counted.append((q, value, 1))
                    else:
                        counted[known] = (q, value, counted[known][2] + 1)
        return counted

    async def answers_to_question(self, report_ids: Collection[int], question_id: str) -> dict[int, AnswerValue]:
        return {report_id: value for report_id in report_ids if (value := self.answers.get(report_id, {}).get(question_id)) is not None}


async def report_at_hand(report: OfficialReport) -> OfficialReport:
    """The report with its annex read whole."""
    return replace(report, annex=tuple([block async for part in chunks(report.annex) for block in part]))


async def workbook_at_hand(workbook: Workbook) -> Workbook:
    """The workbook with every sheet's rows read whole."""
    sheets = []
    for sheet in workbook.sheets:
        sheets.append(replace(sheet, rows=tuple([row async for part in chunks(sheet.rows) for row in part])))
    return Workbook(workbook.title, tuple(sheets))
