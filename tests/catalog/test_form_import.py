"""Importing official criterion texts from XLSX and CSV sheets, and the errors officers see."""

from __future__ import annotations

import csv
import random
import tempfile
import unicodedata
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.base.forms import LocalText
from bot.base.i18n import translations
from bot.catalog.form_import import read_criteria_sheet
from bot.catalog.loading import load_catalog
from bot.catalog.model import CatalogError, CriteriaSet


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


@pytest.fixture(scope="module")
def cq14(catalog) -> CriteriaSet:
    return catalog.criteria_sets["co-quan-14"]


def _rows(total: int) -> list[list[object]]:
    return [
        [f"Nhóm {1 + (n - 1) // 5}", n, f"Nội dung chính thức của tiêu chí {n}.", f"Hướng dẫn {n}" if n % 2 else ""]
        for n in range(1, total + 1)
    ]


def _write_xlsx(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    workbook.create_sheet("Ghi chú").append(["not read: only the first sheet counts"])
    workbook.save(path)
    return path


def _write_csv(path: Path, header: list[str], rows: list[list[object]], delimiter: str = ",", bom: bool = False) -> Path:
    with path.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=delimiter)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def test_xlsx_round_trip_into_the_composed_form(tmp_path, cq14):
    rows = _rows(14)
    random.Random(7).shuffle(rows)
    rows.insert(5, [None, None, None, None])  # blank rows are skipped
    path = _write_xlsx(tmp_path / "tieu-chi.xlsx", ["group", "number", "text", "guidance"], rows)

    imported = read_criteria_sheet(path, cq14)

    assert imported.version == cq14.version + 1
    assert (imported.id, imported.total, imported.citation) == (cq14.id, cq14.total, cq14.citation)
    assert [c.number for c in imported.criteria] == list(range(1, 15))
    seventh = imported.criterion(7)
    assert seventh.text == LocalText("Nội dung chính thức của tiêu chí 7.")
    assert seventh.group == LocalText("Nhóm 2")
    assert seventh.guidance == LocalText("Hướng dẫn 7")
    assert imported.criterion(8).guidance is None

    form = load_catalog(overrides={cq14.id: imported}).form("cq-14")
    assert form.version == 1002
    question = form.question("TC.7")
    assert question.prompt.vi == "Nội dung chính thức của tiêu chí 7."
    assert question.section == LocalText("Nhóm 2")
    assert question.criterion_number == 7 and question.criteria_total == 14


def test_semicolon_csv_with_bom_and_vietnamese_headers(tmp_path, cq14):
    rows = _rows(14)
    rows[1][0] = ""  # a blank group continues the one above, as merged cells read
    path = _write_csv(tmp_path / "tieu-chi.csv", ["Nhóm", "SỐ", "Nội  dung", "hướng dẫn"], rows, delimiter=";", bom=True)
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")

    imported = read_criteria_sheet(path, cq14)

    assert imported.criterion(14).text.vi == "Nội dung chính thức của tiêu chí 14."
    assert imported.criterion(2).group == imported.criterion(1).group == LocalText("Nhóm 1")


def test_headers_match_without_diacritics_and_group_is_optional(tmp_path, cq14):
    rows = [[n, f"Tiêu chí {n}: nội dung; có dấu phẩy, và chấm phẩy"] for n in range(1, 15)]
    path = _write_csv(tmp_path / "khong-dau.csv", ["so", "NOI DUNG"], rows)
    imported = read_criteria_sheet(path, cq14)
    assert imported.criterion(3).text.vi == "Tiêu chí 3: nội dung; có dấu phẩy, và chấm phẩy"
    assert all(c.group is None and c.guidance is None for c in imported.criteria)


def test_decomposed_vietnamese_is_stored_composed(tmp_path, cq14):
    rows = [[n, unicodedata.normalize("NFD", f"Tiêu chí số {n}")] for n in range(1, 15)]
    path = _write_csv(tmp_path / "nfd.csv", ["number", "text"], rows)
    assert read_criteria_sheet(path, cq14).criterion(1).text.vi == unicodedata.normalize("NFC", "Tiêu chí số 1")


def _broken(change):
    rows = _rows(14)
    change(rows)
    return rows


