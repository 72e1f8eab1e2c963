"""The report as the engine reads it (bot.reporting.report.ReportContext), made from the report as
storage gives it, its answers, and what the unit answered last time, in the reader's language."""

from __future__ import annotations

from collections.abc import Mapping
from zoneinfo import ZoneInfo

from bot.base.answers import AnswerValue
from bot.base.deadline import deadline_of
from bot.base.forms import Form
from bot.base.records import PreviousAnswers, ReportRecord
from bot.reporting.report import ReportContext

__all__ = ["report_context"]


def report_context(
    report: ReportRecord,
    form: Form,
    answers: Mapping[str, AnswerValue],
    previous: PreviousAnswers | None,
    locale: str,
    zone: ZoneInfo,
) -> ReportContext:
    return ReportContext(
        report_id=report.id,
        form=form,
        answers=answers,
        status=report.status,
        unit_name=report.unit_name,
        campaign_title=report.campaign_title.get(locale),
        deadline=deadline_of(report.report_due, zone) if report.report_due else None,
        opens=report.campaign_opens,
        receipt_no=report.receipt_no,
        submitted_at=report.submitted_at,
        reopened=report.reopened,
        needs_revision=report.needs_revision,
        submissions=report.submissions,
        return_comment=report.return_comment,
        previous_answers=previous.answers if previous else {},
        previous_campaign=previous.campaign_code if previous else "",
        previous_title=previous.campaign_title.get(locale) if previous else "",
    )
