"""What goes out with an exported document, for officers and supervisors alike: the file, and a
line saying what it is, or a download link where the messenger takes no files, or why none comes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Mapping, Sequence
from datetime import date
from typing import Protocol

from bot.base.events import Attachment
from bot.base.forms import Form, LocalText
from bot.base.i18n import N_
from bot.base.letterhead import Letterhead
from bot.base.ports import Queries
from bot.base.records import CampaignRecord, Enrolment, ReportRecord, UnitRecord
from bot.documents.chart import progress_chart
from bot.documents.model import file_name
from bot.documents.port import Documents
from bot.documents.scope_summary import ScopeSource, read_tallies, scope_summary
from bot.documents.unit_report import place_of, report_source, unit_report
from bot.documents.workbook import WorkbookSource, scope_workbook
from bot.organisation.units import UnitTree
from bot.reporting.prompts import REPORT_STATUS_LABELS, Prompts

__all__ = [
    "ExportSettings", "chart_document", "report_document", "rows_under", "summary_document",
    "workbook_document",
]  # fmt: skip

DOCX = ".docx"
NO_FILES = N_("This messenger cannot receive files: link another messenger that can (/lienket), or ask your supervisor to export the report.")


class ExportSettings(Protocol):
    """What an export needs of the composition root (FeatureSettings has it all)."""

    @property
    def forms(self) -> Mapping[str, Form]: ...

    @property
    def documents(self) -> Documents: ...

    def kind_label(self, kind: str) -> LocalText: ...

    def letterhead(self, kind: str) -> Letterhead: ...


async def deliver(
    text: str, write: Callable[[], Awaitable[Attachment]], settings: ExportSettings, p: Prompts
) -> tuple[str, Attachment | None]:
    """The file with its text; where the messenger takes no files, a download link in the text
    instead, or, where this installation serves none, why no file comes (and none is written)."""
    if p.surface.documents:
        return text, await write()
    if not settings.documents.serves_downloads:
        return text + "\n" + p._(NO_FILES), None
    link = settings.documents.download_link(await write())
    return text + "\n" + p._("Download it within an hour: {link}").format(link=link), None


async def rows_under(reads: Queries, tree: UnitTree, root: UnitRecord, within: Collection[int], campaign: CampaignRecord) -> Sequence[Enrolment]:
    """The campaign's units under `root` that the reader may see (`within`)."""
    return await reads.reports.enrolments(campaign.code, tree.subtree([root.id]) & frozenset(within))


async def report_document(
    reads: Queries, tree: UnitTree, report: ReportRecord, settings: ExportSettings, p: Prompts, today: date
) -> tuple[str, Attachment | None]:
    """A unit's report as a DOCX to check, sign and file."""
    _ = p._
    source = await report_source(reads.reports, tree, report, settings.forms[report.form_id], settings.letterhead)
    answered = sum(1 for question in source.form if question.id in source.answers)
    text = _("📄 The report of {unit} — {campaign} ({status}; {answered}/{total} questions answered), laid out as an official report: check it, sign it and file it.").format(
        unit=source.unit.name, campaign=report.campaign_title.get(p.locale), status=_(REPORT_STATUS_LABELS[report.status]),
        answered=answered, total=len(source.form),
    )  # fmt: skip
    name = file_name(f"{source.unit.name} - {report.campaign_code}", DOCX)
    return await deliver(text, lambda: settings.documents.report(unit_report(source, today, p.zone), name), settings, p)


async def summary_document(
    reads: Queries, tree: UnitTree, root: UnitRecord, within: Collection[int], campaign: CampaignRecord,
    settings: ExportSettings, p: Prompts, today: date,
) -> tuple[str, Attachment | None]:
    """The compiled summary of the units under `root`, from the reports handed in."""
    _ = p._
    rows = await rows_under(reads, tree, root, within, campaign)
    source = ScopeSource(root, tree, rows, reads.reports, settings.forms, settings.kind_label, place_of(tree, root),
        campaign.title.vi, settings.letterhead, campaign.issuer, campaign.closed(today),
    )  # fmt: skip
    text = _("📄 The summary of {area} — {campaign}: {handed}/{n} reports handed in, compiled as an official report with the units' answers as an annex.").format(
        area=root.name, campaign=campaign.title.get(p.locale), handed=sum(1 for row in rows if row.handed_in), n=len(rows)
    )
    name = file_name(_("Summary - {area} - {campaign}").format(area=root.name, campaign=campaign.code), DOCX)

    async def write() -> Attachment:
        """What the summary counts is read first; its annex is read while the file is written."""
        return await settings.documents.report(scope_summary(source, await read_tallies(source), today, p.zone), name)

    return await deliver(text, write, settings, p)


async def workbook_document(
    reads: Queries, tree: UnitTree, root: UnitRecord, within: Collection[int], campaign: CampaignRecord,
    settings: ExportSettings, p: Prompts,
) -> tuple[str, Attachment | None]:
    """Every unit's report under `root` as a workbook to sort and filter."""
    _ = p._
    rows = await rows_under(reads, tree, root, within, campaign)
    source = WorkbookSource(tree, rows, reads.reports, settings.forms, campaign.title.vi, campaign.report_due)
    text = _("📊 The reports of {area} — {campaign} as a workbook: {n} units, a sheet per form, the outline's other answers and the status.").format(
        area=root.name, campaign=campaign.title.get(p.locale), n=len(rows)
    )
    name = file_name(_("Reports - {area} - {campaign}").format(area=root.name, campaign=campaign.code), ".xlsx")
    return await deliver(text, lambda: settings.documents.workbook(scope_workbook(source, p, p.zone), name), settings, p)


async def chart_document(
    reads: Queries, tree: UnitTree, root: UnitRecord, within: Collection[int], campaign: CampaignRecord,
    settings: ExportSettings, p: Prompts, today: date,
) -> tuple[str, Attachment | None]:
    """How far each unit right under `root` has got, as a picture."""
    _ = p._
    rows = await rows_under(reads, tree, root, within, campaign)
    if not rows:
        return _("No unit of {area} takes part in {campaign}.").format(area=root.name, campaign=campaign.title.get(p.locale)), None
    chart = progress_chart(root, tree, rows, settings.forms, campaign, today, p)
    text = _("📈 Progress of {area} — {campaign}.").format(area=root.name, campaign=campaign.title.get(p.locale))
    name = file_name(_("Progress - {area} - {campaign}").format(area=root.name, campaign=campaign.code), ".png")
    return await deliver(text, lambda: settings.documents.chart(chart, name), settings, p)
