"""The catalogs: criteria sets, report outlines, forms, campaigns and the demo organisation.

They are YAML data under bot/catalog/data so that a province can add a campaign or load its official
criterion texts without a code change. This module holds what a loaded catalog is, as plain
frozen dataclasses; bot.catalog.form_files and bot.catalog.campaign_files check each file's shape
and bot.catalog.loading reads the files and checks the references between them.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from bot.base.deadline import REPORT_DUE, ReminderPlan
from bot.base.forms import Form, LocalText
from bot.base.i18n import N_
from bot.base.letterhead import Letterhead

__all__ = [
    "CATALOGS_DIR",
    "CRITERION_MAX_LENGTH",
    "DEMO_LABEL",
    "FORM_VERSION_STEP",
    "CampaignSpec",
    "Catalog",
    "CatalogError",
    "CriteriaSet",
    "Criterion",
    "EnrolRule",
    "Milestone",
    "UnitSpec",
    "neutral_prompt",
]

CATALOGS_DIR = Path(__file__).parent / "data"

# A composed form's version is form.version * FORM_VERSION_STEP + criteria set version, so a new
# set version (e.g. imported official texts) always yields a new form version.
FORM_VERSION_STEP = 1000
CRITERION_MAX_LENGTH = 8000
DEMO_LABEL = "(dữ liệu demo)"


class CatalogError(ValueError):
    """A catalog is malformed. Names the file (relative to the catalogs dir) and the field.

    `message` is English, or a msgid filled from `params` when given, so that the person who
    wrote the file reads it in their language (`text`)."""

    def __init__(
        self, file: str, field: str, message: str, params: Mapping[str, object] | None = None, more: int = 0
    ) -> None:
        self.file = file
        self.field = field
        self.msgid = message
        self.params = dict(params) if params is not None else None
        self.more = more  # further problems in the same file, not described
        self.message = self.problem(lambda msgid: msgid)
        """The problem in English."""
        super().__init__(self.text(lambda msgid: msgid))

    def problem(self, gettext: Callable[[str], str]) -> str:
        return gettext(self.msgid).format(**self.params) if self.params is not None else self.msgid

    def text(self, gettext: Callable[[str], str]) -> str:
        message = self.problem(gettext)
        if self.more:
            message += gettext(N_(" (and {n} more)")).format(n=self.more)
        where = readable_field(self.field, gettext)
        return f"{self.file}: {where}: {message}" if where else f"{self.file}: {message}"


LISTED_FIELDS = {"enrol": N_("enrolment rule {n}"), "milestones": N_("milestone {n}")}
"""A file's lists whose items a person knows by their place, counted from 1, not by an index."""


def readable_field(field: str, gettext: Callable[[str], str]) -> str:
    """A field's path as the person who wrote the file reads it: `enrol[1].form` becomes
    “enrolment rule 2, form”."""

    def item(match: re.Match[str]) -> str:
        return gettext(LISTED_FIELDS[match[1]]).format(n=int(match[2]) + 1) + (", " if match[3] else "")

    return re.sub(r"\b(enrol|milestones)\[(\d+)\](\.?)", item, field)


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
    closes: dt.date | None = None
    """After this day officers no longer see the report as open and reminders stop; between the
    deadline and this day a late report is still taken."""
    issuer: Letterhead | None = None
    """Who issues the summary of the whole province, over the top unit's own letterhead."""

    def rule_for(self, unit_kind: str, unit_code: str) -> EnrolRule | None:
        """The first matching enrolment rule (the one that enrols the unit); None if none does."""
        return next((rule for rule in self.enrol if rule.matches(unit_kind, unit_code)), None)

    def form_for(self, unit_kind: str, unit_code: str) -> str | None:
        """The form the unit reports on; None if the unit does not report."""
        rule = self.rule_for(unit_kind, unit_code)
        return rule.form_id if rule else None

    @property
    def report_due(self) -> Milestone:
        return next(m for m in self.milestones if m.kind == REPORT_DUE)


@dataclass(frozen=True)
class UnitSpec:
    code: str
    name: str
    kind: str
    parent_code: str | None
    demo: bool
    letterhead: Letterhead = Letterhead()


@dataclass(frozen=True)
class Catalog:
    """Every composed form, criteria set and campaign; `criteria_set_ids` maps form id → set id."""

    forms: Mapping[str, Form]
    criteria_sets: Mapping[str, CriteriaSet]
    campaigns: Mapping[str, CampaignSpec]
    criteria_set_ids: Mapping[str, str]
    unit_kinds: Mapping[str, LocalText] = field(default_factory=dict)
    letterheads: Mapping[str, Letterhead] = field(default_factory=dict)
    """How a unit of each kind issues its documents, as the unit kinds file says."""

    def kind_label(self, kind: str) -> LocalText:
        return self.unit_kinds.get(kind) or LocalText(kind)

    def letterhead(self, kind: str) -> Letterhead:
        return self.letterheads.get(kind) or Letterhead()

    def form(self, form_id: str) -> Form:
        try:
            return self.forms[form_id]
        except KeyError:
            raise KeyError(f"unknown form {form_id!r}") from None

    def criteria_set_of(self, form_id: str) -> CriteriaSet | None:
        self.form(form_id)
        set_id = self.criteria_set_ids.get(form_id)
        return None if set_id is None else self.criteria_sets[set_id]
