"""A requested file made (in the export's own process) with the same builders a script uses
(bot/documents/exports.py), and what its asker is sent through the outbox: the file with its
line, or why no file comes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.base.events import Attachment, Reply, Surface
from bot.base.exports import ExportJob, ExportKind
from bot.base.i18n import N_, translations
from bot.base.outbox import MessageKind, OutboxMessage
from bot.base.ports import Queries
from bot.base.records import CampaignRecord, UnitRecord
from bot.delivery.lifetimes import EXPORT_LIFETIME
from bot.documents.exports import ExportSettings, chart_document, report_document, summary_document, workbook_document
from bot.organisation.units import UnitTree
from bot.reporting.prompts import Prompts

__all__ = [
    "CRASHED", "FAILED", "GONE", "NOT_STARTED", "TOO_LONG", "build_file", "failure_message", "file_message", "make_export",
]  # fmt: skip

NOT_STARTED = N_("{unit} has not started its report yet; there is nothing to put in a document.")
GONE = N_("The unit or the campaign of the file you asked for no longer exists; no file was made.")
FAILED = N_("⚠ Your file could not be made: something went wrong. The administrators can see why in the log; please ask again later.")
TOO_LONG = N_("⚠ Your file could not be made: it took longer than {minutes} minutes. Please ask again later.")
CRASHED = N_("⚠ Your file could not be made: the bot stopped {times} times while making it. The administrators can see why in the log.")


async def make_export(
    job: ExportJob, reads: Queries, tree: UnitTree, campaigns: Sequence[CampaignRecord], settings: ExportSettings, zone: ZoneInfo
) -> tuple[str, Attachment | None]:
    """The file the job asks for, written, with its line (or the line alone, saying why there is
    no file); dated the day it was asked for."""
    request = job.request
    p = Prompts(request.locale, zone, Surface(documents=request.takes_files))
    today: date = job.requested_at.astimezone(zone).date()
    campaign = next((c for c in campaigns if c.code == request.campaign_code), None)
    unit = tree.get(request.unit_id) if request.unit_id in tree else None
    if campaign is None or unit is None:
        return p._(GONE), None
    return await build_file(request.kind, unit, campaign, reads, tree, settings, p, today)


async def build_file(
    kind: ExportKind, unit: UnitRecord, campaign: CampaignRecord, reads: Queries, tree: UnitTree, settings: ExportSettings, p: Prompts, today: date
) -> tuple[str, Attachment | None]:
    """One kind of file about `unit` (its own report, or its area's summary, workbook or chart),
    with its line; for a chat's request and `baocao export` alike."""
    scope = tree.subtree([unit.id])
    match kind:
        case ExportKind.REPORT:
            report = await reads.reports.of_unit(campaign.code, unit.id)
            if report is None:
                return p._(NOT_STARTED).format(unit=unit.name), None
            return await report_document(reads, tree, report, settings, p, today)
        case ExportKind.SUMMARY:
            return await summary_document(reads, tree, unit, scope, campaign, settings, p, today)
        case ExportKind.WORKBOOK:
            return await workbook_document(reads, tree, unit, scope, campaign, settings, p)
        case ExportKind.CHART:
            return await chart_document(reads, tree, unit, scope, campaign, settings, p, today)


def file_message(job: ExportJob, text: str, attachment: Attachment | None, now: datetime) -> OutboxMessage:
    """The made file for its asker (or, without one, the line saying why)."""
    return _message(job, Reply(text, attachment=attachment), now)


def failure_message(job: ExportJob, reason: str, now: datetime, **fields: object) -> OutboxMessage:
    """Its asker told that no file comes: `reason` is one of the N_ msgids above."""
    text = translations(job.request.locale).gettext(reason).format(**fields)
    return _message(job, Reply(text), now)


def _message(job: ExportJob, reply: Reply, now: datetime) -> OutboxMessage:
    request = job.request
    return OutboxMessage(
        key=f"export/{job.id}", person_id=request.person_id, channel=request.channel, chat_id=request.chat_id, reply=reply,
        kind=MessageKind.EXPORT, locale=request.locale, expires_at=now + EXPORT_LIFETIME,
    )  # fmt: skip
