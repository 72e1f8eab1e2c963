"""A scope's reports as a workbook a district works in: a status sheet (a row per unit, with how
many criteria it meets), a sheet per criteria form (a row per unit and criterion: the result, what
was done, the evidence count), a sheet of the outline's other answers (texts, the review's form
and date, numbers such as inspections, files). Every unit's current answers, handed in or not;
the status column tells which.

The sheets are long, not wide: a handful of columns whatever the number of criteria, so a sheet
prints one page wide at a size people read, and filters by unit or criterion and pivots in Excel.

A province's workbook has half a million rows: each sheet reads its answers a batch of units at a
time (`BATCH`) while the file is written, so no sheet is ever held whole."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.base.answers import AnswerValue, files_of
from bot.base.forms import CriterionStatus, Form, Question, QuestionKind
from bot.base.ports import AnswerReads
from bot.base.records import Enrolment
from bot.documents.model import Cell, Sheet, Workbook
from bot.documents.unit_report import answer_text, document_label, stated, verdict
from bot.organisation.units import UnitTree
from bot.reporting.criteria_counts import counted
from bot.reporting.prompts import Prompts, status_word

__all__ = ["BATCH", "WorkbookSource", "scope_workbook"]

BATCH = 250
"""Units whose answers a sheet reads in one go: 8,500 criteria answers, some 6 MB decoded, where
1,000 units held 30 MB more at the peak and took no less time."""

Row = tuple[Cell, ...]


@dataclass(frozen=True)
class WorkbookSource:
    tree: UnitTree
    rows: Sequence[Enrolment]
    reads: AnswerReads  # every report opened, its answers read while the sheets are written
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


def batches(rows: Sequence[Enrolment]) -> list[tuple[Sequence[Enrolment], list[int]]]:
    """The rows a batch at a time, each with the ids of the reports opened among them."""
    return [
        (part, [row.report_id for row in part if row.report_id is not None])
        for part in (rows[start : start + BATCH] for start in range(0, len(rows), BATCH))
    ]


def unit_cells(source: WorkbookSource, row: Enrolment) -> tuple[Cell, ...]:
    unit = source.tree.get(row.unit_id)
    parent = source.tree.get(unit.parent_id).name if unit.parent_id is not None and unit.parent_id in source.tree else ""
    return unit.code, unit.name, parent


def status_sheet(source: WorkbookSource, p: Prompts, rows: Sequence[Enrolment], zone: ZoneInfo) -> Sheet:
    _ = p._
    columns = (
        _("Unit code"), _("Unit"), _("Parent unit"), _("Status"), _("Answered"), _("Questions"), _("Criteria met"),
        _("Number of criteria"), _("Deadline"), _("Handed in at"), _("Receipt number"), _("Last activity"),
    )  # fmt: skip
    return Sheet(_("Status"), columns, status_rows(source, p, rows, zone), widths=(16, 28, 20, 14, 9, 9, 9, 9, 11, 17, 14, 17))


async def status_rows(source: WorkbookSource, p: Prompts, rows: Sequence[Enrolment], zone: ZoneInfo) -> AsyncIterator[list[Row]]:
    """Criteria met counted by the database, a form at a time."""
    _ = p._
    met: dict[int | None, int] = {}
    for form_id in sorted({row.form_id for row in rows}):
        ids = [q.id for q in source.forms[form_id] if q.kind is QuestionKind.CRITERION]
        opened = [row.report_id for row in rows if row.form_id == form_id and row.report_id is not None]
        if ids and opened:
            tally = await source.reads.criteria_by_report(opened, ids)
            met.update((report_id, counted(by_status, len(ids)).met) for report_id, by_status in tally.items())

    def local(instant: datetime | None) -> datetime | None:
        return instant.astimezone(zone) if instant is not None else None

    sizes = {form_id: (len(form), form.criteria_count) for form_id, form in source.forms.items()}  # counted once, not per row
    for part, _ids in batches(rows):
        table = []
        for row in part:
            questions, criteria = sizes[row.form_id]
            table.append((
                *unit_cells(source, row), _(status_word(row.status, row.answered)), row.answered, questions,
                met.get(row.report_id, 0) if criteria else None, criteria or None,
                row.report_due(source.campaign_due), local(row.submitted_at), row.receipt_no, local(row.last_activity),
            ))  # fmt: skip
        yield table


def criteria_sheet(source: WorkbookSource, p: Prompts, form: Form, rows: Sequence[Enrolment]) -> Sheet:
    """A row per unit and criterion, the criterion's number a number and its whole text beside it,
    so a filter on either column, or a pivot, reads the form by unit or by criterion."""
    _ = p._
    columns = (
        _("Unit code"), _("Unit"), _("Parent unit"), _("Criterion"), _("Criterion text"), _("Result"), _("What was done"),
        _("Evidence files"),
    )  # fmt: skip
    return Sheet(sheet_name(form, p), columns, criteria_rows(source, p, form, rows), widths=(16, 26, 20, 8, 34, 20, 48, 13))


async def criteria_rows(source: WorkbookSource, p: Prompts, form: Form, rows: Sequence[Enrolment]) -> AsyncIterator[list[Row]]:
    criteria = [(q.id, q.criterion_number, q.prompt.get(p.locale)) for q in form if q.kind is QuestionKind.CRITERION]
    verdicts: dict[tuple[str, bool | None], str] = {}

    def result(value: AnswerValue) -> str | None:
        """The verdict, worked out once for each status and eligibility."""
        status = value.get("status")
        if status is None:
            return None
        key = (status, value.get("eligible"))
        if key not in verdicts:
            verdicts[key] = verdict(p, CriterionStatus(status), value)
        return verdicts[key]

    for part, ids in batches(rows):
        answers = await source.reads.answers_of(ids, criteria=True) if ids else {}
        table = []
        for row in part:
            unit = unit_cells(source, row)
            given = answers.get(row.report_id, {}) if row.report_id is not None else {}
            for question_id, number, text in criteria:
                value = given.get(question_id)
                if value is None:
                    table.append((*unit, number, text, None, None, None))
                else:
                    table.append((*unit, number, text, result(value), value.get("narrative"), len(value.get("files", ())) or None))
        yield table


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
    columns = (_("Unit code"), _("Unit"), _("Parent unit"), _("No."), _("Section"), _("Item"), _("Answer"), _("Files"))
    return Sheet(_("Outline answers"), columns, outline_rows(source, p, rows), widths=(16, 24, 18, 6, 24, 32, 52, 8))


async def outline_rows(source: WorkbookSource, p: Prompts, rows: Sequence[Enrolment]) -> AsyncIterator[list[Row]]:
    items = {
        form_id: [
            (number, question, question.section.vi, document_label(question))
            for number, question in enumerate(source.forms[form_id], start=1)
            if question.kind is not QuestionKind.CRITERION
        ]
        for form_id in {row.form_id for row in rows}
    }
    for part, ids in batches(rows):
        answers = await source.reads.answers_of(ids, criteria=False) if ids else {}
        table = []
        for row in part:
            given = answers.get(row.report_id, {}) if row.report_id is not None else {}
            unit = unit_cells(source, row)
            for number, question, section, item in items[row.form_id]:
                value = given.get(question.id)
                if stated(value):
                    table.append((*unit, number, section, item, typed(p, question, value), len(files_of(value)) or None))
        yield table


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
