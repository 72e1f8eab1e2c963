"""The compiled summary a district or the province files for the units below it: who took part,
phrased as the outline phrases it ("Tại 07/07 Công an phường thuộc thị xã Cửa Lò; …"), who has
reported, how the units stand on each criterion, and the units' own words by item as an annex.
Criteria are counted from the reports handed in (submitted, resubmitted or approved) as /tieuchi
counts them (bot.reporting.criteria_counts), by the database: a province's summary reads what
it shows as counts counted (`AnswerTallies`), and the annex's answers a question at a time while
the document is written; the wording is here, the reading in bot/documents/exports.py."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from bot.base.answers import AnswerValue, files_of
from bot.base.forms import CriterionStatus, Form, LocalText, Question, QuestionKind
from bot.base.letterhead import Letterhead
from bot.base.ports import AnswerReads
from bot.base.records import Enrolment, UnitRecord
from bot.base.report_status import ReportStatus
from bot.documents.issuer import issuer_of, lower_first
from bot.documents.model import (
    Block,
    Heading,
    OfficialReport,
    Paragraph,
    Table,
    place_and_date,
)
from bot.documents.unit_report import (
    DOCUMENT_LOCALE,
    answer_text,
    document_label,
    heading_of,
    issued_by,
    item_heading,
    name_in_sentence,
    stated,
    text_lines,
)
from bot.organisation.units import UnitTree
from bot.reporting.criteria_counts import CriteriaCount, counted
from bot.reporting.prompts import REPORT_STATUS_LABELS, Prompts
from bot.reporting.standing import standing_of

__all__ = ["AnswerTallies", "ScopeSource", "participation", "read_tallies", "scope_summary"]


@dataclass(frozen=True)
class ScopeSource:
    """What a summary is made from: the scope's root, its enrolled units, and the reads of the
    answers of those that handed their report in."""

    root: UnitRecord
    tree: UnitTree
    rows: Sequence[Enrolment]
    reads: AnswerReads
    forms: Mapping[str, Form]
    kind_label: Callable[[str], LocalText]
    place: str
    campaign_title: str
    letterhead: Callable[[str], Letterhead]  # how each kind of unit issues its documents
    campaign_issuer: Letterhead | None = None  # who issues the summary of the whole province
    closed: bool = False  # the campaign has closed: who did not hand in, did not, as history says


@dataclass(frozen=True)
class AnswerTallies:
    """What the summary says of the answers handed in only as counts, counted by the database."""

    units: Mapping[int, CriteriaCount]  # each unit's criteria, by unit id
    criteria: Mapping[tuple[str, str], CriteriaCount]  # each criterion's units, by form and question
    answers: Sequence[tuple[str, AnswerValue, int]]  # (question, answer, units) for the figures


async def read_tallies(source: ScopeSource) -> AnswerTallies:
    """Each criterion's units counted by the database per form; each unit's criteria as its
    report row keeps them counted, unless the counts show an answer to a criterion its form no
    longer has (the row counts every criterion answered), and then counted by the database too;
    and the figures' answers: a few statements, a row per unit at most, whatever the number of
    answers."""
    handed_in = [row for row in source.rows if row.handed_in]
    units: dict[int, CriteriaCount] = {}
    criteria: dict[tuple[str, str], CriteriaCount] = {}
    for form_id in sorted({row.form_id for row in handed_in}):
        form = source.forms[form_id]
        ids = [q.id for q in form if q.kind is QuestionKind.CRITERION]
        of_form = [row for row in handed_in if row.form_id == form_id and row.report_id is not None]
        if not ids or not of_form:
            continue
        reports = report_ids(of_form)
        statuses_given = 0
        for question_id, tally in (await source.reads.criteria_by_question(reports, ids)).items():
            statuses: Counter[CriterionStatus] = Counter()
            for (status, _eligible), n in tally.items():
                statuses[status] += n
            statuses_given += statuses.total()
            eligible = tally.get((CriterionStatus.NOT_YET_DUE, True), 0)
            criteria[form_id, question_id] = counted(statuses, len(reports), eligible)
        kept: Mapping[int, Mapping[CriterionStatus, int]] = {row.report_id or 0: row.criteria for row in of_form}
        if sum(sum(by_status.values()) for by_status in kept.values()) != statuses_given:
            kept = await source.reads.criteria_by_report(reports, ids)  # a report without a status is absent
        units.update((row.unit_id, counted(kept.get(row.report_id or 0, {}), len(ids))) for row in of_form)
    shown = [q.id for q in outline_questions(source, handed_in) if q.kind is not QuestionKind.TEXT]
    answers = await source.reads.answer_counts(report_ids(handed_in), shown) if shown else []
    return AnswerTallies(units, criteria, answers)


def report_ids(rows: Sequence[Enrolment]) -> list[int]:
    return [row.report_id for row in rows if row.report_id is not None]


def scope_summary(source: ScopeSource, tallies: AnswerTallies, today: date, zone: ZoneInfo) -> OfficialReport:
    p = Prompts(DOCUMENT_LOCALE, zone)
    _ = p._
    names = {row.unit_id: source.tree.get(row.unit_id).name for row in source.rows}
    handed_in = [row for row in source.rows if row.handed_in]
    blocks: list[Block] = [
        Paragraph(_("{area} compiles the results of the {subject} of {n} units as follows:").format(
            area=source.root.name, subject=lower_first(source.campaign_title), n=len(source.rows)
        )),
        Heading(_("I. WHO TOOK PART AND WHO HAS REPORTED")),
    ]  # fmt: skip
    blocks += [Paragraph(line) for line in participation(source, p)]
    blocks += reporting_blocks(source, p, today)
    blocks += status_lists(source, p, names)
    blocks.append(Heading(_("II. RESULTS ON THE CRITERIA")))
    if not handed_in:
        blocks.append(Paragraph(_("No unit has handed in its report yet."), note=True))
    for form_id in sorted({row.form_id for row in handed_in}):
        form = source.forms[form_id]
        if form.criteria_count:
            rows = sorted((row for row in handed_in if row.form_id == form_id), key=lambda row: source.tree.name_key(row.unit_id))
            blocks += criteria_blocks(p, form, rows, names, tallies)
    blocks += figures(source, p, handed_in, tallies)
    subject = _("Summary of the {subject}").format(subject=lower_first(source.campaign_title))
    return issued_by(
        p, issuer_of(source.tree, source.root, source.letterhead, province_issuer(source)), place_and_date(source.place, today), subject, blocks,
        annex(source, p, handed_in, names),
    )  # fmt: skip


def province_issuer(source: ScopeSource) -> Letterhead | None:
    """The campaign's issuer signs the summary of the whole tree; a district's is its own."""
    return None if source.tree.ancestors(source.root.id) else source.campaign_issuer


def participation(source: ScopeSource, p: Prompts) -> list[str]:
    """Per kind of unit, a sentence saying where the units taking part are: "Có 07/07 Công an
    phường thuộc thị xã Cửa Lò; 04/04 … và 05 Công an phường thuộc thành phố Vinh tham gia sơ
    kết" — "07/07" where every unit of the kind there takes part, "05" alone where only some do;
    units right under the scope's root (a department) are those "of" the root, and the root's
    own report (a district's) is said as such."""
    _ = p._
    tree, enrolled, root = source.tree, {row.unit_id for row in source.rows}, source.root
    children = tree.children(root.id)
    below = {branch.id: tree.subtree([branch.id]) - {branch.id} for branch in children}

    def share(units: list[int]) -> str:
        taking_part = sum(1 for unit_id in units if unit_id in enrolled)
        return f"{taking_part:02d}/{len(units):02d}" if taking_part == len(units) else f"{taking_part:02d}"

    lines = []
    for kind in sorted({tree.get(row.unit_id).kind for row in source.rows}):
        label = source.kind_label(kind).vi
        if root.kind == kind and root.id in enrolled:
            lines.append(_("{area} takes part with its own report ({kind}).").format(area=root.name, kind=lower_first(label)))
        direct = [unit.id for unit in children if unit.kind == kind]
        parts = []
        if any(unit_id in enrolled for unit_id in direct):
            parts.append(_("{share} {kind} of {place}").format(share=share(direct), kind=label, place=name_in_sentence(root.name)))
        for branch in children:
            of_kind = [unit_id for unit_id in below[branch.id] if tree.get(unit_id).kind == kind]
            if any(unit_id in enrolled for unit_id in of_kind):
                parts.append(_("{share} {kind} in {place}").format(share=share(of_kind), kind=label, place=name_in_sentence(branch.name)))
        if parts:
            listed = "; ".join(parts[:-1]) + (_(" and ") if len(parts) > 1 else "") + parts[-1]
            lines.append(_("{list} took part in the review.").format(list=listed))
    return lines


def reporting_blocks(source: ScopeSource, p: Prompts, today: date) -> list[Block]:
    """Per kind of unit, counted as /tinhhinh counts (bot.reporting.standing); where a kind files both a
    report on its criteria and a compiled one, a sentence says what each row holds."""
    _ = p._
    standing = standing_of(
        source.rows, source.tree, (source.root.id,), lambda form_id: len(source.forms[form_id]),
        lambda form_id: source.forms[form_id].criteria_count == 0, {}, None, today,
    )  # fmt: skip
    rows = []
    for group, tally in sorted(standing.by_kind.items()):
        rows.append((
            standing.group_name(group, lambda kind: source.kind_label(kind).vi, _), f"{tally.enrolled:02d}",
            f"{tally.submitted:02d}", f"{tally.approved:02d}", f"{tally.returned:02d}", f"{tally.enrolled - tally.submitted:02d}",
        ))  # fmt: skip
    columns = (_("Kind of unit"), _("Taking part"), _("Handed in"), _("Approved"), _("Returned"), missing_label(source, p))
    blocks: list[Block] = [Table(columns, tuple(rows), widths=(3.0, 1.2, 1.2, 1.2, 1.2, 1.4))]
    for kind, narrative in sorted(standing.by_kind):
        if narrative and (kind, False) in standing.by_kind:
            blocks.append(Paragraph(_(
                "The row “{kind}” counts the units that assess themselves on their criteria; the row “{compiled}” counts "
                "the reports that compile, along the outline and without criteria, the results of the units in their area."
            ).format(kind=source.kind_label(kind).vi, compiled=standing.group_name((kind, True), lambda k: source.kind_label(k).vi, _))))
    return blocks


def status_lists(source: ScopeSource, p: Prompts, names: Mapping[int, str]) -> list[Block]:
    """The units not yet handed in, returned and approved, by name: whom to chase, whom to wait for."""
    _ = p._
    blocks: list[Block] = []
    groups: tuple[tuple[str, Callable[[Enrolment], bool]], ...] = (
        (missing_label(source, p), lambda row: not row.handed_in and row.status is not ReportStatus.RETURNED),
        (_(REPORT_STATUS_LABELS[ReportStatus.RETURNED]).capitalize(), lambda row: row.status is ReportStatus.RETURNED),
        (_(REPORT_STATUS_LABELS[ReportStatus.APPROVED]).capitalize(), lambda row: row.status is ReportStatus.APPROVED),
    )
    for title, belongs in groups:
        units = [names[unit_id] for unit_id in sorted((row.unit_id for row in source.rows if belongs(row)), key=source.tree.name_key)]
        if units:
            blocks.append(Paragraph(f"{title} ({len(units):02d}): {', '.join(units)}."))
    return blocks


def missing_label(source: ScopeSource, p: Prompts) -> str:
    """Those without a report: "not yet" while the campaign is open, "did not" once it closed."""
    return p._("Did not hand in") if source.closed else p._("Not yet handed in")


def criteria_blocks(p: Prompts, form: Form, rows: Sequence[Enrolment], names: Mapping[int, str], tallies: AnswerTallies) -> list[Block]:
    """How many units reached each criterion of the form, then where each unit stands (`rows` in
    the order they are listed)."""
    _ = p._
    criteria = [q for q in form if q.kind is QuestionKind.CRITERION]
    per_criterion = []
    for question in criteria:
        count = tallies.criteria.get((form.id, question.id)) or counted({}, len(rows))
        per_criterion.append((
            str(question.criterion_number), question.prompt.vi, f"{count.met:02d}", f"{count.not_met:02d}",
            f"{count.not_yet_due:02d} ({count.eligible:02d})", f"{count.unanswered:02d}",
        ))  # fmt: skip
    per_unit = []
    for row in rows:
        count = tallies.units.get(row.unit_id) or counted({}, len(criteria))
        per_unit.append((names[row.unit_id], _("met {met}/{total} criteria").format(met=f"{count.met:02d}", total=f"{count.total:02d}"),
                         f"{count.not_met:02d}", f"{count.not_yet_due:02d}"))  # fmt: skip
    title = _("{form}: {n} reports handed in, on {criteria} criteria").format(form=form.title.vi, n=len(rows), criteria=len(criteria))
    return [
        Heading(title, 2),
        Table(
            (_("No."), _("Criterion"), _("Met"), _("Not met"), _("Not yet due (meeting the conditions)"), _("Not answered")),
            tuple(per_criterion), widths=(0.6, 3.8, 0.9, 1.0, 1.6, 1.0),
        ),
        Table((_("Unit"), _("Result"), _("Not met"), _("Not yet due")), tuple(per_unit), widths=(3.6, 2.2, 1.0, 1.2)),
    ]


def figures(source: ScopeSource, p: Prompts, rows: Sequence[Enrolment], tallies: AnswerTallies) -> list[Block]:
    """Every answer that is neither a text nor a criterion, compiled over the reports handed in:
    numbers added up, choices counted, dates from the first to the last, files counted. Each
    unit's own answer is in the annex."""
    _ = p._
    blocks: list[Block] = []
    for question in outline_questions(source, rows):
        given = [(value, n) for question_id, value, n in tallies.answers if question_id == question.id and stated(value)]
        if question.kind is QuestionKind.TEXT or not given:
            continue
        match question.kind:
            case QuestionKind.CHOICE:
                chosen: Counter[str] = Counter()
                for value, n in given:
                    chosen[answer_text(p, question, value)] += n
                said = "; ".join(f"{choice} ({units_count(p, n)})" for choice, n in chosen.most_common())
            case QuestionKind.NUMBER:
                said = _("{total} in all").format(total=p.fmt.number(sum(value["number"] * n for value, n in given)))
            case QuestionKind.DATE:
                days = sorted(date.fromisoformat(value["date"]) for value, _n in given)
                said = p.fmt.date(days[0]) if days[0] == days[-1] else _("from {first} to {last}").format(
                    first=p.fmt.date(days[0]), last=p.fmt.date(days[-1])
                )  # fmt: skip
            case _:
                said = p.files_count(sum(len(files_of(value)) * n for value, n in given))
        if question.kind is not QuestionKind.CHOICE:
            said = f"{said} ({units_count(p, sum(n for _value, n in given))})"
        blocks.append(Paragraph(f"{document_label(question)}: {said}."))
    return [Heading(_("III. FIGURES FROM THE UNITS' REPORTS")), *blocks] if blocks else []


def units_count(p: Prompts, n: int) -> str:
    return p.ngettext("{n} unit", "{n} units", n).format(n=f"{n:02d}")


def outline_questions(source: ScopeSource, rows: Sequence[Enrolment]) -> list[Question]:
    """The questions of the forms these units answered that are not criteria, once each, in form order."""
    questions: dict[str, Question] = {}
    for form_id in sorted({row.form_id for row in rows}):
        for question in source.forms[form_id]:
            if question.kind is not QuestionKind.CRITERION:
                questions.setdefault(question.id, question)
    return list(questions.values())


async def annex(source: ScopeSource, p: Prompts, rows: Sequence[Enrolment], names: Mapping[int, str]) -> AsyncIterator[list[Block]]:
    """What the units reported, item by item of the outline, from the reports handed in: their
    words under each item, every other answer by unit, and numbers added up first. Read and
    written an item at a time: a province's annex is the bulk of its summary."""
    _ = p._
    yield [Heading(_("ANNEX: WHAT THE UNITS REPORTED, ITEM BY ITEM"))]
    section, said = "", False
    ordered = sorted(rows, key=lambda row: source.tree.name_key(row.unit_id))
    ids = report_ids(ordered)
    for question in outline_questions(source, rows):
        answers = await source.reads.answers_to_question(ids, question.id)
        given = [
            (names[row.unit_id], value)
            for row in ordered
            if row.report_id is not None and stated(value := answers.get(row.report_id))
        ]
        if not given:
            continue
        said = True
        blocks: list[Block] = []
        if question.section.vi != section:
            section = question.section.vi
            blocks.append(heading_of(section))
        blocks += item_heading(question)
        if question.kind is QuestionKind.TEXT:
            blocks.append(Heading(document_label(question) if question.document else question.prompt.vi, 2))
            for name, value in given:
                first, *rest = text_lines(value)
                blocks += [Paragraph(f"{name}: {first}"), *(Paragraph(line) for line in rest)]
            yield blocks
            continue
        blocks.append(Heading(document_label(question), 2))
        if question.kind is QuestionKind.NUMBER:
            total = sum(value["number"] for _name, value in given)
            blocks.append(Paragraph(_("In all, {n} units: {total}.").format(n=f"{len(given):02d}", total=p.fmt.number(total))))
        blocks += [Paragraph(f"{name}: {answer_text(p, question, value)}.") for name, value in given]
        yield blocks
    if not said:
        yield [Paragraph(_("No unit has handed in its report yet."), note=True)]
