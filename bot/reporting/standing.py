"""Who has reported: counts per unit kind and per branch of the tree, worded as the outline words
them ("07/07 đã nộp"). Storage groups the enrolments alike (bot.base.counts.Share) for a
supervisor's turn; a document's list of enrolments is made shares of one unit each; both are
tallied here, by the one rule of what each counts as."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date

from bot.base.counts import Share
from bot.base.i18n import N_
from bot.base.records import Enrolment
from bot.base.report_status import ReportStatus
from bot.organisation.units import UnitTree

__all__ = ["Group", "Standing", "Tally", "UnitStanding", "percent", "standing_from", "standing_of", "started"]


def percent(share: float) -> int:
    """A share (0–1) as the whole percent every progress figure shows: /tinhhinh, /chuanop and
    the chart round it the same way, so one unit never reads 7 % in one and 8 % in another. Only
    a whole share is 100 %: 199 answers of 200 are 99 %, never a 100 % that is not."""
    whole = round(100 * share)
    return 99 if whole == 100 and share < 1 else whole


def started(status: ReportStatus | None, answering: bool) -> bool:
    """Whether work on a report has begun: a question answered, or the report moved on."""
    return answering or status not in (None, ReportStatus.DRAFT)


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
        return started(self.row.status, self.row.answered > 0)

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
        unit = tree.get(row.unit_id)
        standing = UnitStanding(row, questions_in(row.form_id), tuple(linked.get(row.unit_id, ())))
        result.units.append(standing)
        share = Share(
            kind=unit.kind, form_id=row.form_id, branch_id=None, status=row.status, answering=row.answered > 0,
            extended_to=row.extended_to, linked=bool(standing.linked_names), units=1, answered=min(row.answered, standing.questions),
        )  # fmt: skip
        shares = [share]
        for root in roots:
            branch = tree.branch_under(root, unit.id)
            if branch is not None and branch.id != unit.id:
                shares.append(replace(share, branch_id=branch.id))
        _add(result, shares, questions_in, narrative_only, due, today)
    return result


def standing_from(
    shares: Iterable[Share], questions_in: Callable[[str], int], narrative_only: Callable[[str], bool], due: date | None, today: date
) -> Standing:
    """Tallies the groups storage counted (bot.base.counts.StandingQueries.shares)."""
    result = Standing()
    _add(result, shares, questions_in, narrative_only, due, today)
    return result


def _add(
    result: Standing,
    shares: Iterable[Share],
    questions_in: Callable[[str], int],
    narrative_only: Callable[[str], bool],
    due: date | None,
    today: date,
) -> None:
    for share in shares:
        group = (share.kind, narrative_only(share.form_id))
        tally = result.by_kind.setdefault(group, Tally()) if share.branch_id is None else result.by_branch.setdefault((share.branch_id, group), Tally())
        unit_due = share.report_due(due)
        _count(tally, share, questions_in(share.form_id), unit_due is not None and today > unit_due)


def _count(tally: Tally, share: Share, questions: int, overdue_now: bool) -> None:
    units = share.units
    tally.enrolled += units
    tally.linked += units * share.linked
    if share.handed_in:
        tally.submitted += units
        tally.approved += units * (share.status is ReportStatus.APPROVED)
        return
    tally.returned += units * (share.status is ReportStatus.RETURNED)
    tally.overdue += units * overdue_now
    if started(share.status, share.answering):
        tally.in_progress += units
        tally.progress_sum += share.answered / questions if questions else 0.0
    else:
        tally.not_started += units
