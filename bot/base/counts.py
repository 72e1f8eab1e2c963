"""What a supervisor's status turns read, counted by storage over a scope (the subtrees of the
scope's roots) so that a turn at 10,000 units reads what it shows and no row per unit: the
enrolments grouped by all that /tinhhinh tells apart, one page of the units that have not handed
in, and one criterion's answers counted by what they say. Storage only groups what is stored;
what each group counts as (submitted, overdue, met) is decided in the core, by the same rules
that count a list of enrolments (bot/reporting/standing.py, bot/reporting/criteria_counts.py)."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from bot.base.answers import AnswerValue
from bot.base.deadline import unit_due
from bot.base.records import Enrolment
from bot.base.report_status import LOCKED_STATUSES, ReportStatus

__all__ = ["CriterionAnswers", "PendingPage", "Share", "StandingQueries"]


@dataclass(frozen=True)
class Share:
    """Enrolments alike in all that the status tells apart, counted together. `branch_id` is the
    child of a scope root the units lie below (None: the scope as a whole, where each unit counts
    once); `answered` is their answered questions summed, each unit's no more than its form has."""

    kind: str
    form_id: str
    branch_id: int | None
    status: ReportStatus | None
    answering: bool
    """Whether some question is answered."""
    extended_to: date | None
    linked: bool
    """Whether an officer with a chat reports for the unit."""
    units: int
    answered: int

    @property
    def handed_in(self) -> bool:
        return self.status in LOCKED_STATUSES

    def report_due(self, campaign_due: date | None) -> date | None:
        return unit_due(self.extended_to, campaign_due)


@dataclass(frozen=True)
class PendingPage:
    """How many enrolled units have not handed in, and one page of them: closest to done first
    (answered share of the form), then by name."""

    total: int
    rows: Sequence[Enrolment]


@dataclass(frozen=True)
class CriterionAnswers:
    """One question's current answers over the units enrolled on its form: each distinct answer
    as far as counting goes (None: not answered) with how many units gave it, and, of each, the
    first units by name (the unit and what it answered)."""

    counted: Sequence[tuple[AnswerValue | None, int]]
    named: Sequence[tuple[int, AnswerValue | None]]


class StandingQueries(Protocol):
    async def shares(self, campaign_code: str, roots: Collection[int], questions: Mapping[str, int]) -> Sequence[Share]:
        """The enrolments below `roots` grouped: once over the whole scope, once per branch
        (a unit that is itself a branch is not counted in its own); `questions` is each form's
        number of questions."""
        ...

    async def pending(
        self, campaign_code: str, roots: Collection[int], questions: Mapping[str, int], offset: int, limit: int
    ) -> PendingPage:
        """The units below `roots` that have not handed in: how many, and `limit` of them from
        `offset`."""
        ...

    async def criterion(self, campaign_code: str, roots: Collection[int], form_id: str, question_id: str, named: int) -> CriterionAnswers:
        """The current answers to `question_id` of the units below `roots` enrolled on `form_id`,
        counted, with the first `named` units of each distinct answer status."""
        ...
