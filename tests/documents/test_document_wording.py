"""What the documents say, read back from the DOCX files the product writes: every answer of
every form has its place in the unit report and in the summary, stated as a sentence and not as
the question the chat asked; numbers are added up; a text's line breaks start new paragraphs;
criterion texts are whole; names keep their capitals."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from pathlib import Path

import docx
import openpyxl

from app.documents import FileDocuments
from bot.base.answers import AnswerValue
from bot.base.forms import Form, Question, QuestionKind
from bot.documents.model import OfficialReport, Workbook
from bot.documents.unit_report import document_label, name_in_sentence
from bot.documents.workbook import scope_workbook
from tests.documents.at_hand import workbook_at_hand
from tests.documents.test_scope_exports import ZONE, P, province, source
from tests.documents.test_scope_summary import summary
from tests.documents.test_unit_report import CATALOG, report

FILES = [{"kind": "document", "file_id": f"f{n}", "path": f"f{n}.pdf", "size": 10, "name": f"f{n}.pdf"} for n in (1, 2)]
STATEMENTS = {
    "hinh-thuc": "Hình thức sơ kết: sơ kết bằng văn bản, ngày 05/11/2023.",
    "ngay-so-ket": "Hình thức sơ kết: sơ kết bằng văn bản, ngày 05/11/2023.",  # the review's date, in its form's sentence
    "II.3.so-cuoc": "Số cuộc kiểm tra, hướng dẫn đã tổ chức: 7.",
    "tai-lieu": "Tài liệu kèm theo: 2 tệp.",
}
"""How the unit report states each answer that is not a text or a criterion: a question of the
form missing here has no known place, and the walk below fails on it."""
ONE_UNIT_PER_FORM = {"cap-22": "CAP-CL-NGHIHAI", "cq-14": "CQ-DEMO-01", "huyen-32": "NA-CL", "de-cuong": "NA-HM", "xa-34": "XA-DEMO-01"}


def answer(question: Question, inspections: int = 7) -> AnswerValue:
    """A whole answer to any question, its text on two lines."""
    match question.kind:
        case QuestionKind.CRITERION:
            return {"status": "dat", "narrative": f"Đã triển khai tiêu chí {question.criterion_number}."}
        case QuestionKind.CHOICE:
            return {"choice": question.options[-1].code}
        case QuestionKind.NUMBER:
            return {"number": inspections}
        case QuestionKind.DATE:
            return {"date": "2023-11-05"}
        case QuestionKind.ATTACHMENT:
            return {"files": FILES}
        case _:
            return {"text": f"Công an phường\nđã làm mục {question.id}."}


def answers(form: Form, inspections: int = 7) -> dict[str, AnswerValue]:
    return {question.id: answer(question, inspections) for question in form}


async def workbook(filed: Mapping[str, Mapping[str, AnswerValue]]) -> Workbook:
    """The demo province's workbook with these answers, by unit code."""
    tree, rows, _answers = await province()
    by_unit = {unit.id: values for code, values in filed.items() if (unit := tree.by_code(code))}
    return await workbook_at_hand(scope_workbook(source(tree, rows, by_unit), P, ZONE))


async def written(report_: OfficialReport, tmp_path: Path) -> tuple[list[str], list[list[str]]]:
    """The paragraphs (body and cells) and the table rows of the file the product writes."""
    attachment = await FileDocuments(tmp_path).report(report_, "x.docx")
    document = docx.Document(attachment.path)
    rows = [[cell.text for cell in row.cells] for table in document.tables for row in table.rows]
    return [paragraph.text for paragraph in document.paragraphs] + [text for row in rows for text in row], rows


async def test_every_answer_of_every_form_has_its_place_in_the_unit_report(tmp_path: Path) -> None:
    for form in CATALOG.forms.values():
        said, rows = await written(report(answers(form), form), tmp_path)
        for question in form:
            if question.kind is QuestionKind.CRITERION:  # its row, the criterion's text whole
                number = str(question.criterion_number)
                assert [number, question.prompt.vi, "Đạt", f"Đã triển khai tiêu chí {number}.", "—"] in rows, (form.id, question.id)
            elif question.kind is QuestionKind.TEXT:  # each line a paragraph of its own
                assert {"Công an phường", f"đã làm mục {question.id}."} <= set(said) or (
                    f"{question.document.vi}: Công an phường" in said if question.document else False
                ), (form.id, question.id)
            else:
                assert STATEMENTS[question.id] in said, (form.id, question.id)
        assert "3. Công tác kiểm tra, hướng dẫn thực hiện tại cơ sở." in said  # the item the number opens
        chat = [line for line in said if "?" in line or "(tiếp)" in line or "Gửi bản báo cáo" in line]
        assert not chat, (form.id, chat)
        assert not [line for line in said if "phường\n" in line]  # no line break stretching a justified line


