"""The report as the engine sees it while an officer fills it in: its form, its answers, where it
stands (bot.base.report_status) and what the unit answered last time."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

from bot.base.answers import AnswerValue, is_answered, is_skipped
from bot.base.forms import Form, Question, QuestionKind
from bot.base.report_status import LOCKED_STATUSES, ReportStatus

__all__ = ["ReportContext"]

CARRIED_KINDS = frozenset({QuestionKind.CRITERION, QuestionKind.TEXT})
"""The questions whose answer a unit may carry over from its previous campaign."""


@dataclass(frozen=True)
class ReportContext:
    """Everything the engine may read about one report; built per update from storage."""

    report_id: int
    form: Form
    answers: Mapping[str, AnswerValue]
    status: ReportStatus
    unit_name: str
    campaign_title: str
    deadline: datetime | None = None
    opens: date | None = None
    receipt_no: str | None = None
    submitted_at: datetime | None = None
    reopened: frozenset[str] = field(default=frozenset())
    needs_revision: frozenset[str] = field(default=frozenset())
    submissions: int = 0
    return_comment: str | None = None
    previous_answers: Mapping[str, AnswerValue] = field(default_factory=dict)
    """What the unit answered in its last filed report on the same form (bot.base.records.PreviousAnswers)."""
    previous_campaign: str = ""
    """That report's campaign: its code, and its title in the reader's language."""
    previous_title: str = ""

    @property
    def locked(self) -> bool:
        return self.status in LOCKED_STATUSES

    def editable(self, question: Question) -> bool:
        if self.status is ReportStatus.DRAFT:
            return True
        return self.status is ReportStatus.RETURNED and question.id in self.reopened

    def pending(self, question: Question) -> bool:
        """Still waiting for the officer: unanswered, or sent back for revision."""
        if not self.editable(question):
            return False
        return question.id in self.needs_revision or not is_answered(question, self.answers.get(question.id))

    def carried(self, question: Question) -> AnswerValue | None:
        """Last campaign's answer, offered to keep while this report has none: for a criterion or
        a text (a date or a count belongs to its own year), never a skip."""
        if question.kind not in CARRIED_KINDS or question.id in self.answers or not self.editable(question):
            return None
        value = self.previous_answers.get(question.id)
        return value if value and not is_skipped(value) and is_answered(question, value) else None

    def number_of(self, question: Question) -> int:
        return self.form.index_of(question.id) + 1

    def missing_required(self) -> list[Question]:
        return [
            q
            for q in self.form
            if q.required and (not is_answered(q, self.answers.get(q.id)) or q.id in self.needs_revision)
        ]

    def answered_count(self) -> int:
        return sum(1 for q in self.form if is_answered(q, self.answers.get(q.id)))
