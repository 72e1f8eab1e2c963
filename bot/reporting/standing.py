"""Who has reported: counts per unit kind and per branch of the tree, computed in the core from
the rows storage returns, and worded as the outline words them ("07/07 đã nộp")."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from bot.base.i18n import N_
from bot.base.records import Enrolment
from bot.base.report_status import ReportStatus
from bot.organisation.units import UnitTree

__all__ = ["Group", "Standing", "Tally", "UnitStanding", "percent", "standing_of"]


def percent(share: float) -> int:
    """A share (0–1) as the whole percent every progress figure shows: /tinhhinh, /chuanop and
    the chart round it the same way, so one unit never reads 7 % in one and 8 % in another. Only
    a whole share is 100 %: 199 answers of 200 are 99 %, never a 100 % that is not."""
    whole = round(100 * share)
    return 99 if whole == 100 and share < 1 else whole


@dataclass
class Tally:
    """Counts for one group of enrolled units."""

    enrolled: int = 0
    linked: int = 0
    not_started: int = 0
    in_progress: int = 0
    progress_sum: float = 0.0
    submitted: int = 0
    returned: int = 0
    approved: int = 0
    overdue: int = 0

    @property
    def average_progress(self) -> int:
        return percent(self.progress_sum / self.in_progress) if self.in_progress else 0


@dataclass(frozen=True)
class UnitStanding:
    row: Enrolment
    questions: int
    linked_names: tuple[str, ...]

    @property
    def has_submitted(self) -> bool:
        return self.row.handed_in

    @property
    def started(self) -> bool:
        return self.row.answered > 0 or self.row.status not in (None, ReportStatus.DRAFT)

    @property
    def progress(self) -> float:
        return min(1.0, self.row.answered / self.questions) if self.questions else 0.0


Group = tuple[str, bool]
"""A unit kind, and whether its form is narrative only: the outline counts the two district
forms apart ("Đơn vị cấp huyện" assessed on 32 criteria; district committees' compiled reports)."""


@dataclass
class Standing:
    """The tally per group, and per (branch, group) under the scope's root."""

    by_kind: dict[Group, Tally] = field(default_factory=dict)
    by_branch: dict[tuple[int, Group], Tally] = field(default_factory=dict)
    units: list[UnitStanding] = field(default_factory=list)

    def group_name(self, group: Group, kind_label: Callable[[str], str], gettext: Callable[[str], str]) -> str:
        """The kind's name; where a kind files both forms, the narrative one is marked."""
        kind, narrative = group
        mixed = (kind, not narrative) in self.by_kind
        return gettext(N_("{kind} (compiled report)")).format(kind=kind_label(kind)) if narrative and mixed else kind_label(kind)


def standing_of(
    rows: Sequence[Enrolment],
    tree: UnitTree,
    roots: Collection[int],
    questions_in: Callable[[str], int],
    narrative_only: Callable[[str], bool],
    linked: Mapping[int, Sequence[str]],
    due: date | None,
    today: date,
) -> Standing:
    """Tallies the rows; a unit counts under the child of its scope root it belongs to, unless
    it is that child itself (a ward directly under a district is not an area of its own)."""
    result = Standing()
    for row in rows:
        unit_due = row.report_due(due)
        overdue_now = unit_due is not None and today > unit_due
        unit = tree.get(row.unit_id)
        standing = UnitStanding(row, questions_in(row.form_id), tuple(linked.get(row.unit_id, ())))
        result.units.append(standing)
        group = (unit.kind, narrative_only(row.form_id))
        tallies = [result.by_kind.setdefault(group, Tally())]
        for root in roots:
            branch = tree.branch_under(root, unit.id)
            if branch is not None and branch.id != unit.id:
                tallies.append(result.by_branch.setdefault((branch.id, group), Tally()))
        for tally in tallies:
            _count(tally, standing, overdue_now)
    return result


def _count(tally: Tally, unit: UnitStanding, overdue_now: bool) -> None:
    tally.enrolled += 1
    tally.linked += bool(unit.linked_names)
    status = unit.row.status
    if unit.has_submitted:
        tally.submitted += 1
        tally.approved += status is ReportStatus.APPROVED
        return
    tally.returned += status is ReportStatus.RETURNED
    tally.overdue += overdue_now
    if unit.started:
        tally.in_progress += 1
        tally.progress_sum += unit.progress
    else:
        tally.not_started += 1
