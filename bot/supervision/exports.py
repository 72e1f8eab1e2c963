"""/xuatbaocao UNIT [campaign]: a unit's report in scope as the document an official files."""

from __future__ import annotations

from bot import commands
from bot.exports import report_document
from bot.supervision.desk import Desk

__all__ = ["export_report"]


async def export_report(desk: Desk, args: str) -> None:
    found = await desk.campaign_after(args)
    unit = desk.resolve(found[0], commands.EXPORT_REPORT, found[1]) if found else None
    standing = await desk.report_of(unit, found[1]) if found and unit else None
    if unit is None or standing is None:
        return
    report = standing[1]
    if report is None:
        desk.say(desk._("{unit} has not started its report yet; there is nothing to put in a document.").format(unit=unit.name))
        return
    text, attachment = await report_document(desk.reads, desk.tree, report, desk.settings.forms, desk.settings.documents, desk.p, desk.today())
    desk.say(text, attachment=attachment)
