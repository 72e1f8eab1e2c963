"""A report's life: its statuses, the moves between them, the receipt a submission gets, what a
return leaves to revise.

The rules live here, in the core; storage only records a move the core decided, and refuses it
when the report no longer stands where the core saw it (another turn moved it meanwhile).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

__all__ = [
    "APPRAISABLE",
    "LOCKED_STATUSES",
    "NOT_SUBMITTED",
    "RETURNABLE",
    "Receipt",
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
