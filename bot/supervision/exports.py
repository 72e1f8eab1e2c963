"""Exports for a supervisor: /xuatbaocao [UNIT] [campaign] (a unit's report in scope, or without
a unit the compiled summary of the area) as the document an official files, /xuatexcel the
area's reports as a workbook, /bieudo a chart of its progress."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.base.commands import EXPORT_REPORT, CommandSpec
from bot.base.events import Attachment
from bot.base.i18n import N_
from bot.base.records import CampaignRecord, UnitRecord
from bot.documents.exports import (
    chart_document,
    report_document,
    summary_document,
    workbook_document,
)
from bot.supervision.desk import Desk
from bot.supervision.registry import command

__all__ = ["CHART", "EXPORT_WORKBOOK", "export_chart", "export_report", "export_workbook"]

EXPORT_WORKBOOK = CommandSpec("xuatexcel", ("excel",), N_("The area's reports as an Excel workbook"), "xuất excel")
CHART = CommandSpec("bieudo", ("chart",), N_("A chart of how far each unit of the area has got"), "biểu đồ")

AreaExport = Callable[[Desk, UnitRecord, CampaignRecord], Awaitable[tuple[str, Attachment | None]]]


@command(EXPORT_REPORT, menu=None)  # in the menu with the officer's commands, for whom it is their own report
async def export_report(desk: Desk, args: str) -> None:
    found = await desk.campaign_after(args)
    if found is None:
        return
    query, campaign = found
    if not query:
        await for_each_area(desk, campaign, lambda desk, root, campaign: summary_document(
            desk.reads, desk.tree, root, desk.access.unit_ids, campaign, desk.settings, desk.p, desk.today()
        ))  # fmt: skip
        return
    unit = desk.resolve(query, EXPORT_REPORT, campaign)
    standing = await desk.report_of(unit, campaign) if unit else None
    if unit is None or standing is None:
        return
    report = standing[1]
    if report is None:
        desk.say(desk._("{unit} has not started its report yet; there is nothing to put in a document.").format(unit=unit.name))
        return
    text, attachment = await report_document(desk.reads, desk.tree, report, desk.settings, desk.p, desk.today())
    desk.say(text, attachment=attachment)


@command(EXPORT_WORKBOOK, menu=140)
async def export_workbook(desk: Desk, args: str) -> None:
    campaign = await desk.campaign(args)
    if campaign is not None:
        await for_each_area(desk, campaign, lambda desk, root, campaign: workbook_document(
            desk.reads, desk.tree, root, desk.access.unit_ids, campaign, desk.settings, desk.p
        ))  # fmt: skip


@command(CHART, menu=150)
async def export_chart(desk: Desk, args: str) -> None:
    campaign = await desk.campaign(args)
    if campaign is not None:
        await for_each_area(desk, campaign, lambda desk, root, campaign: chart_document(
            desk.reads, desk.tree, root, desk.access.unit_ids, campaign, desk.settings, desk.p, desk.today()
        ))  # fmt: skip


async def for_each_area(desk: Desk, campaign: CampaignRecord, export: AreaExport) -> None:
    """One file per unit the supervisor oversees (usually one)."""
    for root_id in sorted(desk.access.roots):
        text, attachment = await export(desk, desk.tree.get(root_id), campaign)
        desk.say(text, attachment=attachment)
