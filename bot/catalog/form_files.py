"""The shape of each form file (criteria sets, outlines, the forms that compose them), as strict
pydantic models that also check the rules inside that file. People edit these files by hand, so
unknown keys are errors and every rule names the field to fix; each model turns itself into the
public types of bot.catalog.model and bot.base.forms."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Literal

from pydantic import Field, StringConstraints, model_validator

from bot.base.forms import CRITERION_PREFIX, LocalText, Option, Question, QuestionKind
from bot.catalog.field_limits import CODE_LENGTH
from bot.catalog.file_fields import FileModel, LocalTextShape, LocalTitleShape, Positive, Slug, Text, invalid, within
from bot.catalog.model import CRITERION_MAX_LENGTH, FORM_VERSION_STEP, CriteriaSet, Criterion, neutral_prompt

__all__ = ["CriteriaFile", "FormEntry", "FormsFile", "OutlineFile"]

_QuestionId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9.-]*$"), within(CODE_LENGTH)]


def _local(text: LocalTextShape | None) -> LocalText | None:
    return None if text is None else text.local()


class _CriterionText(FileModel):
    """Verified wording; it may be known in one language only (criterion 1 of the 34: English)."""

    vi: Text | None = None
    en: Text | None = None

    @model_validator(mode="after")
    def _has_some_text(self) -> _CriterionText:
        if self.vi is None and self.en is None:
            raise invalid("", "give the verified text in vi, en or both, or leave `text` out")
        return self


class _CriterionEntry(FileModel):
    number: int
    group: LocalTitleShape | None = None
    text: _CriterionText | None = None
    guidance: LocalTextShape | None = None


class CriteriaFile(FileModel):
    id: Slug
    version: Annotated[int, Field(ge=1, lt=FORM_VERSION_STEP)]
    title: LocalTitleShape
    citation: LocalTitleShape
    legal_basis: Annotated[list[Text], Field(min_length=1)]
    total: Positive
    criteria: list[_CriterionEntry]

    @model_validator(mode="after")
    def _numbers_are_one_to_total(self) -> CriteriaFile:
        first_seen: dict[int, int] = {}
        for index, entry in enumerate(self.criteria):
            path = f"criteria[{index}].number"
            if not 1 <= entry.number <= self.total:
                raise invalid(path, f"{entry.number} is outside 1..{self.total}")
            if entry.number in first_seen:
                raise invalid(path, f"criterion {entry.number} is already criteria[{first_seen[entry.number]}]")
            first_seen[entry.number] = index
        if len(self.criteria) != self.total:
            missing = ", ".join(str(n) for n in range(1, self.total + 1) if n not in first_seen)
            raise invalid("criteria", f"lists {len(self.criteria)} criteria, total is {self.total} (missing: {missing})")
        return self

    def to_set(self) -> CriteriaSet:
        citation = self.citation.local()
        criteria = tuple(
            Criterion(
                number=entry.number,
                group=_local(entry.group),
                text=_verified_text(entry.text, neutral_prompt(entry.number, citation)),
                guidance=_local(entry.guidance),
            )
            for entry in sorted(self.criteria, key=lambda entry: entry.number)
        )
        return CriteriaSet(self.id, self.version, self.title.local(), tuple(self.legal_basis), self.total, criteria, citation)


def _verified_text(text: _CriterionText | None, neutral: LocalText) -> LocalText | None:
    """A text known in English only keeps the neutral Vietnamese prompt, never a made-up one."""
    if text is None:
        return None
    return LocalText(vi=text.vi or neutral.vi, en=text.en)


class _Option(FileModel):
    code: Slug
    label: LocalTitleShape


# Fields only some question kinds take; any other kind setting them is an error.
_KIND_ONLY_FIELDS = {
    "options": {"choice"},
    "min_value": {"number"},
    "max_value": {"number"},
    "min_length": {"text"},
    "max_length": {"text"},
    "criteria_slot": {"text"},
    "criteria_section": {"text"},
    "max_files": {"attachment"},
    "within_campaign": {"date"},
}


class _OutlineQuestion(FileModel):
    id: _QuestionId
    kind: Literal["text", "number", "choice", "date", "attachment"]
    prompt: LocalTextShape
    guidance: LocalTextShape | None = None
    required: bool = True
    options: list[_Option] = Field(default_factory=list)
    min_value: int | None = None
    max_value: int | None = None
    min_length: Annotated[int, Field(ge=0)] = 0
    max_length: Positive = CRITERION_MAX_LENGTH
    max_files: Positive = 10
    criteria_slot: bool = False
    criteria_section: LocalTextShape | None = None
    within_campaign: bool = False
    document: LocalTextShape | None = None

    @model_validator(mode="after")
    def _fits_its_kind(self) -> _OutlineQuestion:
        for name in sorted(self.model_fields_set & _KIND_ONLY_FIELDS.keys()):
            if self.kind not in _KIND_ONLY_FIELDS[name]:
                raise invalid(name, f"only {'/'.join(sorted(_KIND_ONLY_FIELDS[name]))} questions take `{name}`")
        if self.kind == "choice":
            if len(self.options) < 2:
                raise invalid("options", "a choice needs at least 2 options")
            codes = [option.code for option in self.options]
            for index, code in enumerate(codes):
                if code in codes[:index]:
                    raise invalid(f"options[{index}].code", f"option code {code!r} is used twice")
        if self.kind == "number":
            if self.min_value is None or self.max_value is None:
                raise invalid("min_value" if self.min_value is None else "max_value", "a number needs both bounds")
            if self.min_value > self.max_value:
                raise invalid("min_value", f"{self.min_value} is above max_value {self.max_value}")
        if self.min_length > self.max_length:
            raise invalid("min_length", f"{self.min_length} is above max_length {self.max_length}")
        if self.criteria_slot != (self.criteria_section is not None):
            raise invalid("criteria_section", "the criteria slot needs `criteria_section`, and only it")
        return self

    def to_question(self, section: LocalText) -> Question:
        return Question(
            id=self.id,
            kind=QuestionKind(self.kind),
            prompt=self.prompt.local(),
            section=section,
            required=self.required,
            guidance=_local(self.guidance),
            options=tuple(Option(code=option.code, label=option.label.local()) for option in self.options),
            min_value=self.min_value,
            max_value=self.max_value,
            min_length=self.min_length,
            max_length=self.max_length,
            max_files=self.max_files,
            within_campaign=self.within_campaign,
            document=_local(self.document),
        )


class _Section(FileModel):
    title: LocalTitleShape
    questions: Annotated[list[_OutlineQuestion], Field(min_length=1)]


class OutlineFile(FileModel):
    id: Slug
    title: LocalTitleShape
    source: Text
    sections: Annotated[list[_Section], Field(min_length=1)]

    @model_validator(mode="after")
    def _ids_unique_and_one_slot(self) -> OutlineFile:
        seen: set[str] = set()
        slots = 0
        for path, question in self._questions_with_paths():
            if question.id.startswith(CRITERION_PREFIX):
                raise invalid(f"{path}.id", f"ids starting with {CRITERION_PREFIX!r} are kept for criteria")
            if question.id in seen:
                raise invalid(f"{path}.id", f"question id {question.id!r} is used twice")
            seen.add(question.id)
            slots += question.criteria_slot
            if slots > 1:
                raise invalid(f"{path}.criteria_slot", "an outline has at most one criteria slot")
        return self

    def _questions_with_paths(self) -> Iterator[tuple[str, _OutlineQuestion]]:
        for s, section in enumerate(self.sections):
            for q, question in enumerate(section.questions):
                yield f"sections[{s}].questions[{q}]", question

    @property
    def has_criteria_slot(self) -> bool:
        return any(question.criteria_slot for _, question in self._questions_with_paths())


class FormEntry(FileModel):
    id: Slug
    version: Positive
    title: LocalTitleShape
    outline: Slug
    criteria: Slug | None = None


class FormsFile(FileModel):
    forms: Annotated[list[FormEntry], Field(min_length=1)]

    @model_validator(mode="after")
    def _ids_unique(self) -> FormsFile:
        ids = [form.id for form in self.forms]
        for index, form_id in enumerate(ids):
            if form_id in ids[:index]:
                raise invalid(f"forms[{index}].id", f"form id {form_id!r} is used twice")
        return self
