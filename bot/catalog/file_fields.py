"""What every catalog file's shape is built of: the strict model, a broken rule worded for the
person who wrote the file, and the fields held to the limits every import keeps
(bot.catalog.field_limits). The files' own shapes are in bot.catalog.form_files and
bot.catalog.campaign_files."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints
from pydantic_core import PydanticCustomError

from bot.base.forms import LocalText
from bot.catalog.field_limits import CODE_LENGTH, TEXT_LENGTH, TITLE_LENGTH, field_problem

__all__ = ["FileModel", "Filled", "LocalTextShape", "LocalTitleShape", "Positive", "Slug", "Text", "invalid", "within"]


def invalid(path: str, message: str, **params: object) -> PydanticCustomError:
    """A rule violation inside a model; `path` is relative to the model that found it. With
    `params`, `message` is a msgid (N_) filled from them, read in the reader's language."""
    if params:
        return _translated(path, message, params)
    return PydanticCustomError("catalog", "{message}", {"message": message, "path": path, "msgid": message, "params": None})


def _translated(path: str, msgid: str, params: Mapping[str, object]) -> PydanticCustomError:
    """A rule violation worded by a msgid (N_), read in the reader's language."""
    return PydanticCustomError("catalog", "{message}", {"message": msgid.format(**params), "path": path, "msgid": msgid, "params": dict(params)})


class FileModel(BaseModel):
    """A catalog file, or a part of one: unknown keys are errors, nothing is coerced, and what
    was read stays as it was read."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


def within(limit: int, lines: bool = False) -> AfterValidator:
    """The limits every import keeps (bot.catalog.field_limits), as a field's check."""

    def check(text: str) -> str:
        problem = field_problem(text, limit, lines)
        if problem is not None:
            raise _translated("", problem.msgid, problem.params)
        return text

    return AfterValidator(check)


Filled = StringConstraints(strip_whitespace=True, min_length=1)
"""Something written: surrounding spaces taken off, and not empty."""
Text = Annotated[str, Filled, within(TEXT_LENGTH, lines=True)]
"""A text that may run over several lines (a criterion, a guidance, a legal basis)."""
_Title = Annotated[str, Filled, within(TITLE_LENGTH)]
Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]*$"), within(CODE_LENGTH)]
"""A code in lower case, as files name forms, outlines, criteria sets, kinds and options."""
Positive = Annotated[int, Field(ge=1)]


class LocalTextShape(FileModel):
    """A text in Vietnamese, and in English where the file gives it."""

    vi: Text
    en: Text | None = None

    def local(self) -> LocalText:
        return LocalText(vi=self.vi, en=self.en)


class LocalTitleShape(LocalTextShape):
    """A title, on one line: a report's subject, a sheet's or a button's label."""

    vi: _Title
    en: _Title | None = None
