"""Where a conversation stands, as data that storage keeps between updates.

Nothing about a conversation lives only in memory: this state and the half-given answer (the
draft) are committed with every update, so a restart resumes exactly here. Each actor has a
slice of its own (the officer filling a report, the supervisor appraising one), so a person who
holds both roles can do one without disturbing the other; the language, the step counter and
the menu of the newest buttons are the conversation's, shared.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from enum import StrEnum
from typing import Any

from bot.base.i18n import DEFAULT_LOCALE
from bot.base.menu import Menu

__all__ = ["ConversationState", "Draft", "Mode", "Reporting", "ReturnDraft", "Stage", "Supervising"]


class Mode(StrEnum):
    """Where the officer is: the engine's modes."""

    IDLE = "idle"
    ANSWERING = "answering"
    REVIEWING = "reviewing"
    CONFIRMING = "confirming"
    CHOOSING_REPORT = "choosing_report"


class Stage(StrEnum):
    """Steps inside one question; a criterion walks status → (eligible) → narrative, the files
    that prove it sent with the narrative or right after it."""

    STATUS = "status"
    ELIGIBLE = "eligible"
    NARRATIVE = "narrative"
    VALUE = "value"
    CARRY = "carry"  # last campaign's answer offered: keep it, or change it


LEGACY_STAGES = {"evidence": Stage.NARRATIVE}
"""Stages kept by earlier versions, and where such a conversation resumes."""


@dataclass(frozen=True)
class Draft:
    """The part of the current question already given, before the whole answer is saved.
    `appending`: the text given is added after the text saved before, not put in its place."""

    question_id: str
    status: str | None = None
    eligible: bool | None = None
    text_parts: tuple[str, ...] = ()
    files: tuple[dict[str, Any], ...] = ()
    appending: bool = False

    @property
    def text(self) -> str:
        return "\n".join(self.text_parts)

    def to_dict(self) -> dict[str, Any]:
        return {
            "question_id": self.question_id, "status": self.status, "eligible": self.eligible,
            "text_parts": list(self.text_parts), "files": list(self.files), "appending": self.appending,
        }  # fmt: skip

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Draft:
        return cls(
            question_id=data["question_id"],
            status=data.get("status"),
            eligible=data.get("eligible"),
            text_parts=tuple(data.get("text_parts", ())),
            files=tuple(data.get("files", ())),
            appending=bool(data.get("appending", False)),
        )


@dataclass(frozen=True)
class Reporting:
    """The officer's slice: which report, which question, what is half-given."""

    mode: Mode = Mode.IDLE
    report_id: int | None = None
    question_id: str | None = None
    stage: Stage | None = None
    draft: Draft | None = None
    review_page: int = 0
    return_to_review: bool = False
    report_choices: tuple[int, ...] = field(default=())
    last_saved: str | None = None
    """The question the previous input saved: a file sent right after its text belongs to it."""
    without_previous: int | None = None
    """A report known to have no earlier report to carry answers over from (not looked for again)."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "mode": self.mode.value, "report_id": self.report_id, "question_id": self.question_id,
            "stage": self.stage.value if self.stage else None, "draft": self.draft.to_dict() if self.draft else None,
            "review_page": self.review_page, "return_to_review": self.return_to_review,
            "report_choices": list(self.report_choices), "last_saved": self.last_saved,
            "without_previous": self.without_previous,
        }  # fmt: skip

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Reporting:
        mode = data.get("mode", Mode.IDLE)
        return cls(
            mode=Mode(mode) if mode in Mode.__members__.values() else Mode.IDLE,
            report_id=data.get("report_id"),
            question_id=data.get("question_id"),
            stage=LEGACY_STAGES.get(data["stage"]) or Stage(data["stage"]) if data.get("stage") else None,
            draft=Draft.from_dict(data["draft"]) if data.get("draft") else None,
            review_page=data.get("review_page", 0),
            return_to_review=data.get("return_to_review", False),
            report_choices=tuple(data.get("report_choices", ())),
            last_saved=data.get("last_saved"),
            without_previous=data.get("without_previous"),
        )


@dataclass(frozen=True)
class ReturnDraft:
    """A supervisor's return for revision in the making: which report, which questions, and
    whether the comment is awaited."""

    report_id: int
    unit_id: int
    selected: tuple[str, ...] = ()
    commenting: bool = False


@dataclass(frozen=True)
class Supervising:
    """The supervisor's slice: a return for revision in the making, if any."""

    return_draft: ReturnDraft | None = None

    def to_dict(self) -> dict[str, Any]:
        draft = self.return_draft
        if draft is None:
            return {}
        return {"return_draft": {
            "report_id": draft.report_id, "unit_id": draft.unit_id,
            "selected": list(draft.selected), "commenting": draft.commenting,
        }}  # fmt: skip

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Supervising:
        draft = data.get("return_draft")
        if not draft:
            return cls()
        return cls(ReturnDraft(draft["report_id"], draft["unit_id"], tuple(draft.get("selected", ())), bool(draft.get("commenting"))))


REPORTING_FIELDS = frozenset(f.name for f in fields(Reporting))


@dataclass(frozen=True)
class ConversationState:
    locale: str = DEFAULT_LOCALE
    step: int = 0
    menu: Menu | None = None
    reporting: Reporting = field(default_factory=Reporting)
    supervising: Supervising = field(default_factory=Supervising)
    wrong_codes: tuple[str, ...] = ()
    """When (ISO instants) this chat last sent codes that opened nothing: guessing is slowed down."""

    def to_dict(self) -> dict[str, Any]:
        """The officer's slice at the top (as states were kept before slices), the rest named."""
        return {
            "locale": self.locale, "step": self.step, "menu": self.menu.to_dict() if self.menu else None,
            **self.reporting.to_dict(), "supervising": self.supervising.to_dict(), "wrong_codes": list(self.wrong_codes),
        }  # fmt: skip

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> ConversationState:
        if not data:
            return cls()
        supervising = data.get("supervising")
        if supervising is None and data.get("return_draft"):  # kept before the slices
            legacy = dict(data["return_draft"], commenting=data.get("mode") == "return_commenting")
            supervising = {"return_draft": legacy}
        return cls(
            locale=data.get("locale", DEFAULT_LOCALE),
            step=data.get("step", 0),
            menu=Menu.from_dict(data["menu"]) if data.get("menu") else None,
            reporting=Reporting.from_dict(data),
            supervising=Supervising.from_dict(supervising or {}),
            wrong_codes=tuple(data.get("wrong_codes", ())),
        )

    def evolve(self, **changes: Any) -> ConversationState:
        """A copy with `changes`: the officer's fields go to their slice, the others stay here."""
        reporting = {k: v for k, v in changes.items() if k in REPORTING_FIELDS}
        shared = {k: v for k, v in changes.items() if k not in REPORTING_FIELDS}
        if reporting:
            shared["reporting"] = replace(self.reporting, **reporting)
        return replace(self, **shared)
