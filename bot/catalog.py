"""The catalogs: criteria sets, report outlines, forms, campaigns and the demo organisation.

They are YAML data under bot/catalogs so that a province can add a campaign or load its official
criterion texts without a code change. People edit these files by hand, so loading is strict
(unknown keys, duplicate keys, bad references are all errors) and every defect raises a
CatalogError that names the file and the field to fix.

Each file shape is a pydantic model that also checks the rules inside that file; the loader
checks references between files (forms → outlines and criteria sets, campaigns → forms) and
between demo units. The public results are plain frozen dataclasses.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Annotated, Any, Literal, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, model_validator
from pydantic_core import PydanticCustomError

from bot.forms import Form, LocalText, Option, Question, QuestionKind

CATALOGS_DIR = Path(__file__).parent / "catalogs"

# A composed form's version is form.version * FORM_VERSION_STEP + criteria set version, so a new
# set version (e.g. imported official texts) always yields a new form version.
FORM_VERSION_STEP = 1000
CRITERION_ID_PREFIX = "TC."
CRITERION_MAX_LENGTH = 8000
DEMO_LABEL = "(dữ liệu demo)"
UNIT_CODE_PATTERN = r"^[A-Z0-9][A-Z0-9-]*$"


class CatalogError(ValueError):
    """A catalog is malformed. Names the file (relative to the catalogs dir) and the field."""

    def __init__(self, file: str, field: str, message: str) -> None:
        self.file = file
        self.field = field
        self.message = message
        super().__init__(f"{file}: {field}: {message}" if field else f"{file}: {message}")


# --- Public results ------------------------------------------------------------------------------


def neutral_prompt(number: int, citation: LocalText) -> LocalText:
    """The prompt for a criterion whose official wording is not verified: number and source only."""
    return LocalText(
        vi=f"Tiêu chí {number} (theo {citation.vi})",
        en=f"Criterion {number} (under {citation.en or citation.vi})",
    )


@dataclass(frozen=True)
class Criterion:
    """One criterion. `text` is set only where the wording is verified (or imported)."""

    number: int
    group: LocalText | None = None
    text: LocalText | None = None
    guidance: LocalText | None = None


@dataclass(frozen=True)
class CriteriaSet:
    """A numbered criteria set; `criteria` is ordered by number and holds exactly 1..total.

    `citation` is the short source name the neutral prompts cite ("Quyết định 9745/QĐ-BCA-V05").
    """

    id: str
    version: int
    title: LocalText
    legal_basis: tuple[str, ...]
    total: int
    criteria: tuple[Criterion, ...]
    citation: LocalText

    def criterion(self, number: int) -> Criterion:
        if not 1 <= number <= self.total:
            raise KeyError(f"{self.id} has no criterion {number}")
        return self.criteria[number - 1]

    def prompt(self, number: int) -> LocalText:
        """The verified text if there is one, otherwise the neutral prompt: never invented wording."""
        return self.criterion(number).text or neutral_prompt(number, self.citation)


@dataclass(frozen=True)
class Milestone:
    kind: str  # report_due | appraisal_due | conference
    due: dt.date
    title: LocalText


@dataclass(frozen=True)
class ReminderPlan:
    """When to remind units before the report deadline (days before it, local time of day)."""

    days_before: tuple[int, ...]
    at: dt.time
    overdue_notice: bool


@dataclass(frozen=True)
class EnrolRule:
    """Units of `unit_kind` (only those in `unit_codes`, if any are given) report on `form_id`."""

    unit_kind: str
    form_id: str
    unit_codes: frozenset[str] = frozenset()

    def matches(self, unit_kind: str, unit_code: str) -> bool:
        return unit_kind == self.unit_kind and (not self.unit_codes or unit_code in self.unit_codes)


@dataclass(frozen=True)
class CampaignSpec:
    """One review campaign as data: its calendar, reminders and who reports on which form."""

    code: str
    title: LocalText
    basis: str
    opens: dt.date
    milestones: tuple[Milestone, ...]
    reminders: ReminderPlan
    enrol: tuple[EnrolRule, ...]

    def form_for(self, unit_kind: str, unit_code: str) -> str | None:
        """The form of the first matching enrolment rule; None if the unit does not report."""
        return next((rule.form_id for rule in self.enrol if rule.matches(unit_kind, unit_code)), None)

    @property
    def report_due(self) -> Milestone:
        return next(m for m in self.milestones if m.kind == "report_due")


@dataclass(frozen=True)
class UnitSpec:
    code: str
    name: str
    kind: str
    parent_code: str | None
    demo: bool


@dataclass(frozen=True)
class Catalog:
    """Every composed form, criteria set and campaign; `criteria_set_ids` maps form id → set id."""

    forms: Mapping[str, Form]
    criteria_sets: Mapping[str, CriteriaSet]
    campaigns: Mapping[str, CampaignSpec]
    criteria_set_ids: Mapping[str, str]
    unit_kinds: Mapping[str, LocalText] = field(default_factory=dict)

    def kind_label(self, kind: str) -> LocalText:
        return self.unit_kinds.get(kind) or LocalText(kind)

    def form(self, form_id: str) -> Form:
        try:
            return self.forms[form_id]
        except KeyError:
            raise KeyError(f"unknown form {form_id!r}") from None

    def criteria_set_of(self, form_id: str) -> CriteriaSet | None:
        self.form(form_id)
        set_id = self.criteria_set_ids.get(form_id)
        return None if set_id is None else self.criteria_sets[set_id]


# --- File shapes -------------------------------------------------------------------------------


def _invalid(path: str, message: str) -> PydanticCustomError:
    """A rule violation inside a model; `path` is relative to the model that found it."""
    return PydanticCustomError("catalog", "{message}", {"message": message, "path": path})


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


_Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
_Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]*$")]
_UnitCode = Annotated[str, StringConstraints(pattern=UNIT_CODE_PATTERN)]
_QuestionId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9.-]*$")]
_Positive = Annotated[int, Field(ge=1)]


class _LocalText(_Model):
    vi: _Text
    en: _Text | None = None

    def local(self) -> LocalText:
        return LocalText(vi=self.vi, en=self.en)


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
    group: _LocalText | None = None
    text: _CriterionText | None = None
    guidance: _LocalText | None = None


class _CriteriaFile(_Model):
    id: _Slug
    version: Annotated[int, Field(ge=1, lt=FORM_VERSION_STEP)]
    title: _LocalText
    citation: _LocalText
    legal_basis: Annotated[list[_Text], Field(min_length=1)]
    total: _Positive
    criteria: list[_CriterionEntry]

    @model_validator(mode="after")
    def _numbers_are_one_to_total(self) -> _CriteriaFile:
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
    label: _LocalText


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
        )


class _Section(_Model):
    title: _LocalText
    questions: Annotated[list[_OutlineQuestion], Field(min_length=1)]


class _OutlineFile(_Model):
    id: _Slug
    title: _LocalText
    source: _Text
    sections: Annotated[list[_Section], Field(min_length=1)]

    @model_validator(mode="after")
    def _ids_unique_and_one_slot(self) -> _OutlineFile:
        seen: set[str] = set()
        slots = 0
        for path, question in self._questions_with_paths():
            if question.id.startswith(CRITERION_ID_PREFIX):
                raise _invalid(f"{path}.id", f"ids starting with {CRITERION_ID_PREFIX!r} are kept for criteria")
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


class _FormEntry(_Model):
    id: _Slug
    version: _Positive
    title: _LocalText
    outline: _Slug
    criteria: _Slug | None = None


class _FormsFile(_Model):
    forms: Annotated[list[_FormEntry], Field(min_length=1)]

    @model_validator(mode="after")
    def _ids_unique(self) -> _FormsFile:
        ids = [form.id for form in self.forms]
        for index, form_id in enumerate(ids):
            if form_id in ids[:index]:
                raise _invalid(f"forms[{index}].id", f"form id {form_id!r} is used twice")
        return self


class _Milestone(_Model):
    kind: Literal["report_due", "appraisal_due", "conference"]
    due: dt.date
    title: _LocalText


class _Reminders(_Model):
    days_before: Annotated[list[Annotated[int, Field(ge=0, le=366)]], Field(min_length=1)]
    # A quoted "HH:MM": unquoted, YAML 1.1 reads 8:00 as the number 480.
    at: Annotated[str, StringConstraints(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")]
    overdue_notice: bool

    @model_validator(mode="after")
    def _days_unique(self) -> _Reminders:
        for index, days in enumerate(self.days_before):
            if days in self.days_before[:index]:
                raise _invalid(f"days_before[{index}]", f"{days} is listed twice")
        return self


class _EnrolRule(_Model):
    unit_kind: _Slug
    form: _Slug
    units: Annotated[list[_UnitCode], Field(min_length=1)] | None = None


class _CampaignFile(_Model):
    code: _Slug
    title: _LocalText
    basis: _Text
    opens: dt.date
    milestones: Annotated[list[_Milestone], Field(min_length=1)]
    reminders: _Reminders
    enrol: Annotated[list[_EnrolRule], Field(min_length=1)]

    @model_validator(mode="after")
    def _calendar_and_rules_make_sense(self) -> _CampaignFile:
        if not any(m.kind == "report_due" for m in self.milestones):
            raise _invalid("milestones", "needs a report_due milestone")
        kinds = [m.kind for m in self.milestones]
        for index, milestone in enumerate(self.milestones):
            if milestone.kind in kinds[:index]:
                raise _invalid(f"milestones[{index}].kind", f"a campaign has at most one {milestone.kind} milestone")
            if milestone.due < self.opens:
                raise _invalid(f"milestones[{index}].due", f"{milestone.due} is before the campaign opens ({self.opens})")
        catch_all: dict[str, int] = {}
        for index, rule in enumerate(self.enrol):
            if rule.unit_kind in catch_all:
                raise _invalid(
                    f"enrol[{index}]",
                    f"never applies: enrol[{catch_all[rule.unit_kind]}] already takes every {rule.unit_kind!r} unit",
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
        )


class _Unit(_Model):
    code: _UnitCode
    name: _Text
    kind: _Slug
    parent: _UnitCode | None = None
    demo: bool = False


class _Generate(_Model):
    """Units the documents only count: numbered names from templates, always demo data."""

    kind: _Slug
    code: _Text
    name: _Text
    spread: Annotated[dict[_UnitCode, _Positive], Field(min_length=1)]

    @model_validator(mode="after")
    def _templates_number_and_label(self) -> _Generate:
        for name in ("code", "name"):
            if "{n" not in getattr(self, name):
                raise _invalid(name, "the template must contain {n} (e.g. {n:02})")
        if DEMO_LABEL not in self.name:
            raise _invalid("name", f"generated names must say they are demo data: include {DEMO_LABEL!r}")
        return self


class _UnitKindsFile(_Model):
    kinds: Annotated[dict[str, _LocalText], Field(min_length=1)]


class _DemoFile(_Model):
    units: Annotated[list[_Unit], Field(min_length=1)]
    generate: list[_Generate] = []


# --- Reading -----------------------------------------------------------------------------------


class _UniqueKeyLoader(yaml.SafeLoader):
    """PyYAML lets a repeated key silently overwrite the first; in hand-edited data that is a bug."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


