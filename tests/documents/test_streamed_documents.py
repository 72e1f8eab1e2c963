"""The summary and the workbook a scope's supervisor gets, streamed from the database while they
are written, say exactly what the same documents say built whole from every answer at hand: on
the demo province (and its town Cửa Lò), with a unit whose answers try the writers (a newer
version of an answer, a skipped criterion, an answer to a criterion its form does not have, line
breaks, tabs, a pasted control character, XML's own characters, spaces at either end), read back from the files with python-docx and openpyxl and
compared with the documents as data, text for text, cell for cell, on SQLite and PostgreSQL.

The documents at hand read each report's answers one report at a time (`answers`, the read a
unit's own report uses) and count them in Python as /tieuchi counts (tests/documents/at_hand.py);
the streamed ones read what the database counted and what it gives a question or a batch of
reports at a time."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import docx
import openpyxl
from docx.oxml.ns import qn

from app.documents import FileDocuments
from app.docx_body import clean
from bot.base.answers import SKIPPED
from bot.base.forms import Form, LocalText
from bot.base.letterhead import Letterhead
from bot.catalog.loading import load_catalog
from bot.documents.exports import rows_under, summary_document, workbook_document
from bot.documents.model import Block, Cell, Heading, Paragraph, Table, Workbook
from bot.documents.scope_summary import ScopeSource, read_tallies, scope_summary
from bot.documents.unit_report import place_of
from bot.documents.workbook import WorkbookSource, scope_workbook
from bot.organisation.units import UnitTree
from bot.reporting.prompts import Prompts
from storage.demo_seed import load_demo
from storage.unit_of_work import UnitOfWorkFactory
from tests import report_moves
from tests.documents.at_hand import AnswersAtHand, report_at_hand, rows_at_hand, workbook_at_hand

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
CATALOG = load_catalog()
TODAY = date(2026, 12, 7)  # the rehearsal runs, and the 2023 review holds the demo's filed reports
NOW = datetime(2023, 11, 22, 9, 0, tzinfo=ZONE)
P = Prompts("vi", ZONE)
CAMPAIGN = "so-ket-2023"
TRYING = {
    "TC.1": {"status": "chua_dat", "narrative": "Bản đầu."},  # replaced by a newer version below
    "TC.2": SKIPPED,
    "TC.3": {"status": "chua_den", "eligible": True, "narrative": "  Chờ xét & <đủ> điều kiện\nDòng hai\tcột\x0b "},
    "TC.4": {"status": "dat", "narrative": "", "files": [{"kind": "photo", "ref": "a", "size": 1}] * 3},
    "I.1": {"text": " Phường có 12 khối phố;\n\nđường \"A\" & 'B' <mới>\r\nhết "},
    "TC.99": {"status": "dat", "narrative": "Một tiêu chí mẫu không còn."},  # counted by its report row, not by the form
}


class Settings:
    """What an export needs of the composition root, as FeatureSettings gives it."""

    def __init__(self, folder: Path) -> None:
        self.forms: dict[str, Form] = dict(CATALOG.forms)
        self.documents = FileDocuments(folder)

    def kind_label(self, kind: str) -> LocalText:
        return CATALOG.kind_label(kind)

    def letterhead(self, kind: str) -> Letterhead:
        return CATALOG.letterhead(kind)


async def demo_province(factory: UnitOfWorkFactory) -> None:
    """The demo as `seed demo` loads it, and a ward's report that tries the writers, handed in."""
    async with factory() as uow:
        await load_demo(uow, CATALOG, TODAY, ZONE)
    async with factory() as uow:
        tree = UnitTree(await uow.units.units())
        ward = tree.by_code("CAP-CL-NGHIHUONG")
        assert ward is not None
        report = await uow.reports.open_unit(CAMPAIGN, ward.id, NOW)
        assert report is not None
        await uow.reports.save_answers(report.id, TRYING, None, NOW)
        await uow.reports.save_answers(report.id, {"TC.1": {"status": "dat", "narrative": "Bản sau, mới nhất."}}, None, NOW)
        await report_moves.submit(uow, report.id, None, NOW)


