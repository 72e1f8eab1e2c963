"""The shape of each catalog file, as strict pydantic models that also check the rules inside
that file. People edit these files by hand, so unknown keys are errors and every rule names the
field to fix; each model turns itself into the public types of bot.catalog.model."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, model_validator
from pydantic_core import PydanticCustomError

from bot.base.codes import CAMPAIGN_CODE_PATTERN, UNIT_CODE_PATTERN
from bot.catalog.model import (
    CRITERION_MAX_LENGTH,
    DEMO_LABEL,
    FORM_VERSION_STEP,
    CampaignSpec,
    CriteriaSet,
    Criterion,
    EnrolRule,
    Milestone,
    neutral_prompt,
)
from bot.catalog.field_limits import CODE_LENGTH, NAME_LENGTH, TEXT_LENGTH, TITLE_LENGTH, field_problem
from bot.base.forms import CRITERION_PREFIX, LocalText, Option, Question, QuestionKind
from bot.base.i18n import N_
from bot.base.letterhead import Letterhead
from bot.base.deadline import REPORT_DUE, ReminderPlan

__all__ = ["CampaignFile", "CriteriaFile", "DemoFile", "FormEntry", "FormsFile", "OutlineFile", "UnitKindsFile"]


def _invalid(path: str, message: str, **params: object) -> PydanticCustomError:
    """A rule violation inside a model; `path` is relative to the model that found it. With
    `params`, `message` is a msgid (N_) filled from them, read in the reader's language."""
    if params:
        return _translated(path, message, params)
    return PydanticCustomError("catalog", "{message}", {"message": message, "path": path, "msgid": message, "params": None})


def _translated(path: str, msgid: str, params: Mapping[str, object]) -> PydanticCustomError:
    """A rule violation worded by a msgid (N_), read in the reader's language."""
    return PydanticCustomError("catalog", "{message}", {"message": msgid.format(**params), "path": path, "msgid": msgid, "params": dict(params)})


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


def _within(limit: int, lines: bool = False) -> AfterValidator:
    """The limits every import keeps (bot.catalog.field_limits), as a field's check."""

    def check(text: str) -> str:
        problem = field_problem(text, limit, lines)
        if problem is not None:
            raise _translated("", problem.msgid, problem.params)
        return text

    return AfterValidator(check)


_Filled = StringConstraints(strip_whitespace=True, min_length=1)
_Text = Annotated[str, _Filled, _within(TEXT_LENGTH, lines=True)]
_Title = Annotated[str, _Filled, _within(TITLE_LENGTH)]
_Name = Annotated[str, _Filled, _within(NAME_LENGTH)]
_Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]*$"), _within(CODE_LENGTH)]
_UnitCode = Annotated[str, StringConstraints(pattern=UNIT_CODE_PATTERN), _within(CODE_LENGTH)]
_QuestionId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9.-]*$"), _within(CODE_LENGTH)]
_Positive = Annotated[int, Field(ge=1)]


class _LocalText(_Model):
    vi: _Text
    en: _Text | None = None

    def local(self) -> LocalText:
        return LocalText(vi=self.vi, en=self.en)


class _LocalTitle(_LocalText):
    """A title, on one line: a report's subject, a sheet's or a button's label."""

    vi: _Title
    en: _Title | None = None


def _local(text: _LocalText | None) -> LocalText | None:
    return None if text is None else text.local()


class _CriterionText(_Model):
    """Verified wording; it may be known in one language only (criterion 1 of the 34: English)."""

    vi: _Text | None = None
    en: _Text | None = None

    @model_validator(mode="after")
    def _has_some_text(self) -> _CriterionText:
        if self.vi is None and self.en is None:
            raise _invalid("", "give the verified text in vi, en or both, or leave `text` out")
        return self


class _CriterionEntry(_Model):
    number: int
    group: _LocalTitle | None = None
    text: _CriterionText | None = None
    guidance: _LocalText | None = None


class CriteriaFile(_Model):
    id: _Slug
    version: Annotated[int, Field(ge=1, lt=FORM_VERSION_STEP)]
    title: _LocalTitle
    citation: _LocalTitle
    legal_basis: Annotated[list[_Text], Field(min_length=1)]
    total: _Positive
    criteria: list[_CriterionEntry]

    @model_validator(mode="after")
    def _numbers_are_one_to_total(self) -> CriteriaFile:
        first_seen: dict[int, int] = {}
        for index, entry in enumerate(self.criteria):
            path = f"criteria[{index}].number"
            if not 1 <= entry.number <= self.total:
                raise _invalid(path, f"{entry.number} is outside 1..{self.total}")
            if entry.number in first_seen:
                raise _invalid(path, f"criterion {entry.number} is already criteria[{first_seen[entry.number]}]")
            first_seen[entry.number] = index
        if len(self.criteria) != self.total:
            missing = ", ".join(str(n) for n in range(1, self.total + 1) if n not in first_seen)
            raise _invalid("criteria", f"lists {len(self.criteria)} criteria, total is {self.total} (missing: {missing})")
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


