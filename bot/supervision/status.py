"""/tinhhinh: who has reported, per kind of unit and per area, as the outline counts it
("Công an phường: 07/07 đã nộp tại thị xã Cửa Lò")."""

from __future__ import annotations

from bot.base.buttons import Shape, button_kind, pack
from bot.base.commands import CommandSpec
from bot.base.events import Button, ButtonRole
from bot.base.i18n import N_
from bot.base.records import CampaignRecord
from bot.reporting.standing import Group, Standing, Tally, standing_from
from bot.supervision.desk import Desk
from bot.supervision.registry import command

__all__ = ["MISSING_PAGE", "STATUS", "scope_standing", "status"]

STATUS = CommandSpec("tinhhinh", ("status",), N_("Who has reported in your area: /tinhhinh [CAMPAIGN]"), "tình hình")
MISSING_PAGE = button_kind("mp", Shape.NUMBER_IN_CAMPAIGN)
"""A page of the units that have not submitted (bot/supervision/chasing.py)."""


async def scope_standing(desk: Desk, campaign: CampaignRecord) -> Standing:
    """The campaign's standing over the supervisor's scope, counted by storage."""
    questions = desk.questions()
    narrative = {form_id: form.criteria_count == 0 for form_id, form in desk.settings.forms.items()}
    shares = await desk.reads.standing.shares(campaign.code, desk.access.roots, questions)
    return standing_from(shares, questions.__getitem__, narrative.__getitem__, campaign.report_due, desk.today())


@command(STATUS, menu=10)
async def status(desk: Desk, args: str) -> None:
    _ = desk._
    campaign = await desk.campaign(args)
    if campaign is None:
        return
    standing = await scope_standing(desk, campaign)
    lines = [
        _("📊 Report status — {campaign}").format(campaign=campaign.title.get(desk.locale)),
        _("Area: {area}").format(area=", ".join(desk.tree.get(r).name for r in desk.access.roots)),
    ]
    closed = campaign.closed(desk.today())
    if deadline := desk.p.campaign_deadline(campaign, desk.today()):
        lines.append(deadline)
    if closed:
        lines.append(_("The figures are what was submitted by then."))
    if not standing.by_kind:
        lines += ["", _("No unit in your area is enrolled in this campaign.")]
        desk.say("\n".join(lines))
        return
    lines += ["", _("By kind of unit:")]
    for group, tally in sorted(standing.by_kind.items(), key=lambda item: -item[1].enrolled):
        lines.append("• " + kind_line(desk, standing, group, tally))
        lines.append("   " + details(desk, tally, closed))
    branches: dict[int, list[str]] = {}
    for (branch_id, group), tally in standing.by_branch.items():
        branches.setdefault(branch_id, []).append(
            _("{kind}: {done}/{total} submitted in {place}").format(
                kind=group_label(desk, standing, group),
                done=f"{tally.submitted:02d}", total=f"{tally.enrolled:02d}",
                place=desk.place(desk.tree.get(branch_id)),
            )
        )
    if branches:
        lines += ["", _("By area:")]
        for branch_id in sorted(branches, key=desk.tree.name_key):
            lines += [f"• {line}" for line in sorted(branches[branch_id])]
    label = _("Never submitted") if closed else _("Not yet submitted")
    desk.say("\n".join(lines), ((Button(label, pack(MISSING_PAGE, 0, campaign.code), ButtonRole.ACTION),),))


def group_label(desk: Desk, standing: Standing, group: Group) -> str:
    return standing.group_name(group, lambda kind: desk.settings.kind_label(kind).get(desk.locale), desk._)


def kind_line(desk: Desk, standing: Standing, group: Group, tally: Tally) -> str:
    return desk._("{kind}: {done}/{total} submitted").format(
        kind=group_label(desk, standing, group), done=f"{tally.submitted:02d}", total=f"{tally.enrolled:02d}"
    )


def details(desk: Desk, tally: Tally, closed: bool) -> str:
    """The tally's line; of a closed campaign, the units that never submitted rather than "overdue"."""
    text = (
        desk._("{linked} with an officer linked · {not_started} not started · {in_progress} in progress ({average}%) · "
               "{returned} returned · {approved} approved · {overdue} never submitted")
        if closed
        else desk._("{linked} with an officer linked · {not_started} not started · {in_progress} in progress ({average}%) · "
                    "{returned} returned · {approved} approved · {overdue} overdue")
    )  # fmt: skip
    return text.format(
        linked=tally.linked, not_started=tally.not_started, in_progress=tally.in_progress,
        average=tally.average_progress, returned=tally.returned, approved=tally.approved, overdue=tally.overdue,
    )
