"""Where a conversation stands, as data that storage keeps between updates.

Nothing about a conversation lives only in memory: this state and the half-given answer (the
draft) are committed with every update, so a restart resumes exactly here.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from enum import StrEnum
from typing import Any

from bot.i18n import DEFAULT_LOCALE
from bot.menu import Menu


class Mode(StrEnum):
    IDLE = "idle"
    ANSWERING = "answering"
    REVIEWING = "reviewing"
    CONFIRMING = "confirming"
    CHOOSING_REPORT = "choosing_report"
    RETURN_PICKING = "return_picking"
    RETURN_COMMENTING = "return_commenting"


class Stage(StrEnum):
    """Steps inside one question; a criterion walks status → eligible → narrative → evidence."""

    STATUS = "status"
    ELIGIBLE = "eligible"
    NARRATIVE = "narrative"
    EVIDENCE = "evidence"
    VALUE = "value"


@dataclass(frozen=True)
class Draft:
    """The part of the current question already given, before the whole answer is saved."""

    question_id: str
    status: str | None = None
    eligible: bool | None = None
    text_parts: tuple[str, ...] = ()
    files: tuple[dict[str, Any], ...] = ()

    @property
    def text(self) -> str:
        return "\n".join(self.text_parts)


@dataclass(frozen=True)
class ReturnDraft:
    """A supervisor's return for revision in the making: which report, which questions."""

    report_id: int
    unit_id: int
    selected: tuple[str, ...] = ()


@dataclass(frozen=True)
class ConversationState:
    mode: Mode = Mode.IDLE
    locale: str = DEFAULT_LOCALE
    report_id: int | None = None
    question_id: str | None = None
    stage: Stage | None = None
    draft: Draft | None = None
    step: int = 0
    review_page: int = 0
    return_to_review: bool = False
    report_choices: tuple[int, ...] = field(default=())
    return_draft: ReturnDraft | None = None
    menu: Menu | None = None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["mode"] = self.mode.value
        data["stage"] = self.stage.value if self.stage else None
        if self.draft:
            data["draft"]["text_parts"] = list(self.draft.text_parts)
            data["draft"]["files"] = list(self.draft.files)
        data["report_choices"] = list(self.report_choices)
        if self.return_draft:
            data["return_draft"]["selected"] = list(self.return_draft.selected)
        data["menu"] = self.menu.to_dict() if self.menu else None
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> ConversationState:
        if not data:
            return cls()
        draft = data.get("draft")
        returning = data.get("return_draft")
        return cls(
            mode=Mode(data.get("mode", Mode.IDLE)),
            locale=data.get("locale", DEFAULT_LOCALE),
            report_id=data.get("report_id"),
            question_id=data.get("question_id"),
            stage=Stage(data["stage"]) if data.get("stage") else None,
            draft=Draft(
                question_id=draft["question_id"],
                status=draft.get("status"),
                eligible=draft.get("eligible"),
                text_parts=tuple(draft.get("text_parts", ())),
                files=tuple(draft.get("files", ())),
            )
            if draft
            else None,
            step=data.get("step", 0),
            review_page=data.get("review_page", 0),
            return_to_review=data.get("return_to_review", False),
            report_choices=tuple(data.get("report_choices", ())),
            return_draft=ReturnDraft(
                returning["report_id"], returning["unit_id"], tuple(returning.get("selected", ()))
            )
            if returning
            else None,
            menu=Menu.from_dict(data["menu"]) if data.get("menu") else None,
        )

    def evolve(self, **changes: Any) -> ConversationState:
        return replace(self, **changes)
