"""Reading the catalog files strictly and checking the references between them: forms →
outlines and criteria sets, campaigns → forms and unit kinds, demo units → their parents. Every
defect raises a CatalogError that names the file and the field to fix."""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from bot.base.codes import UNIT_CODE_PATTERN
from bot.base.forms import CRITERION_PREFIX, Form, LocalText, Question, QuestionKind
from bot.base.i18n import N_
from bot.catalog.campaign_files import CampaignFile, DemoFile, UnitKindsFile
from bot.catalog.form_files import CriteriaFile, FormEntry, FormsFile, OutlineFile
from bot.catalog.model import (
    CATALOGS_DIR,
    CRITERION_MAX_LENGTH,
    FORM_VERSION_STEP,
    CampaignSpec,
    Catalog,
    CatalogError,
    CriteriaSet,
    UnitSpec,
)

__all__ = ["load_campaign", "load_catalog", "load_demo_units"]


class _DuplicateKey(yaml.constructor.ConstructorError):
    def __init__(self, key: object, mark: yaml.Mark) -> None:
        super().__init__(None, None, f"duplicate key {key!r}", mark)
        self.key = key
        self.key_mark = mark


class _NoSuchDay(str):
    """What was written as a date where the calendar has no such day (2026-13-20), kept as text
    so that the file's model names the field it was written in."""


class _StrictLoader(yaml.SafeLoader):
    """PyYAML lets a repeated key silently overwrite the first; in hand-edited data that is a bug.
    And a date with no such day is a ValueError out of PyYAML that names neither the line nor the
    field: it is kept as text for the model to refuse where it stands."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise _DuplicateKey(key, key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _timestamp_or_no_such_day(loader: _StrictLoader, node: yaml.ScalarNode) -> object:
    try:
        return loader.construct_yaml_timestamp(node)
    except ValueError:
        return _NoSuchDay(node.value)


_StrictLoader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_or_no_such_day)

LINE_SHOWN = 60  # characters of the line a YAML error quotes


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
        text = path.read_text(encoding="utf-8")
        data = yaml.load(text, Loader=_StrictLoader)
    except UnicodeDecodeError as exc:
        raise CatalogError(label, "", N_("not UTF-8 text: {error}"), {"error": exc}) from None
    except yaml.YAMLError as exc:
        raise _yaml_error(label, text, exc) from None
    try:
        return model.model_validate(data), label
    except ValidationError as exc:
        raise _catalog_error(label, exc) from None


def _yaml_error(label: str, text: str, exc: yaml.YAMLError) -> CatalogError:
    """PyYAML's English, said as where to look and what to check there."""
    mark = getattr(exc, "problem_mark", None)
    if isinstance(exc, yaml.reader.ReaderError):  # a character YAML refuses to read at all
        line = text.count("\n", 0, exc.position) + 1
        return CatalogError(
            label, "", N_("line {line}: an invisible control character ({code}); type the line again"), {"line": line, "code": f"U+{exc.character:04X}"}
        )
    if isinstance(exc, _DuplicateKey):
        return CatalogError(label, str(exc.key), N_("given twice (line {line}); keep one"), {"line": exc.key_mark.line + 1})
    if mark is None:
        return CatalogError(label, "", N_("not valid YAML; check the indentation, the colons, the quotes and the brackets"))
    lines = text.splitlines()

    def shown(at: yaml.Mark) -> str:
        return lines[at.line].strip()[:LINE_SHOWN] if at.line < len(lines) else ""

    opened = getattr(exc, "context_mark", None)
    if not shown(mark) and opened is not None:  # the file ended (or a blank line came) before a bracket or quote closed
        mark = opened
    place = {"line": mark.line + 1, "column": mark.column + 1, "text": shown(mark)}
    if "'\\t'" in (getattr(exc, "problem", "") or ""):
        return CatalogError(label, "", N_("line {line}, column {column} (“{text}”): a tab; YAML indents with spaces only"), place)
    return CatalogError(
        label, "", N_("not valid YAML at line {line}, column {column} (“{text}”) or just above it: check the indentation, the colons, the quotes and the brackets"), place
    )