class _Option(_Model):
    code: _Slug
    label: _LocalTitle


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


class _OutlineQuestion(_Model):
    id: _QuestionId
    kind: Literal["text", "number", "choice", "date", "attachment"]
    prompt: _LocalText
    guidance: _LocalText | None = None
    required: bool = True
    options: list[_Option] = []
    min_value: int | None = None
    max_value: int | None = None
    min_length: Annotated[int, Field(ge=0)] = 0
    max_length: _Positive = CRITERION_MAX_LENGTH
    max_files: _Positive = 10
    criteria_slot: bool = False
    criteria_section: _LocalText | None = None
    within_campaign: bool = False
    document: _LocalText | None = None

    @model_validator(mode="after")
    def _fits_its_kind(self) -> _OutlineQuestion:
        for name in sorted(self.model_fields_set & _KIND_ONLY_FIELDS.keys()):
            if self.kind not in _KIND_ONLY_FIELDS[name]:
                raise _invalid(name, f"only {'/'.join(sorted(_KIND_ONLY_FIELDS[name]))} questions take `{name}`")
        if self.kind == "choice":
            if len(self.options) < 2:
                raise _invalid("options", "a choice needs at least 2 options")
            codes = [option.code for option in self.options]
            for index, code in enumerate(codes):
                if code in codes[:index]:
                    raise _invalid(f"options[{index}].code", f"option code {code!r} is used twice")
        if self.kind == "number":
            if self.min_value is None or self.max_value is None:
                raise _invalid("min_value" if self.min_value is None else "max_value", "a number needs both bounds")
            if self.min_value > self.max_value:
                raise _invalid("min_value", f"{self.min_value} is above max_value {self.max_value}")
        if self.min_length > self.max_length:
            raise _invalid("min_length", f"{self.min_length} is above max_length {self.max_length}")
        if self.criteria_slot != (self.criteria_section is not None):
            raise _invalid("criteria_section", "the criteria slot needs `criteria_section`, and only it")
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


class _Section(_Model):
    title: _LocalTitle
    questions: Annotated[list[_OutlineQuestion], Field(min_length=1)]


class OutlineFile(_Model):
    id: _Slug
    title: _LocalTitle
    source: _Text
    sections: Annotated[list[_Section], Field(min_length=1)]

    @model_validator(mode="after")
    def _ids_unique_and_one_slot(self) -> OutlineFile:
        seen: set[str] = set()
        slots = 0
        for path, question in self._questions_with_paths():
            if question.id.startswith(CRITERION_PREFIX):
                raise _invalid(f"{path}.id", f"ids starting with {CRITERION_PREFIX!r} are kept for criteria")
            if question.id in seen:
                raise _invalid(f"{path}.id", f"question id {question.id!r} is used twice")
            seen.add(question.id)
            slots += question.criteria_slot
            if slots > 1:
                raise _invalid(f"{path}.criteria_slot", "an outline has at most one criteria slot")
        return self

    def _questions_with_paths(self) -> Iterator[tuple[str, _OutlineQuestion]]:
        for s, section in enumerate(self.sections):
            for q, question in enumerate(section.questions):
                yield f"sections[{s}].questions[{q}]", question

    @property
    def has_criteria_slot(self) -> bool:
        return any(question.criteria_slot for _, question in self._questions_with_paths())


class FormEntry(_Model):
    id: _Slug
    version: _Positive
    title: _LocalTitle
    outline: _Slug
    criteria: _Slug | None = None


class FormsFile(_Model):
    forms: Annotated[list[FormEntry], Field(min_length=1)]

    @model_validator(mode="after")
    def _ids_unique(self) -> FormsFile:
        ids = [form.id for form in self.forms]
        for index, form_id in enumerate(ids):
            if form_id in ids[:index]:
                raise _invalid(f"forms[{index}].id", f"form id {form_id!r} is used twice")
        return self


class _Milestone(_Model):
    kind: Literal["report_due", "appraisal_due", "conference"]
    due: dt.date
    title: _LocalTitle