async def test_every_answer_of_every_form_has_its_place_in_the_summary_and_counts_are_added_up(tmp_path: Path) -> None:
    filed = {code: answers(CATALOG.forms[form_id]) for form_id, code in ONE_UNIT_PER_FORM.items()}
    filed["CAP-CL-NGHIHOA"] = answers(CATALOG.forms["cap-22"], inspections=5)
    document = await summary("NA", filed=filed)
    said, rows = await written(document, tmp_path)
    ward = "Công an phường Nghi Hải"
    assert "Tổng cộng 06 đơn vị: 40." in said  # 7 inspections in five units, 5 in Nghi Hòa
    assert f"{ward}: sơ kết bằng văn bản." in said and f"{ward}: 05/11/2023." in said
    assert f"{ward}: 7." in said and "Công an phường Nghi Hòa: 5." in said and f"{ward}: 2 tệp." in said
    for heading in ("Hình thức sơ kết", "Ngày sơ kết", "Số cuộc kiểm tra, hướng dẫn đã tổ chức", "Tài liệu kèm theo"):
        assert heading in said
    for form_id in ONE_UNIT_PER_FORM:
        for question in CATALOG.forms[form_id]:
            if question.kind is QuestionKind.CRITERION:  # counted per criterion, the text whole
                assert any(row[:2] == [str(question.criterion_number), question.prompt.vi] for row in rows), question.id
            elif question.kind is QuestionKind.TEXT:
                assert f"{ward}: Công an phường" in said and f"đã làm mục {question.id}." in said, question.id
            else:
                assert STATEMENTS[question.id].split(": ")[0] in said, question.id
    assert "3. Công tác kiểm tra, hướng dẫn thực hiện tại cơ sở." in said
    assert not [line for line in said if "(tiếp)" in line or "?" in line or "phường\n" in line]
    figures = said[said.index("III. SỐ LIỆU TỔNG HỢP TỪ BÁO CÁO CỦA CÁC ĐƠN VỊ") + 1 : said.index("PHỤ LỤC: NỘI DUNG BÁO CÁO CỦA CÁC ĐƠN VỊ THEO TỪNG MỤC")]
    assert figures[:4] == [  # in the body, compiled: every answer that is neither a text nor a criterion
        "Hình thức sơ kết: sơ kết bằng văn bản (06 đơn vị).",
        "Ngày sơ kết: 05/11/2023 (06 đơn vị).",
        "Số cuộc kiểm tra, hướng dẫn đã tổ chức: tổng cộng 40 (06 đơn vị).",
        "Tài liệu kèm theo: 12 tệp (06 đơn vị).",
    ]


async def test_every_answer_of_every_form_has_its_place_in_the_workbook_as_its_own_type(tmp_path: Path) -> None:
    filed = {code: answers(CATALOG.forms[form_id]) for form_id, code in ONE_UNIT_PER_FORM.items()}
    book = openpyxl.load_workbook((await FileDocuments(tmp_path).workbook(await workbook(filed), "x.xlsx")).path)
    outline = {(row[0].value, row[5].value): row for row in book["Nội dung theo đề cương"].iter_rows(min_row=2)}
    criteria = {(row[0].value, row[3].value) for sheet in book.worksheets[1:-1] for row in sheet.iter_rows(min_row=2)}
    for form_id, code in ONE_UNIT_PER_FORM.items():
        for question in CATALOG.forms[form_id]:
            if question.kind is QuestionKind.CRITERION:
                assert (code, question.criterion_number) in criteria, (form_id, question.id)
                continue
            row = outline[(code, document_label(question))]
            answer_cell, files_cell = row[6], row[7]
            match question.kind:
                case QuestionKind.NUMBER:
                    assert (answer_cell.value, answer_cell.data_type) == (7, "n")
                case QuestionKind.DATE:
                    assert answer_cell.is_date and answer_cell.value.date() == date(2023, 11, 5)
                case QuestionKind.CHOICE:
                    assert answer_cell.value == "sơ kết bằng văn bản"
                case QuestionKind.ATTACHMENT:
                    assert (answer_cell.value, files_cell.value) == (None, 2)
                case _:
                    assert answer_cell.value == f"Công an phường\nđã làm mục {question.id}."


def test_a_name_keeps_its_capitals_and_only_a_tier_word_is_lowered_in_a_sentence() -> None:
    assert name_in_sentence("Công an tỉnh Hà Tĩnh") == "Công an tỉnh Hà Tĩnh"
    assert name_in_sentence("Sở Tư pháp") == "Sở Tư pháp"
    assert name_in_sentence("Thị xã Cửa Lò") == "thị xã Cửa Lò"
    assert name_in_sentence("Tỉnh Nghệ An") == "tỉnh Nghệ An"