_M = TypeVar("_M", bound=BaseModel)


def _label(path: Path, root: Path) -> str:
    """How errors name a file: relative to the catalogs dir when it is inside it."""
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)


def _read(model: type[_M], path: Path, root: Path) -> tuple[_M, str]:
    label = _label(path, root)
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_UniqueKeyLoader)
    except FileNotFoundError:
        raise CatalogError(label, "", "file not found") from None
    except UnicodeDecodeError as exc:
        raise CatalogError(label, "", f"not UTF-8 text: {exc}") from None
    except yaml.MarkedYAMLError as exc:
        where = f"line {exc.problem_mark.line + 1}" if exc.problem_mark else ""
        raise CatalogError(label, where, f"not valid YAML: {exc.problem}") from None
    try:
        return model.model_validate(data), label
    except ValidationError as exc:
        raise _catalog_error(label, exc) from None


def _catalog_error(label: str, exc: ValidationError) -> CatalogError:
    # A misspelt key also makes the real key "missing"; the unknown key is the one to point at.
    error = min(exc.errors(), key=lambda e: e["type"] != "extra_forbidden")
    parts = [_format_loc(error["loc"]), str((error.get("ctx") or {}).get("path", ""))]
    field = ".".join(part for part in parts if part)
    message = "unknown key" if error["type"] == "extra_forbidden" else error["msg"]
    if exc.error_count() > 1:
        message += f" (and {exc.error_count() - 1} more)"
    return CatalogError(label, field, message)


