"""/xuatbaocao [UNIT] [campaign]: a unit's report in scope, or without a unit the compiled summary
of the supervisor's area, as the document an official files."""

from __future__ import annotations

from bot import commands
from bot.exports import report_document, summary_document
from bot.supervision.desk import Desk

__all__ = ["export_report"]


async def export_report(desk: Desk, args: str) -> None:
    found = await desk.campaign_after(args)
    if found is None:
        return
    query, campaign = found
    if not query:
        for root_id in sorted(desk.access.roots):
            text, attachment = await summary_document(
                desk.reads, desk.tree, desk.tree.get(root_id), desk.access.unit_ids, campaign, desk.settings, desk.p, desk.today()
            )
            desk.say(text, attachment=attachment)
        return
    unit = desk.resolve(query, commands.EXPORT_REPORT, campaign)
    standing = await desk.report_of(unit, campaign) if unit else None
    if unit is None or standing is None:
        return
    report = standing[1]
    if report is None:
        desk.say(desk._("{unit} has not started its report yet; there is nothing to put in a document.").format(unit=unit.name))
        return
    text, attachment = await report_document(desk.reads, desk.tree, report, desk.settings, desk.p, desk.today())
    desk.say(text, attachment=attachment)
