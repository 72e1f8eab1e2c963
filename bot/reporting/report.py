"""A report's life: its statuses, the moves between them, the receipt a submission gets, what a
return leaves to revise; and the report as the engine sees it while an officer fills it in.

The rules live here, in the core; storage only records a move the core decided, and refuses it
when the report no longer stands where the core saw it (another turn moved it meanwhile).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from bot.base.answers import AnswerValue, is_answered, is_skipped
from bot.base.forms import Form, Question, QuestionKind

__all__ = [
    "APPRAISABLE",
    "LOCKED_STATUSES",
    "NOT_SUBMITTED",
    "RETURNABLE",
    "Receipt",
    "ReportContext",
    "ReportStatus",
    "Transition",
    "approval",
    "needs_revision",
    "receipt_number",
    "return_for_revision",
    "submission",
]


class ReportStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    RESUBMITTED = "resubmitted"
    APPROVED = "approved"


LOCKED_STATUSES = frozenset({ReportStatus.SUBMITTED, ReportStatus.RESUBMITTED, ReportStatus.APPROVED})
CARRIED_KINDS = frozenset({QuestionKind.CRITERION, QuestionKind.TEXT})
"""The questions whose answer a unit may carry over from its previous campaign."""
"""Handed in: the officer can no longer change it."""
APPRAISABLE = frozenset({ReportStatus.SUBMITTED, ReportStatus.RESUBMITTED})
"""Handed in and not yet appraised: a supervisor may approve or return it."""
RETURNABLE = APPRAISABLE | {ReportStatus.APPROVED}
"""What a supervisor may send back for revision: an approval too can be reopened."""
NOT_SUBMITTED = frozenset({ReportStatus.DRAFT, ReportStatus.RETURNED})
"""Still with the officer: reminders are for these (and for reports never opened)."""


@dataclass(frozen=True)
class Receipt:
    number: str
    at: datetime


def receipt_number(report_id: int, submission: int) -> str:
    """Stable and readable over the phone: the report, then which submission of it."""
    return f"BC-{report_id:06d}-{submission}"


@dataclass(frozen=True)
class Transition:
    """A report moving from `before` to `after`, with what the move records."""

    before: ReportStatus
    after: ReportStatus
    by: int | None = None
    receipt: Receipt | None = None  # a submission
    reopened: frozenset[str] | None = None  # a return: only these questions reopen
    comment: str | None = None


def submission(report_id: int, status: ReportStatus, submissions: int, by: int | None, now: datetime) -> Transition:
    """Handing in a draft, or a returned report again: numbered as its next submission."""
    after = {ReportStatus.DRAFT: ReportStatus.SUBMITTED, ReportStatus.RETURNED: ReportStatus.RESUBMITTED}.get(status)
    if after is None:
        raise ValueError(f"report {report_id} is {status}, not open for submission")
    return Transition(status, after, by, Receipt(receipt_number(report_id, submissions + 1), now))


def approval(report_id: int, status: ReportStatus, by: int) -> Transition:
    if status not in APPRAISABLE:
        raise ValueError(f"report {report_id} is {status}: only a submitted report can be approved")
    return Transition(status, ReportStatus.APPROVED, by)


def return_for_revision(
    report_id: int, status: ReportStatus, by: int, questions: Collection[str], comment: str
) -> Transition:
    if status not in RETURNABLE:
        raise ValueError(f"report {report_id} is {status}: only a submitted or approved report can be returned")
    return Transition(status, ReportStatus.RETURNED, by, reopened=frozenset(questions), comment=comment)


def needs_revision(
    reopened: Collection[str], returned_versions: Mapping[str, int], versions: Mapping[str, int]
) -> frozenset[str]:
    """The reopened questions not answered anew since the return: those whose newest answer
    version is no newer than the version it stood at when the report was returned (0: none).
    Versions follow the order of events; the times beside them come from whichever clock the
    officer's or the supervisor's process keeps, so comparing those would loop an officer
    between questions already revised."""
    return frozenset(q for q in reopened if versions.get(q, 0) <= returned_versions.get(q, 0))


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