def _format_loc(loc: tuple[int | str, ...]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _yaml_files(directory: Path) -> list[Path]:
    return sorted(directory.glob("*.yaml"))


# --- Loading -----------------------------------------------------------------------------------


def load_catalog(root: Path | None = None, overrides: Mapping[str, CriteriaSet] | None = None) -> Catalog:
    """Load and cross-check every catalog under `root` and compose the forms.

    `overrides` replaces shipped criteria sets by id (a province's imported official texts); each
    must keep the id and total and carry a higher version, so the composed form version changes.
    """
    root = root or CATALOGS_DIR
    criteria_sets = _load_criteria_sets(root)
    for set_id, override in (overrides or {}).items():
        criteria_sets[set_id] = _checked_override(set_id, override, criteria_sets.get(set_id))

    outlines: dict[str, _OutlineFile] = {}
    for path in _yaml_files(root / "outlines"):
        outline, label = _read(_OutlineFile, path, root)
        if outline.id in outlines:
            raise CatalogError(label, "id", f"outline id {outline.id!r} is used by another file")
        outlines[outline.id] = outline

    forms_file, label = _read(_FormsFile, root / "forms.yaml", root)
    forms: dict[str, Form] = {}
    criteria_set_ids: dict[str, str] = {}
    for index, entry in enumerate(forms_file.forms):
        outline = outlines.get(entry.outline)
        if outline is None:
            raise CatalogError(label, f"forms[{index}].outline", f"no outline {entry.outline!r} in outlines/")
        criteria_set = None
        if entry.criteria is not None:
            criteria_set = criteria_sets.get(entry.criteria)
            if criteria_set is None:
                raise CatalogError(label, f"forms[{index}].criteria", f"no criteria set {entry.criteria!r} in criteria/")
            if not outline.has_criteria_slot:
                raise CatalogError(label, f"forms[{index}].criteria", f"outline {outline.id!r} has no criteria slot")
            criteria_set_ids[entry.id] = criteria_set.id
        forms[entry.id] = _compose(entry, outline, criteria_set)

    kinds_file, kinds_label = _read(_UnitKindsFile, root / "unit-kinds.yaml", root)
    unit_kinds = {code: text.local() for code, text in kinds_file.kinds.items()}
    campaigns: dict[str, CampaignSpec] = {}
    for path in _yaml_files(root / "campaigns"):
        campaign = _load_campaign(path, root, forms.keys())
        for index, rule in enumerate(campaign.enrol):
            if rule.unit_kind not in unit_kinds:
                raise CatalogError(_label(path, root), f"enrol[{index}].unit_kind", f"unknown unit kind {rule.unit_kind!r} (see {kinds_label})")
        if campaign.code in campaigns:
            raise CatalogError(_label(path, root), "code", f"campaign code {campaign.code!r} is used by another file")
        campaigns[campaign.code] = campaign

    return Catalog(
        unit_kinds=MappingProxyType(unit_kinds),
        forms=MappingProxyType(forms),
        criteria_sets=MappingProxyType(criteria_sets),
        campaigns=MappingProxyType(campaigns),
        criteria_set_ids=MappingProxyType(criteria_set_ids),
    )


def _load_criteria_sets(root: Path) -> dict[str, CriteriaSet]:
    sets: dict[str, CriteriaSet] = {}
    for path in _yaml_files(root / "criteria"):
        criteria_file, label = _read(_CriteriaFile, path, root)
        if criteria_file.id in sets:
            raise CatalogError(label, "id", f"criteria set id {criteria_file.id!r} is used by another file")
        sets[criteria_file.id] = criteria_file.to_set()
    return sets


def _checked_override(set_id: str, override: CriteriaSet, shipped: CriteriaSet | None) -> CriteriaSet:
    def fail(field: str, message: str) -> CatalogError:
        return CatalogError("overrides", f"{set_id}.{field}", message)

    if shipped is None:
        raise fail("id", "no shipped criteria set has this id")
    if override.id != set_id:
        raise fail("id", f"the set passed is {override.id!r}")
    if override.total != shipped.total:
        raise fail("total", f"{override.total} differs from the shipped {shipped.total}")
    if [c.number for c in override.criteria] != list(range(1, shipped.total + 1)):
        raise fail("criteria", f"must hold criteria 1..{shipped.total} in order")
    if not shipped.version < override.version < FORM_VERSION_STEP:
        raise fail(
            "version",
            f"{override.version} must be above the shipped {shipped.version} (and below {FORM_VERSION_STEP});"
            " re-import the sheet against the current catalog",
        )
    return override


def _compose(entry: _FormEntry, outline: _OutlineFile, criteria_set: CriteriaSet | None) -> Form:
    """Outline questions in order; a criteria set replaces the slot with one question per criterion."""
    questions: list[Question] = []
    for section in outline.sections:
        section_title = section.title.local()
        for question in section.questions:
            if question.criteria_section is not None and criteria_set is not None:
                questions.extend(_criterion_questions(criteria_set, question.criteria_section.local()))
            else:
                questions.append(question.to_question(section_title))
    set_version = criteria_set.version if criteria_set else 0
    sources = (outline.source, *(criteria_set.legal_basis if criteria_set else ()))
    return Form(
        id=entry.id,
        version=entry.version * FORM_VERSION_STEP + set_version,
        title=entry.title.local(),
        questions=tuple(questions),
        sources=sources,
    )


def _criterion_questions(criteria_set: CriteriaSet, slot_section: LocalText) -> list[Question]:
    return [
        Question(
            id=f"{CRITERION_ID_PREFIX}{criterion.number}",
            kind=QuestionKind.CRITERION,
            prompt=criteria_set.prompt(criterion.number),
            section=criterion.group or slot_section,
            guidance=criterion.guidance,
            max_length=CRITERION_MAX_LENGTH,
            criterion_number=criterion.number,
            criteria_total=criteria_set.total,
        )
        for criterion in criteria_set.criteria
    ]


def load_campaign(path: Path, form_ids: Collection[str] | None = None) -> CampaignSpec:
    """Load one campaign file, so a new campaign is a file, not code.

    With `form_ids`, enrolment rules must name one of them (load_catalog always checks this).
    """
    return _load_campaign(path, CATALOGS_DIR, form_ids)


def _load_campaign(path: Path, root: Path, form_ids: Collection[str] | None) -> CampaignSpec:
    campaign, label = _read(_CampaignFile, path, root)
    if form_ids is not None:
        for index, rule in enumerate(campaign.enrol):
            if rule.form not in form_ids:
                raise CatalogError(label, f"enrol[{index}].form", f"no form {rule.form!r} in forms.yaml")
    return campaign.to_spec()


def load_demo_units(root: Path | None = None) -> list[UnitSpec]:
    """The demo organisation tree from demo/*.yaml, parents before children."""
    root = root or CATALOGS_DIR
    units: dict[str, UnitSpec] = {}
    for path in _yaml_files(root / "demo"):
        demo, label = _read(_DemoFile, path, root)
        _add_demo_units(demo, label, units)
    return list(units.values())


def _add_demo_units(demo: _DemoFile, label: str, units: dict[str, UnitSpec]) -> None:
    def add(unit: UnitSpec, path: str, parent_field: str) -> None:
        if unit.code in units:
            raise CatalogError(label, f"{path}.code", f"unit code {unit.code!r} is used twice")
        if unit.parent_code is not None and unit.parent_code not in units:
            raise CatalogError(label, parent_field, f"parent {unit.parent_code!r} is not listed above")
        units[unit.code] = unit

    for index, unit in enumerate(demo.units):
        path = f"units[{index}]"
        add(UnitSpec(unit.code, unit.name, unit.kind, unit.parent, unit.demo), path, f"{path}.parent")
    for index, generated in enumerate(demo.generate):
        path = f"generate[{index}]"
        number = 0
        for parent, count in generated.spread.items():
            for _ in range(count):
                number += 1
                code = _fill(generated.code, number, label, f"{path}.code")
                if not re.fullmatch(UNIT_CODE_PATTERN, code):
                    raise CatalogError(label, f"{path}.code", f"{code!r} does not match {UNIT_CODE_PATTERN}")
                name = _fill(generated.name, number, label, f"{path}.name")
                add(UnitSpec(code, name, generated.kind, parent, demo=True), path, f"{path}.spread.{parent}")


def _fill(template: str, number: int, label: str, field: str) -> str:
    try:
        return template.format(n=number)
    except (KeyError, IndexError, ValueError) as exc:
        raise CatalogError(label, field, f"bad template {template!r}: only {{n}} may be used ({exc})") from None
