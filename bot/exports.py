"""What goes out with an exported document, for officers and supervisors alike: the file, and a
line saying what it is, or why none comes where the messenger takes no files."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from bot.events import Attachment
from bot.forms import Form
from bot.ports import Documents, Queries
from bot.prompts import REPORT_STATUS_LABELS, Prompts
from bot.records import ReportRecord
from bot.unit_report import file_name, report_source, unit_report
from bot.units import UnitTree

__all__ = ["report_document"]

DOCX = ".docx"


async def report_document(
    reads: Queries, tree: UnitTree, report: ReportRecord, forms: Mapping[str, Form], documents: Documents, p: Prompts, today: date
) -> tuple[str, Attachment | None]:
    """A unit's report as a DOCX to check, sign and file."""
    _ = p._
    source = await report_source(reads.reports, tree, report, forms[report.form_id])
    answered = sum(1 for question in source.form if question.id in source.answers)
    text = _("📄 The report of {unit} — {campaign} ({status}; {answered}/{total} questions answered), laid out as an official report: check it, sign it and file it.").format(
        unit=source.unit.name, campaign=report.campaign_title.get(p.locale), status=_(REPORT_STATUS_LABELS[report.status]),
        answered=answered, total=len(source.form),
    )  # fmt: skip
    if not p.surface.documents:
        return text + "\n" + _("This messenger cannot receive files: link another messenger that can (/lienket), or ask your supervisor to export the report."), None
    document = unit_report(source, today, p.zone)
    return text, await documents.report(document, file_name(source.unit, report.campaign_code, DOCX))
