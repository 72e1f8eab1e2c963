"""A report as the engine sees it: its form, current answers and review state."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from bot.answers import AnswerValue, is_answered
from bot.forms import Form, Question


class ReportStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    RESUBMITTED = "resubmitted"
    APPROVED = "approved"


LOCKED_STATUSES = frozenset({ReportStatus.SUBMITTED, ReportStatus.RESUBMITTED, ReportStatus.APPROVED})


@dataclass(frozen=True)
class ReportContext:
    """Everything the engine may read about one report; storage builds it per update."""

    report_id: int
    form: Form
    answers: Mapping[str, AnswerValue]
    status: ReportStatus
    unit_name: str
    campaign_title: str
    deadline: datetime | None = None
    receipt_no: str | None = None
    submitted_at: datetime | None = None
    reopened: frozenset[str] = field(default=frozenset())
    needs_revision: frozenset[str] = field(default=frozenset())

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
        return question.id in self.needs_revision or not is_answered(
            question, self.answers.get(question.id)
        )

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