def _catalog_error(label: str, exc: ValidationError) -> CatalogError:
    # A misspelt key also makes the real key "missing"; the unknown key is the one to point at.
    error = min(exc.errors(), key=lambda e: e["type"] != "extra_forbidden")
    parts = [_format_loc(error["loc"]), str((error.get("ctx") or {}).get("path", ""))]
    field = ".".join(part for part in parts if part)
    ctx = error.get("ctx") or {}
    more = exc.error_count() - 1
    if error["type"] == "catalog":
        if ctx.get("params") is not None:
            return CatalogError(label, field, ctx["msgid"], ctx["params"], more)
        return CatalogError(label, field, error["msg"], more=more)
    if isinstance(error.get("input"), _NoSuchDay):
        return CatalogError(label, field, N_("there is no day {day}; write a date as 2024-07-15"), {"day": error["input"]}, more)
    if error["type"] in PROBLEMS:
        return CatalogError(label, field, PROBLEMS[error["type"]], ctx, more)
    return CatalogError(label, field, error["msg"], more=more)


PROBLEMS = {
    "extra_forbidden": N_("unknown key"),
    "missing": N_("required, but missing"),
    "date_type": N_("not a date; write it as 2024-07-15"),
    "date_parsing": N_("not a date; write it as 2024-07-15"),
    "date_from_datetime_parsing": N_("not a date; write it as 2024-07-15"),
    "date_from_datetime_inexact": N_("not a date; write it as 2024-07-15"),
    "string_type": N_("should be text"),
    "int_type": N_("should be a whole number"),
    "int_parsing": N_("should be a whole number"),
    "bool_type": N_("should be true or false"),
    "list_type": N_("should be a list"),
    "dict_type": N_("should be keys with values"),
    "model_type": N_("should be keys with values"),
    "string_pattern_mismatch": N_("does not have the expected form ({pattern})"),
    "string_too_short": N_("should have at least {min_length} characters"),
    "string_too_long": N_("should have at most {max_length} characters"),
    "too_short": N_("should list at least {min_length}"),
    "greater_than_equal": N_("should be at least {ge}"),
    "less_than_equal": N_("should be at most {le}"),
    "literal_error": N_("should be one of: {expected}"),
}
"""What pydantic's error types mean, as the person who wrote the file reads it; each msgid uses
only the placeholders pydantic puts in that type's context."""


