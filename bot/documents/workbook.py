"""A scope's reports as a workbook a district works in: a status sheet (a row per unit, with how
many criteria it meets), a sheet per criteria form (a row per unit and criterion: the result, what
was done, the evidence count), a sheet of the outline's other answers (texts, the review's form
and date, numbers such as inspections, files). Every unit's current answers, handed in or not;
the status column tells which.

The sheets are long, not wide: a handful of columns whatever the number of criteria, so a sheet
prints one page wide at a size people read, and filters by unit or criterion and pivots in Excel."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.base.answers import AnswerValue, criterion_status, files_of
from bot.base.forms import Form, Question, QuestionKind
from bot.base.records import Enrolment
from bot.documents.model import Cell, Sheet, Workbook
from bot.documents.unit_report import answer_text, document_label, stated, verdict
from bot.organisation.units import UnitTree
from bot.reporting.criteria_counts import count_criteria
from bot.reporting.prompts import Prompts, status_word

__all__ = ["WorkbookSource", "scope_workbook"]


@dataclass(frozen=True)
class WorkbookSource:
    tree: UnitTree
    rows: Sequence[Enrolment]
    answers: Mapping[int, Mapping[str, AnswerValue]]  # by unit id, every report opened
    forms: Mapping[str, Form]
    campaign_title: str
    campaign_due: date | None


def scope_workbook(source: WorkbookSource, p: Prompts, zone: ZoneInfo) -> Workbook:
    _ = p._
    rows = sorted(source.rows, key=lambda row: source.tree.get(row.unit_id).code)
    sheets = [status_sheet(source, p, rows, zone)]
    for form_id in sorted({row.form_id for row in rows}):
        form = source.forms[form_id]
        if form.criteria_count:
            sheets.append(criteria_sheet(source, p, form, [row for row in rows if row.form_id == form_id]))
    sheets.append(outline_sheet(source, p, rows))
    return Workbook(_("Reports — {campaign}").format(campaign=source.campaign_title), tuple(sheets))


def unit_cells(source: WorkbookSource, row: Enrolment) -> tuple[Cell, ...]:
    unit = source.tree.get(row.unit_id)
    parent = source.tree.get(unit.parent_id).name if unit.parent_id is not None and unit.parent_id in source.tree else ""
    return unit.code, unit.name, parent


def status_sheet(source: WorkbookSource, p: Prompts, rows: Sequence[Enrolment], zone: ZoneInfo) -> Sheet:
    _ = p._

    def local(instant: datetime | None) -> datetime | None:
        return instant.astimezone(zone) if instant is not None else None

    table = []
    for row in rows:
        form = source.forms[row.form_id]
        met = count_criteria(form, source.answers.get(row.unit_id, {})).met if form.criteria_count else None
        table.append((
            *unit_cells(source, row), _(status_word(row.status, row.answered)), row.answered, len(form),
            met, form.criteria_count or None, row.report_due(source.campaign_due), local(row.submitted_at), row.receipt_no,
            local(row.last_activity),
        ))  # fmt: skip
    columns = (
        _("Unit code"), _("Unit"), _("Parent unit"), _("Status"), _("Answered"), _("Questions"), _("Criteria met"),
        _("Number of criteria"), _("Deadline"), _("Handed in at"), _("Receipt number"), _("Last activity"),
    )  # fmt: skip
    return Sheet(_("Status"), columns, tuple(table), widths=(16, 28, 20, 14, 9, 9, 9, 9, 11, 17, 14, 17))


def criteria_sheet(source: WorkbookSource, p: Prompts, form: Form, rows: Sequence[Enrolment]) -> Sheet:
    """A row per unit and criterion, the criterion's number a number and its whole text beside it,
    so a filter on either column, or a pivot, reads the form by unit or by criterion."""
    _ = p._
    criteria = [q for q in form if q.kind is QuestionKind.CRITERION]
    columns = (
        _("Unit code"), _("Unit"), _("Parent unit"), _("Criterion"), _("Criterion text"), _("Result"), _("What was done"),
        _("Evidence files"),
    )  # fmt: skip
    table = []
    for row in rows:
        answers = source.answers.get(row.unit_id, {})
        for question in criteria:
            value = answers.get(question.id)
            status = criterion_status(value)
            table.append((
                *unit_cells(source, row), question.criterion_number, question.prompt.get(p.locale),
                verdict(p, status, value) if status else None, (value or {}).get("narrative"), len(files_of(value)) or None,
            ))  # fmt: skip
    return Sheet(sheet_name(form, p), columns, tuple(table), widths=(16, 26, 20, 8, 34, 20, 48, 13))


def sheet_name(form: Form, p: Prompts) -> str:
    """A form's sheet, named as people call the form (“Mẫu 22 tiêu chí”), not by its id: Excel
    allows 31 characters."""
    name = p.form_name(form)
    return (name[:1].upper() + name[1:])[:31]


def outline_sheet(source: WorkbookSource, p: Prompts, rows: Sequence[Enrolment]) -> Sheet:
    """Every answer that is not a criterion, one per row: the outline's item, whole, next to what
    the unit gave, typed (a number, a date, a choice, a text) so it sums and filters, and its
    files counted."""
    _ = p._
    table = []
    for row in rows:
        form = source.forms[row.form_id]
        answers = source.answers.get(row.unit_id, {})
        for number, question in enumerate(form, start=1):
            value = answers.get(question.id)
            if question.kind is not QuestionKind.CRITERION and stated(value):
                files = len(files_of(value)) or None
                table.append((*unit_cells(source, row), number, question.section.vi, document_label(question), typed(p, question, value), files))
    columns = (_("Unit code"), _("Unit"), _("Parent unit"), _("No."), _("Section"), _("Item"), _("Answer"), _("Files"))
    return Sheet(_("Outline answers"), columns, tuple(table), widths=(16, 24, 18, 6, 24, 32, 52, 8))


def typed(p: Prompts, question: Question, value: AnswerValue) -> Cell:
    """An answer as a cell of its own type; an attachment's answer is its files alone."""
    match question.kind:
        case QuestionKind.NUMBER:
            number: int = value["number"]
            return number
        case QuestionKind.DATE:
            return date.fromisoformat(value["date"])
        case QuestionKind.TEXT:
            text: str = value.get("text", "")
            return text
        case QuestionKind.ATTACHMENT:
            return None
        case _:
            return answer_text(p, question, value)