class _Reminders(_Model):
    days_before: Annotated[list[Annotated[int, Field(ge=0, le=366)]], Field(min_length=1)]
    # A quoted "HH:MM": unquoted, YAML 1.1 reads 8:00 as the number 480.
    at: Annotated[str, StringConstraints(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")]
    overdue_notice: bool

    @model_validator(mode="after")
    def _days_unique(self) -> _Reminders:
        for index, days in enumerate(self.days_before):
            if days in self.days_before[:index]:
                raise _invalid(f"days_before[{index}]", N_("{days} is listed twice"), days=days)
        return self


class _EnrolRule(_Model):
    unit_kind: _Slug
    form: _Slug
    units: Annotated[list[_UnitCode], Field(min_length=1)] | None = None


class _Letterhead(_Model):
    """How a kind of unit, a unit or a campaign's summary is issued and signed (bot.base.letterhead)."""

    managing_body: Annotated[str, _within(NAME_LENGTH)] | None = None  # "" for none
    issuing_body: _Name | None = None
    abbreviation: Annotated[str, _Filled, _within(CODE_LENGTH)] | None = None
    signer_authority: _Name | None = None
    signer_title: _Name | None = None
    signer_name: _Name | None = None
    reports_to: _Name | None = None
    copies_to: list[_Name] | None = None

    def letterhead(self) -> Letterhead:
        said = {name: getattr(self, name) for name in _Letterhead.model_fields}
        return Letterhead(**said | {"copies_to": tuple(self.copies_to) if self.copies_to is not None else None})


class CampaignFile(_Model):
    code: Annotated[str, StringConstraints(pattern=CAMPAIGN_CODE_PATTERN)]
    title: _LocalTitle
    basis: _Text
    opens: dt.date
    milestones: Annotated[list[_Milestone], Field(min_length=1)]
    reminders: _Reminders
    enrol: Annotated[list[_EnrolRule], Field(min_length=1)]
    closes: dt.date | None = None
    issuer: _Letterhead | None = None

    @model_validator(mode="after")
    def _calendar_and_rules_make_sense(self) -> CampaignFile:
        if not any(m.kind == REPORT_DUE for m in self.milestones):
            raise _invalid("milestones", N_("needs a {kind} milestone"), kind=REPORT_DUE)
        if self.closes is not None:
            report_due = next(m.due for m in self.milestones if m.kind == REPORT_DUE)
            if self.closes < report_due:
                raise _invalid("closes", N_("{closes} is before the report deadline ({due})"), closes=self.closes, due=report_due)
        kinds = [m.kind for m in self.milestones]
        for index, milestone in enumerate(self.milestones):
            if milestone.kind in kinds[:index]:
                raise _invalid(f"milestones[{index}].kind", N_("a campaign has at most one {kind} milestone"), kind=milestone.kind)
            if milestone.due < self.opens:
                raise _invalid(f"milestones[{index}].due", N_("{due} is before the campaign opens ({opens})"), due=milestone.due, opens=self.opens)
        catch_all: dict[str, int] = {}
        for index, rule in enumerate(self.enrol):
            if rule.unit_kind in catch_all:
                raise _invalid(
                    f"enrol[{index}]",
                    N_("never applies: enrolment rule {earlier} already takes every unit of kind “{kind}”"),
                    earlier=catch_all[rule.unit_kind] + 1, kind=rule.unit_kind,
                )
            if rule.units is None:
                catch_all[rule.unit_kind] = index
        return self

    def to_spec(self) -> CampaignSpec:
        return CampaignSpec(
            code=self.code,
            title=self.title.local(),
            basis=self.basis,
            opens=self.opens,
            milestones=tuple(
                sorted((Milestone(m.kind, m.due, m.title.local()) for m in self.milestones), key=lambda m: m.due)
            ),
            reminders=ReminderPlan(
                days_before=tuple(sorted(self.reminders.days_before, reverse=True)),
                at=dt.time.fromisoformat(self.reminders.at),
                overdue_notice=self.reminders.overdue_notice,
            ),
            enrol=tuple(EnrolRule(rule.unit_kind, rule.form, frozenset(rule.units or ())) for rule in self.enrol),
            closes=self.closes,
            issuer=self.issuer.letterhead() if self.issuer else None,
        )


class _Unit(_Letterhead):
    code: _UnitCode
    name: _Name
    kind: _Slug
    parent: _UnitCode | None = None
    demo: bool = False


class _Generate(_Model):
    """Units the documents only count: numbered names from templates, always demo data."""

    kind: _Slug
    code: _Name
    name: _Name
    spread: Annotated[dict[_UnitCode, _Positive], Field(min_length=1)]

    @model_validator(mode="after")
    def _templates_number_and_label(self) -> _Generate:
        for name in ("code", "name"):
            if "{n" not in getattr(self, name):
                raise _invalid(name, "the template must contain {n} (e.g. {n:02})")
        if DEMO_LABEL not in self.name:
            raise _invalid("name", f"generated names must say they are demo data: include {DEMO_LABEL!r}")
        return self


class _UnitKind(_LocalTitle, _Letterhead):
    """A kind's name, and how a unit of it issues its documents."""


class UnitKindsFile(_Model):
    kinds: Annotated[dict[_Slug, _UnitKind], Field(min_length=1)]


class DemoFile(_Model):
    units: Annotated[list[_Unit], Field(min_length=1)]
    generate: list[_Generate] = []
