"""A scope's progress as a chart: for each unit right under the scope's root (its own report and
those below it together), the share of reports handed in and of questions answered, against
the deadline. The units stand in order of progress, furthest ahead first, and every figure is
the whole percent /tinhhinh and /chuanop show for the same unit."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from bot.base.forms import Form
from bot.base.records import CampaignRecord, Enrolment, UnitRecord
from bot.base.text import fold
from bot.documents.model import ChartBar, ProgressChart
from bot.organisation.units import UnitTree
from bot.reporting.prompts import Prompts
from bot.reporting.standing import UnitStanding, percent

__all__ = ["MOST_BARS", "progress_chart"]

MOST_BARS = 60
"""More would not read on a phone; the units furthest behind are the ones shown."""


def progress_chart(
    root: UnitRecord, tree: UnitTree, rows: Sequence[Enrolment], forms: Mapping[str, Form], campaign: CampaignRecord,
    today: date, p: Prompts,
) -> ProgressChart:
    """Against the deadline while the campaign is open; once closed, as it stood when it closed."""
    _ = p._
    groups: dict[int, list[Enrolment]] = {}
    for row in rows:
        branch = tree.branch_under(root.id, row.unit_id) if row.unit_id != root.id else root
        groups.setdefault((branch or root).id, []).append(row)
    bars = []
    for unit_id, members in groups.items():
        units = [UnitStanding(row, len(forms[row.form_id]), ()) for row in members]
        handed = sum(1 for unit in units if unit.has_submitted)
        questions = sum(unit.questions for unit in units)
        answered = sum(unit.progress * unit.questions for unit in units)
        bars.append(ChartBar(tree.get(unit_id).name, percent(handed / len(units)), percent(answered / questions) if questions else 0))
    by_progress = sorted(bars, key=lambda bar: (-bar.submitted, -bar.answered, fold(bar.label)))
    return ProgressChart(
        title=_("Progress of the reports — {area}").format(area=root.name),
        subtitle=" · ".join(part for part in (campaign.title.get(p.locale), p.campaign_deadline(campaign, today)) if part),
        bars=tuple(by_progress[-MOST_BARS:]),
        legend=(_("Reports handed in"), _("Questions answered")),
        axis="%",
    )
