"""The shape of a campaign's file and of the organisation's (the unit kinds, the demo units), as
strict pydantic models that also check the rules inside each file: what runs when, who takes part,
and how each unit and each campaign's summary is issued and signed. Each model turns itself into
the public types of bot.catalog.model."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import Field, StringConstraints, model_validator

from bot.base.codes import CAMPAIGN_CODE_PATTERN, UNIT_CODE_PATTERN
from bot.base.deadline import REPORT_DUE, ReminderPlan
from bot.base.i18n import N_
from bot.base.letterhead import Letterhead
from bot.catalog.field_limits import CODE_LENGTH, NAME_LENGTH
from bot.catalog.file_fields import FileModel, Filled, LocalTitleShape, Positive, Slug, Text, invalid, within
from bot.catalog.model import DEMO_LABEL, CampaignSpec, EnrolRule, Milestone

__all__ = ["CampaignFile", "DemoFile", "UnitKindsFile"]

_Name = Annotated[str, Filled, within(NAME_LENGTH)]
_UnitCode = Annotated[str, StringConstraints(pattern=UNIT_CODE_PATTERN), within(CODE_LENGTH)]


class _Milestone(FileModel):
    kind: Literal["report_due", "appraisal_due", "conference"]
    due: dt.date
    title: LocalTitleShape


class _Reminders(FileModel):
    days_before: Annotated[list[Annotated[int, Field(ge=0, le=366)]], Field(min_length=1)]
    # A quoted "HH:MM": unquoted, YAML 1.1 reads 8:00 as the number 480.
    at: Annotated[str, StringConstraints(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")]
    overdue_notice: bool

    @model_validator(mode="after")
    def _days_unique(self) -> _Reminders:
        for index, days in enumerate(self.days_before):
            if days in self.days_before[:index]:
                raise invalid(f"days_before[{index}]", N_("{days} is listed twice"), days=days)
        return self


class _EnrolRule(FileModel):
    unit_kind: Slug
    form: Slug
    units: Annotated[list[_UnitCode], Field(min_length=1)] | None = None


class _Letterhead(FileModel):
    """How a kind of unit, a unit or a campaign's summary is issued and signed (bot.base.letterhead)."""

    managing_body: Annotated[str, within(NAME_LENGTH)] | None = None  # "" for none
    issuing_body: _Name | None = None
    abbreviation: Annotated[str, Filled, within(CODE_LENGTH)] | None = None
    signer_authority: _Name | None = None
    signer_title: _Name | None = None
    signer_name: _Name | None = None
    reports_to: _Name | None = None
    copies_to: list[_Name] | None = None

    def letterhead(self) -> Letterhead:
        said = {name: getattr(self, name) for name in _Letterhead.model_fields}
        return Letterhead(**said | {"copies_to": tuple(self.copies_to) if self.copies_to is not None else None})


class CampaignFile(FileModel):
    code: Annotated[str, StringConstraints(pattern=CAMPAIGN_CODE_PATTERN)]
    title: LocalTitleShape
    basis: Text
    opens: dt.date
    milestones: Annotated[list[_Milestone], Field(min_length=1)]
    reminders: _Reminders
    enrol: Annotated[list[_EnrolRule], Field(min_length=1)]
    closes: dt.date | None = None
    issuer: _Letterhead | None = None

    @model_validator(mode="after")
    def _calendar_and_rules_make_sense(self) -> CampaignFile:
        if not any(m.kind == REPORT_DUE for m in self.milestones):
            raise invalid("milestones", N_("needs a {kind} milestone"), kind=REPORT_DUE)
        if self.closes is not None:
            report_due = next(m.due for m in self.milestones if m.kind == REPORT_DUE)
            if self.closes < report_due:
                raise invalid("closes", N_("{closes} is before the report deadline ({due})"), closes=self.closes, due=report_due)
        kinds = [m.kind for m in self.milestones]
        for index, milestone in enumerate(self.milestones):
            if milestone.kind in kinds[:index]:
                raise invalid(f"milestones[{index}].kind", N_("a campaign has at most one {kind} milestone"), kind=milestone.kind)
            if milestone.due < self.opens:
                raise invalid(f"milestones[{index}].due", N_("{due} is before the campaign opens ({opens})"), due=milestone.due, opens=self.opens)
        catch_all: dict[str, int] = {}
        for index, rule in enumerate(self.enrol):
            if rule.unit_kind in catch_all:
                raise invalid(
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
    kind: Slug
    parent: _UnitCode | None = None
    demo: bool = False


class _Generate(FileModel):
    """Units the documents only count: numbered names from templates, always demo data."""

    kind: Slug
    code: _Name
    name: _Name
    spread: Annotated[dict[_UnitCode, Positive], Field(min_length=1)]

    @model_validator(mode="after")
    def _templates_number_and_label(self) -> _Generate:
        for name in ("code", "name"):
            if "{n" not in getattr(self, name):
                raise invalid(name, "the template must contain {n} (e.g. {n:02})")
        if DEMO_LABEL not in self.name:
            raise invalid("name", f"generated names must say they are demo data: include {DEMO_LABEL!r}")
        return self


class _UnitKind(LocalTitleShape, _Letterhead):
    """A kind's name, and how a unit of it issues its documents."""


class UnitKindsFile(FileModel):
    kinds: Annotated[dict[Slug, _UnitKind], Field(min_length=1)]


class DemoFile(FileModel):
    units: Annotated[list[_Unit], Field(min_length=1)]
    generate: list[_Generate] = Field(default_factory=list)