async def test_the_streamed_summary_and_workbook_say_what_the_documents_at_hand_say(uow_factory: UnitOfWorkFactory, tmp_path: Path) -> None:
    await demo_province(uow_factory)
    settings = Settings(tmp_path)
    for scope in ("NA", "NA-CL"):
        async with uow_factory() as uow:
            tree = UnitTree(await uow.units.units())
            root = tree.by_code(scope)
            assert root is not None
            [campaign] = [c for c in await uow.units.campaigns() if c.code == CAMPAIGN]
            within = tree.subtree([root.id])
            _text, summary = await summary_document(uow, tree, root, within, campaign, settings, P, TODAY)
            _text, workbook = await workbook_document(uow, tree, root, within, campaign, settings, P)
            assert summary is not None and workbook is not None
            rows = await rows_under(uow, tree, root, within, campaign)
            opened = [row for row in rows if row.report_id is not None]
            at_hand = AnswersAtHand(
                {row.report_id: await uow.reports.answers(row.report_id) for row in opened if row.report_id is not None},
                {row.report_id: tree.get(row.unit_id).code for row in opened if row.report_id is not None},
            )
            counted_at_hand = rows_at_hand(rows, at_hand, settings.forms)
            source = ScopeSource(root, tree, counted_at_hand, at_hand, settings.forms, settings.kind_label, place_of(tree, root), campaign.title.vi,
                                 settings.letterhead, campaign.issuer, campaign.closed(TODAY))  # fmt: skip
            whole = await report_at_hand(scope_summary(source, await read_tallies(source), TODAY, ZONE))
            sheets = await workbook_at_hand(
                scope_workbook(WorkbookSource(tree, counted_at_hand, at_hand, settings.forms, campaign.title.vi, campaign.report_due), P, ZONE)
            )
        said = docx_lines(summary.path)
        body, annex = document_lines(whole.blocks), document_lines(whole.annex)
        frame = 5  # the header's two rows, "BÁO CÁO", the subject and the rule under it
        assert said[frame : frame + len(body)] == body, scope
        assert said[frame + len(body) + 1 :] == annex, scope  # after the signer's block
        assert len(body) > 20 and len(annex) > 20
        assert xlsx_cells(workbook.path) == workbook_cells(sheets), scope
    assert "Công an phường Nghi Hương: Phường có 12 khối phố;" in annex  # the report that tries the writers is there


def document_lines(blocks: Sequence[Block]) -> list[str]:
    """The blocks as python-docx reads them back: a paragraph's text (a tab and a line break as
    such, a control character dropped), a table's rows a line each, and the paragraph after a table."""
    lines = []
    for block in blocks:
        if isinstance(block, Heading | Paragraph):
            lines.append(clean(block.text).replace("\r", "\n"))
        elif isinstance(block, Table):
            lines += [" | ".join(clean(text) for text in row) for row in (block.columns, *block.rows)]
            lines.append("")
    return lines


def docx_lines(path: str) -> list[str]:
    document = docx.Document(path)
    lines = []
    for element in document.element.body.iterchildren():
        if element.tag == qn("w:p"):
            lines.append(docx.text.paragraph.Paragraph(element, document).text)
        elif element.tag == qn("w:tbl"):
            table = docx.table.Table(element, document)
            lines += [" | ".join(cell.text for cell in row.cells) for row in table.rows]
    return lines


def workbook_cells(workbook: Workbook) -> list[tuple[str, list[tuple[Cell, ...]]]]:
    """The sheets' cells as openpyxl reads them back: a date as midnight, a time as the wall
    clock, a control character dropped."""

    def read_back(value: Cell) -> Cell:
        if isinstance(value, datetime):
            return value.replace(tzinfo=None)
        if isinstance(value, date):
            return datetime(value.year, value.month, value.day)
        if isinstance(value, str):
            return openpyxl.cell.cell.ILLEGAL_CHARACTERS_RE.sub("", value) or None
        return value

    return [
        (sheet.name, [sheet.columns, *(tuple(read_back(value) for value in row) for row in sheet.rows)])
        for sheet in workbook.sheets
    ]


def xlsx_cells(path: str) -> list[tuple[str, list[tuple[Cell, ...]]]]:
    book = openpyxl.load_workbook(path)
    return [(sheet.title, list(sheet.iter_rows(values_only=True))) for sheet in book.worksheets]
