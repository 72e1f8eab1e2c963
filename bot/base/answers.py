"""Answer values as stored: small JSON-able dicts, one shape per question kind.

Kept as plain data so that storage can version them unchanged and a report can be exported
without the engine.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from bot.base.forms import CriterionStatus, Question, QuestionKind

__all__ = ["SKIPPED", "AnswerValue", "StoredFile", "criterion_status", "files_of", "is_answered", "is_skipped"]

AnswerValue = dict[str, Any]


@dataclass(frozen=True)
class StoredFile:
    """A photo or document an officer sent: our own copy on disk, and the reference the channel
    it came through knows it by (opaque to the core)."""

    kind: str  # "photo" | "document"
    ref: str
    size: int
    name: str | None = None
    mime_type: str | None = None
    path: str | None = None
    channel: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> StoredFile:
        """Reads answers saved before files were channel-neutral too ("file_id", "file_unique_id")."""
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        known.setdefault("ref", data.get("file_id", ""))
        return cls(**known)


SKIPPED: AnswerValue = {"skipped": True}


def is_skipped(value: AnswerValue | None) -> bool:
    return bool(value and value.get("skipped"))


def is_answered(question: Question, value: AnswerValue | None) -> bool:
    """Whether the value is a complete answer (a skip counts only for optional questions)."""
    if not value:
        return False
    if is_skipped(value):
        return not question.required
    if question.kind is QuestionKind.CRITERION:
        return "status" in value and "narrative" in value
    return True


def criterion_status(value: AnswerValue | None) -> CriterionStatus | None:
    if value and "status" in value:
        return CriterionStatus(value["status"])
    return None


def files_of(value: AnswerValue | None) -> list[StoredFile]:
    if not value:
        return []
    return [StoredFile.from_dict(f) for f in value.get("files", [])]
