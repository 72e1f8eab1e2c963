"""Counting criteria: how many units stand where on one criterion, and where one unit stands on
all of its criteria ("đạt 28/34 tiêu chí"). The one count /tieuchi, the reports, the workbook
and the chart all show; the wording lives with each of them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from bot.base.answers import AnswerValue, criterion_status
from bot.base.forms import CriterionStatus, Form, QuestionKind

__all__ = ["CriteriaCount", "count_criteria", "count_criterion", "counted", "tally_criterion"]


@dataclass(frozen=True)
class CriteriaCount:
    """Answers counted by status; `eligible` are those not yet due that meet the conditions."""

    met: int = 0
    not_met: int = 0
    not_yet_due: int = 0
    eligible: int = 0
    unanswered: int = 0

    @property
    def total(self) -> int:
        return self.met + self.not_met + self.not_yet_due + self.unanswered

    def of(self, status: CriterionStatus | None) -> int:
        counts = {
            CriterionStatus.MET: self.met, CriterionStatus.NOT_MET: self.not_met,
            CriterionStatus.NOT_YET_DUE: self.not_yet_due, None: self.unanswered,
        }  # fmt: skip
        return counts[status]


def count_criterion(values: Iterable[AnswerValue | None]) -> CriteriaCount:
    """One criterion's answers, one per unit (None where a unit has not answered it)."""
    return tally_criterion((value, 1) for value in values)


def tally_criterion(answers: Iterable[tuple[AnswerValue | None, int]]) -> CriteriaCount:
    """One criterion's answers, each with the number of units that gave it (storage counts alike
    answers together: bot.base.counts.CriterionAnswers)."""
    by_status: dict[CriterionStatus | None, int] = {}
    eligible = 0
    for value, units in answers:
        status = criterion_status(value)
        by_status[status] = by_status.get(status, 0) + units
        eligible += units * (status is CriterionStatus.NOT_YET_DUE and bool(value and value.get("eligible")))
    return CriteriaCount(
        met=by_status.get(CriterionStatus.MET, 0),
        not_met=by_status.get(CriterionStatus.NOT_MET, 0),
        not_yet_due=by_status.get(CriterionStatus.NOT_YET_DUE, 0),
        eligible=eligible,
        unanswered=by_status.get(None, 0),
    )


def count_criteria(form: Form, answers: Mapping[str, AnswerValue]) -> CriteriaCount:
    """One unit's criteria in its form, counted by the status it gave each."""
    return count_criterion(answers.get(q.id) for q in form if q.kind is QuestionKind.CRITERION)


def counted(by_status: Mapping[CriterionStatus, int], total: int, eligible: int = 0) -> CriteriaCount:
    """The count the database made of `total` answers by status (those without one unanswered),
    for documents of many units that never read each answer."""
    met, not_met, not_yet_due = (by_status.get(status, 0) for status in CriterionStatus)
    return CriteriaCount(met, not_met, not_yet_due, eligible, total - met - not_met - not_yet_due)
