"""What a report asks: forms, their questions, and the localized texts they carry.

A form is composed from data (an outline plus, for most reporters, a criteria set), so the
engine never knows which programme or year it serves. Everything here is immutable.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property

__all__ = ["CRITERION_PREFIX", "CriterionStatus", "Form", "LocalText", "Option", "Question", "QuestionKind", "number_bounds"]

CRITERION_PREFIX = "TC."
"""Criterion questions are TC.1, TC.2, … in every criteria set; no other question id starts so."""


@dataclass(frozen=True)
class LocalText:
    """A text in each supported locale; Vietnamese is mandatory, other locales fall back to it."""

    vi: str
    en: str | None = None

    def get(self, locale: str) -> str:
        if locale == "en" and self.en:
            return self.en
        return self.vi


class QuestionKind(StrEnum):
    CRITERION = "criterion"
    CHOICE = "choice"
    TEXT = "text"
    NUMBER = "number"
    DATE = "date"
    ATTACHMENT = "attachment"


class CriterionStatus(StrEnum):
    """The three verdicts the outline allows for a criterion."""

    MET = "dat"
    NOT_MET = "chua_dat"
    NOT_YET_DUE = "chua_den"


@dataclass(frozen=True)
class Option:
    code: str
    label: LocalText


@dataclass(frozen=True)
class Question:
    """One step of a report. `id` is stable across form versions; answers are keyed by it."""

    id: str
    kind: QuestionKind
    prompt: LocalText
    section: LocalText
    required: bool = True
    guidance: LocalText | None = None
    options: tuple[Option, ...] = ()
    min_value: int | None = None
    max_value: int | None = None
    min_length: int = 0
    max_length: int = 8000
    criterion_number: int | None = None
    criteria_total: int | None = None
    max_files: int = 10
    within_campaign: bool = False
    """A date that must fall between the campaign's opening and today (a review date)."""
    document: LocalText | None = None
    """How a document words the item where the prompt is a question for the chat: a statement's
    label ("Hình thức sơ kết") before the answer, or a text's heading."""

    def option(self, code: str) -> Option | None:
        return next((o for o in self.options if o.code == code), None)



def number_bounds(question: Question) -> tuple[int, int]:
    """A number question's range; unbounded ends default to 0 and a billion."""
    low = question.min_value if question.min_value is not None else 0
    high = question.max_value if question.max_value is not None else 10**9
    return low, high

@dataclass(frozen=True)
class Form:
    """The ordered questions one kind of reporter answers in one campaign."""

    id: str
    version: int
    title: LocalText
    questions: tuple[Question, ...]
    sources: tuple[str, ...] = ()
    _index: Mapping[str, int] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_index", {q.id: i for i, q in enumerate(self.questions)})

    def __iter__(self) -> Iterator[Question]:
        return iter(self.questions)

    def __len__(self) -> int:
        return len(self.questions)

    def question(self, question_id: str) -> Question:
        return self.questions[self._index[question_id]]

    def index_of(self, question_id: str) -> int:
        return self._index[question_id]

    def has(self, question_id: str) -> bool:
        return question_id in self._index

    @cached_property
    def criteria_count(self) -> int:
        """Counted once: a province's status and summary ask it of every one of 10,000 reports."""
        return sum(1 for q in self.questions if q.kind is QuestionKind.CRITERION)