FAILURES = {
    "missing number": (_broken(lambda r: r[3].__setitem__(1, "")), "dòng 5", "Số", "thiếu số thứ tự tiêu chí"),
    "not a number": (_broken(lambda r: r[3].__setitem__(1, "bốn")), "dòng 5", "Số", "“bốn”"),
    "duplicate number": (_broken(lambda r: r[9].__setitem__(1, 4)), "dòng 11", "Số", "đã có ở dòng 5"),
    "empty text": (_broken(lambda r: r[6].__setitem__(2, "   ")), "dòng 8", "Nội dung", "đang để trống"),
    "number out of range": (_broken(lambda r: r.append(["", 15, "Thừa", ""])), "dòng 16", "Số", "nằm ngoài khoảng 1..14"),
    "too few rows": (_broken(lambda r: r.pop(12)), None, "Số", "có 13 tiêu chí, nhưng bộ co-quan-14 có 14; còn thiếu: 13"),
    "text too long": (_broken(lambda r: r[2].__setitem__(2, "x" * 2001)), "dòng 4", "Nội dung", "quá dài: 2001 ký tự, tối đa 2000"),
    "control character": (_broken(lambda r: r[2].__setitem__(3, "Xem\x7f biên bản")), "dòng 4", "Hướng dẫn", "(U+007F)"),
    "line break in a group": (_broken(lambda r: r[2].__setitem__(0, "Nhóm\nmột")), "dòng 4", "Nhóm", "không được xuống dòng"),
}  # fmt: skip


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
@pytest.mark.parametrize("failure", FAILURES, ids=list(FAILURES))
def test_failures_name_file_row_and_column(tmp_path, cq14, failure, suffix):
    rows, row, column, message = FAILURES[failure]
    header = ["Nhóm", "Số", "Nội dung", "Hướng dẫn"]
    path = tmp_path / f"sai{suffix}"
    (_write_xlsx if suffix == ".xlsx" else _write_csv)(path, header, rows)

    with pytest.raises(CatalogError) as caught:
        read_criteria_sheet(path, cq14)

    error = caught.value
    assert error.file == str(path)
    assert f"cột “{column}”" in error.field
    assert row is None or error.field.startswith(f"{row},")
    assert message in error.message
    assert str(error).startswith(f"{path}: ")


def test_errors_are_written_in_the_reader_s_language(tmp_path, cq14):
    path = _write_csv(tmp_path / "sai.csv", ["Số", "Nội dung"], [[1, ""]])
    with pytest.raises(CatalogError) as caught:
        read_criteria_sheet(path, cq14, translations("en").gettext)
    assert (caught.value.field, caught.value.message) == ("row 2, column “Nội dung”", "the text of criterion 1 is empty")


@pytest.mark.parametrize(
    ("number", "text"),
    [
        ("STT", "Nội dung tiêu chí"), ("Số thứ tự", "Tiêu chí"), ("TT", "Yêu cầu"), ("số_tt", "TÊN TIÊU CHÍ"), ("Số", "Noi dung"),
        ("S.T.T", "Nội dung tiêu chí (*)"), ("TT.", "Tiêu chí:"), ("so thu tu", "NỘI DUNG"),
    ],
)
def test_the_headers_vietnamese_sheets_use_are_understood(tmp_path, cq14, number, text):
    path = _write_csv(tmp_path / "tieu-chi.csv", ["Nhóm tiêu chí", number, text, "Hướng dẫn đánh giá"], _rows(14))
    imported = read_criteria_sheet(path, cq14)
    assert imported.criterion(1).text.vi == "Nội dung chính thức của tiêu chí 1." and imported.total == 14


@pytest.mark.parametrize(
    ("header", "field", "message"),
    [
        (["Số", "Nội dung", "Cột lạ"], "dòng 1, cột “Cột lạ”", "cột không xác định"),
        (["Số", "Hướng dẫn"], "dòng 1", "không có cột ghi nội dung của tiêu chí"),
        (["Số", "Nội dung", "text"], "dòng 1, cột “text”", "trùng nội dung với cột “Nội dung”"),
    ],
)
def test_header_problems(tmp_path, cq14, header, field, message):
    path = _write_csv(tmp_path / "header.csv", header, [[1, "x", "y"]])
    with pytest.raises(CatalogError) as caught:
        read_criteria_sheet(path, cq14)
    assert caught.value.field == field
    assert message in caught.value.message


@pytest.mark.parametrize(("name", "content"), [("empty.csv", b""), ("latin1.csv", "Nhóm,number,text\n".encode("latin-1"))])
def test_unreadable_csv(tmp_path, cq14, name, content):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(CatalogError, match=name):
        read_criteria_sheet(path, cq14)


def test_other_file_types_and_missing_files_are_refused(tmp_path, cq14):
    path = tmp_path / "tieu-chi.ods"
    path.write_bytes(b"PK")
    with pytest.raises(CatalogError, match=r"\.xlsx hoặc \.csv"):
        read_criteria_sheet(path, cq14)
    for missing in ("khong-co.xlsx", "khong-co.csv"):  # nothing is wrong with data that is not there
        with pytest.raises(FileNotFoundError) as caught:
            read_criteria_sheet(tmp_path / missing, cq14)
        assert caught.value.filename == str(tmp_path / missing)
    with pytest.raises(IsADirectoryError):
        read_criteria_sheet(tmp_path, cq14)


# Texts an official might paste: Vietnamese letters, digits, punctuation, spaces and line breaks.
_official_text = st.text(
    alphabet=st.characters(categories=("L", "M", "N", "P", "S", "Zs"), include_characters="\n"),
    min_size=1,
    max_size=200,
).filter(lambda t: unicodedata.normalize("NFC", t).strip())


@settings(max_examples=60, deadline=None)
@given(texts=st.lists(_official_text, min_size=14, max_size=14), delimiter=st.sampled_from([",", ";"]), bom=st.booleans())
def test_csv_import_round_trips_any_texts(cq14, texts, delimiter, bom):
    rows = [[n, text] for n, text in enumerate(texts, start=1)]
    with tempfile.TemporaryDirectory() as directory:
        path = _write_csv(Path(directory) / "random.csv", ["number", "text"], rows, delimiter=delimiter, bom=bom)
        imported = read_criteria_sheet(path, cq14)
    assert [c.text.vi for c in imported.criteria] == [unicodedata.normalize("NFC", t).strip() for t in texts]
