"""Exports for a supervisor: /xuatbaocao [UNIT] [campaign] (a unit's report in scope, or without
a unit the compiled summary of the area) as the document an official files, /xuatexcel the
area's reports as a workbook, /bieudo a chart of its progress. Each is asked for here and made
outside the turn (bot/documents/export_requests.py): the supervisor is told at once that it is
coming, and the file follows through the outbox."""

from __future__ import annotations

from bot.base.commands import EXPORT_REPORT, CommandSpec
from bot.base.exports import ExportKind
from bot.base.i18n import N_
from bot.base.records import CampaignRecord, UnitRecord
from bot.documents.export_jobs import NOT_STARTED
from bot.documents.export_requests import ask_for, export_request
from bot.supervision.desk import Desk
from bot.supervision.registry import command

__all__ = ["CHART", "EXPORT_WORKBOOK", "export_chart", "export_report", "export_workbook"]

EXPORT_WORKBOOK = CommandSpec("xuatexcel", ("excel",), N_("The area's reports as an Excel workbook"), "xuất excel")
CHART = CommandSpec("bieudo", ("chart",), N_("A chart of how far each unit of the area has got"), "biểu đồ")


@command(EXPORT_REPORT, menu=None)  # in the menu with the officer's commands, for whom it is their own report
async def export_report(desk: Desk, args: str) -> None:
    found = await desk.campaign_after(args)
    if found is None:
        return
    query, campaign = found
    if not query:
        await for_each_area(desk, campaign, ExportKind.SUMMARY)
        return
    unit = desk.resolve(query, EXPORT_REPORT, campaign)
    standing = await desk.report_of(unit, campaign) if unit else None
    if unit is None or standing is None:
        return
    if standing[1] is None:
        desk.say(desk._(NOT_STARTED).format(unit=unit.name))
        return
    await ask(desk, [unit], campaign, ExportKind.REPORT)


@command(EXPORT_WORKBOOK, menu=140)
async def export_workbook(desk: Desk, args: str) -> None:
    campaign = await desk.campaign(args)
    if campaign is not None:
        await for_each_area(desk, campaign, ExportKind.WORKBOOK)


@command(CHART, menu=150)
async def export_chart(desk: Desk, args: str) -> None:
    campaign = await desk.campaign(args)
    if campaign is not None:
        await for_each_area(desk, campaign, ExportKind.CHART)


async def for_each_area(desk: Desk, campaign: CampaignRecord, kind: ExportKind) -> None:
    """One file per unit the supervisor oversees (usually one)."""
    await ask(desk, [desk.tree.get(root_id) for root_id in sorted(desk.access.roots)], campaign, kind)


async def ask(desk: Desk, units: list[UnitRecord], campaign: CampaignRecord, kind: ExportKind) -> None:
    requests = [export_request(kind, unit.id, campaign.code, desk.chat, desk.p) for unit in units]
    for text, effect in await ask_for(desk.reads, requests, desk.p):
        desk.out.effects.append(effect)
        desk.say(text)
