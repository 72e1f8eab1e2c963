"""What goes out with an exported document, for officers and supervisors alike: the file, and a
line saying what it is, or why none comes where the messenger takes no files."""

from __future__ import annotations

from collections.abc import Awaitable, Collection, Mapping
from datetime import date
from typing import Protocol

from bot.chart_export import progress_chart
from bot.events import Attachment
from bot.forms import Form, LocalText
from bot.i18n import N_
from bot.ports import Documents, Queries
from bot.prompts import REPORT_STATUS_LABELS, Prompts
from bot.records import CampaignRecord, ReportRecord, UnitRecord
from bot.scope_summary import scope_source, scope_summary
from bot.unit_report import file_name, report_source, unit_report
from bot.units import UnitTree
from bot.workbook_export import WorkbookSource, scope_workbook

__all__ = ["ExportSettings", "chart_document", "report_document", "summary_document", "workbook_document"]

DOCX = ".docx"
NO_FILES = N_("This messenger cannot receive files: link another messenger that can (/lienket), or ask your supervisor to export the report.")


class ExportSettings(Protocol):
    """What an export needs of the composition root (DeskSettings has it all)."""

    @property
    def forms(self) -> Mapping[str, Form]: ...

    @property
    def documents(self) -> Documents: ...

    def kind_label(self, kind: str) -> LocalText: ...


async def deliver(
    text: str, writing: Awaitable[Attachment], settings: ExportSettings, p: Prompts
) -> tuple[str, Attachment | None]:
    """The file with its text; where the messenger takes no files, a download link in the text
    instead (or, where this installation serves none, why no file comes)."""
    attachment = await writing
    if p.surface.documents:
        return text, attachment
    link = settings.documents.download_link(attachment)
    if link is None:
        return text + "\n" + p._(NO_FILES), None
    return text + "\n" + p._("Download it within an hour: {link}").format(link=link), None


async def report_document(
    reads: Queries, tree: UnitTree, report: ReportRecord, settings: ExportSettings, p: Prompts, today: date
) -> tuple[str, Attachment | None]:
    """A unit's report as a DOCX to check, sign and file."""
    _ = p._
    source = await report_source(reads.reports, tree, report, settings.forms[report.form_id])
    answered = sum(1 for question in source.form if question.id in source.answers)
    text = _("📄 The report of {unit} — {campaign} ({status}; {answered}/{total} questions answered), laid out as an official report: check it, sign it and file it.").format(
        unit=source.unit.name, campaign=report.campaign_title.get(p.locale), status=_(REPORT_STATUS_LABELS[report.status]),
        answered=answered, total=len(source.form),
    )  # fmt: skip
    document = unit_report(source, today, p.zone)
    return await deliver(text, settings.documents.report(document, file_name(source.unit, report.campaign_code, DOCX)), settings, p)


async def summary_document(
    reads: Queries, tree: UnitTree, root: UnitRecord, within: Collection[int], campaign: CampaignRecord,
    settings: ExportSettings, p: Prompts, today: date,
) -> tuple[str, Attachment | None]:
    """The compiled summary of the units under `root` (within the reader's scope)."""
    _ = p._
    source = await scope_source(reads, tree, root, within, campaign, settings.forms, settings.kind_label)
    text = _("📄 The summary of {area} — {campaign}: {handed}/{n} reports handed in, compiled as an official report with the units' answers as an annex.").format(
        area=root.name, campaign=campaign.title.get(p.locale), handed=len(source.answers), n=len(source.rows)
    )
    name = _("Summary - {area} - {campaign}").format(area=root.name, campaign=campaign.code).replace("/", "-") + DOCX
    return await deliver(text, settings.documents.report(scope_summary(source, today, p.zone), name), settings, p)


async def workbook_document(
    reads: Queries, tree: UnitTree, root: UnitRecord, within: Collection[int], campaign: CampaignRecord,
    settings: ExportSettings, p: Prompts,
) -> tuple[str, Attachment | None]:
    """Every unit's report under `root` as a workbook to sort and filter."""
    _ = p._
    rows = await reads.reports.enrolments(campaign.code, tree.subtree([root.id]) & frozenset(within))
    opened = {row.report_id: row.unit_id for row in rows if row.report_id is not None}
    answers = {opened[report_id]: values for report_id, values in (await reads.reports.answers_of(list(opened))).items()}
    source = WorkbookSource(tree, rows, answers, settings.forms, campaign.title.vi, campaign.report_due)
    text = _("📊 The reports of {area} — {campaign} as a workbook: {n} units, a sheet per form, the narrative answers and the status.").format(
        area=root.name, campaign=campaign.title.get(p.locale), n=len(rows)
    )
    name = _("Reports - {area} - {campaign}").format(area=root.name, campaign=campaign.code).replace("/", "-") + ".xlsx"
    return await deliver(text, settings.documents.workbook(scope_workbook(source, p, p.zone), name), settings, p)


async def chart_document(
    reads: Queries, tree: UnitTree, root: UnitRecord, within: Collection[int], campaign: CampaignRecord,
    settings: ExportSettings, p: Prompts, today: date,
) -> tuple[str, Attachment | None]:
    """How far each unit right under `root` has got, as a picture."""
    _ = p._
    rows = await reads.reports.enrolments(campaign.code, tree.subtree([root.id]) & frozenset(within))
    if not rows:
        return _("No unit of {area} takes part in {campaign}.").format(area=root.name, campaign=campaign.title.get(p.locale)), None
    chart = progress_chart(root, tree, rows, settings.forms, campaign.title.get(p.locale), campaign.report_due, today, p)
    text = _("📈 Progress of {area} — {campaign}.").format(area=root.name, campaign=campaign.title.get(p.locale))
    name = _("Progress - {area} - {campaign}").format(area=root.name, campaign=campaign.code).replace("/", "-") + ".png"
    return await deliver(text, settings.documents.chart(chart, name), settings, p)