def _format_loc(loc: tuple[int | str, ...]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _yaml_files(directory: Path) -> list[Path]:
    return sorted(directory.glob("*.yaml"))


def load_catalog(
    root: Path | None = None, overrides: Mapping[str, CriteriaSet] | None = None, extra_kinds: Path | None = None
) -> Catalog:
    """Load and cross-check every catalog under `root` and compose the forms.

    `overrides` replaces shipped criteria sets by id (a province's imported official texts); each
    must keep the id and total and carry a higher version, so the composed form version changes.
    `extra_kinds` is a province's own unit-kinds file (the shipped format): its kinds are added, and
    its labels win over the shipped ones.
    """
    root = root or CATALOGS_DIR
    criteria_sets = _load_criteria_sets(root)
    for set_id, override in (overrides or {}).items():
        criteria_sets[set_id] = _checked_override(set_id, override, criteria_sets.get(set_id))

    outlines: dict[str, OutlineFile] = {}
    for path in _yaml_files(root / "outlines"):
        outline, label = _read(OutlineFile, path, root)
        if outline.id in outlines:
            raise CatalogError(label, "id", f"outline id {outline.id!r} is used by another file")
        outlines[outline.id] = outline

    forms_file, label = _read(FormsFile, root / "forms.yaml", root)
    forms: dict[str, Form] = {}
    criteria_set_ids: dict[str, str] = {}
    for index, entry in enumerate(forms_file.forms):
        form_outline = outlines.get(entry.outline)
        if form_outline is None:
            raise CatalogError(label, f"forms[{index}].outline", f"no outline {entry.outline!r} in outlines/")
        criteria_set = None
        if entry.criteria is not None:
            criteria_set = criteria_sets.get(entry.criteria)
            if criteria_set is None:
                raise CatalogError(label, f"forms[{index}].criteria", f"no criteria set {entry.criteria!r} in criteria/")
            if not form_outline.has_criteria_slot:
                raise CatalogError(label, f"forms[{index}].criteria", f"outline {form_outline.id!r} has no criteria slot")
            criteria_set_ids[entry.id] = criteria_set.id
        forms[entry.id] = _compose(entry, form_outline, criteria_set)

    kinds_file, kinds_label = _read(UnitKindsFile, root / "unit-kinds.yaml", root)
    kinds = dict(kinds_file.kinds)
    if extra_kinds is not None:
        kinds |= _read(UnitKindsFile, extra_kinds, root)[0].kinds
    unit_kinds = {code: kind.local() for code, kind in kinds.items()}
    campaigns: dict[str, CampaignSpec] = {}
    for path in _yaml_files(root / "campaigns"):
        campaign = _load_campaign(path, root, forms.keys())
        for index, rule in enumerate(campaign.enrol):
            if rule.unit_kind not in unit_kinds:
                raise CatalogError(
                    _label(path, root), f"enrol[{index}].unit_kind", N_("unknown unit kind “{kind}” (see {file})"), {"kind": rule.unit_kind, "file": kinds_label}
                )
        if campaign.code in campaigns:
            raise CatalogError(_label(path, root), "code", N_("campaign code “{code}” is used by another file"), {"code": campaign.code})
        campaigns[campaign.code] = campaign

    return Catalog(
        unit_kinds=MappingProxyType(unit_kinds),
        letterheads=MappingProxyType({code: kind.letterhead() for code, kind in kinds.items()}),
        forms=MappingProxyType(forms),
        criteria_sets=MappingProxyType(criteria_sets),
        campaigns=MappingProxyType(campaigns),
        criteria_set_ids=MappingProxyType(criteria_set_ids),
    )


def _load_criteria_sets(root: Path) -> dict[str, CriteriaSet]:
    sets: dict[str, CriteriaSet] = {}
    for path in _yaml_files(root / "criteria"):
        criteria_file, label = _read(CriteriaFile, path, root)
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


def _compose(entry: FormEntry, outline: OutlineFile, criteria_set: CriteriaSet | None) -> Form:
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
            id=f"{CRITERION_PREFIX}{criterion.number}",
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
    campaign, label = _read(CampaignFile, path, root)
    if form_ids is not None:
        for index, rule in enumerate(campaign.enrol):
            if rule.form not in form_ids:
                raise CatalogError(label, f"enrol[{index}].form", N_("there is no form “{form}”; the forms are: {forms}"), {"form": rule.form, "forms": ", ".join(sorted(form_ids))})
    return campaign.to_spec()


def load_demo_units(root: Path | None = None) -> list[UnitSpec]:
    """The demo organisation tree from demo/*.yaml, parents before children."""
    root = root or CATALOGS_DIR
    units: dict[str, UnitSpec] = {}
    for path in _yaml_files(root / "demo"):
        demo, label = _read(DemoFile, path, root)
        _add_demo_units(demo, label, units)
    return list(units.values())


def _add_demo_units(demo: DemoFile, label: str, units: dict[str, UnitSpec]) -> None:
    def add(unit: UnitSpec, path: str, parent_field: str) -> None:
        if unit.code in units:
            raise CatalogError(label, f"{path}.code", f"unit code {unit.code!r} is used twice")
        if unit.parent_code is not None and unit.parent_code not in units:
            raise CatalogError(label, parent_field, f"parent {unit.parent_code!r} is not listed above")
        units[unit.code] = unit

    for index, unit in enumerate(demo.units):
        path = f"units[{index}]"
        add(UnitSpec(unit.code, unit.name, unit.kind, unit.parent, unit.demo, unit.letterhead()), path, f"{path}.parent")
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
