"""The workbook and the chart as files, read back: a district filters and sorts the workbook in
Excel (a frozen bold header, filters, dates as dates, numbers as numbers) and reads the chart on
a phone (1080 pixels wide, taller with every unit)."""

from __future__ import annotations

import random
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
from PIL import Image

from app.documents import FileDocuments
from app.workbook_xlsx import wrapped_count, wrapped_lines
from bot.documents.model import ChartBar, ProgressChart, Sheet, Workbook

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
LONG = "Đã hoàn thành thủ tục xây dựng trụ sở, tổ chức 12 buổi tuyên truyền tại các khối phố. " * 4
STATUS = Sheet(
    "Tình hình",
    ("Đơn vị", "Tiêu chí 1 — Kết quả", "Số câu đã trả lời", "Hạn nộp", "Ngày nộp", "Tiêu chí 1 — Việc đã làm"),
    (
        ("Công an phường Nghi Hải", "Đạt", 38, date(2023, 11, 25), datetime(2023, 11, 20, 9, 42, tzinfo=ZONE), LONG),
        ("Phường Quỳnh Dị", "Chưa đạt", 12.5, date(2023, 11, 30), None, "=1+1"),
        ("Công an phường Nghi Thủy", None, 0, None, None, None),
    ),
    widths=(36, 22),
)
TITLE = "Báo cáo — Sơ kết công tác xây dựng đơn vị điển hình, kiểu mẫu năm 2023"
NAMES = ("Công an phường Nghi Hải", "Phường Quỳnh Dị", "Công an xã Nghi Phong", "Công an thị xã Cửa Lò")


async def written_workbook(tmp_path: Path, *sheets: Sheet) -> openpyxl.Workbook:
    attachment = await FileDocuments(tmp_path).workbook(Workbook(TITLE, sheets), "Báo cáo - Cửa Lò.xlsx")
    assert attachment.name == "Báo cáo - Cửa Lò.xlsx"
    assert attachment.media_type == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert Path(attachment.path).parent == tmp_path / "exports" and attachment.path.endswith(".xlsx")
    return openpyxl.load_workbook(attachment.path)


async def test_a_sheet_has_a_frozen_bold_header_with_filters_and_widths(tmp_path: Path) -> None:
    book = await written_workbook(tmp_path, STATUS)
    assert book.properties.title == TITLE
    sheet = book["Tình hình"]
    assert [cell.value for cell in sheet[1]] == list(STATUS.columns)
    assert all(cell.font.bold for cell in sheet[1])
    assert not sheet["A2"].font.bold
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:F4"
    assert sheet.column_dimensions["A"].width == 36 and sheet.column_dimensions["B"].width == 22
    # the others from their content: the longest header or value, within 8..60 characters
    assert sheet.column_dimensions["C"].width == len("Số câu đã trả lời") + 3
    assert sheet.column_dimensions["E"].width == len("dd/mm/yyyy hh:mm") + 3
    assert sheet.column_dimensions["F"].width == 60


async def test_dates_are_dates_numbers_are_numbers_and_text_stays_text(tmp_path: Path) -> None:
    sheet = (await written_workbook(tmp_path, STATUS))["Tình hình"]
    due, handed_in = sheet["D2"], sheet["E2"]
    assert due.is_date and due.value == datetime(2023, 11, 25) and due.number_format == "dd/mm/yyyy"
    # the wall-clock time in Vietnam, as Excel has no time zones
    assert handed_in.is_date and handed_in.value == datetime(2023, 11, 20, 9, 42)
    assert handed_in.number_format == "dd/mm/yyyy hh:mm"
    assert sheet["C2"].value == 38 and sheet["C2"].data_type == "n"
    assert sheet["C3"].value == 12.5 and sheet["C4"].value == 0
    assert sheet["E3"].value is None and sheet["B4"].value is None
    assert sheet["F2"].value == LONG and sheet["F2"].alignment.wrap_text and sheet["F2"].alignment.vertical == "top"
    assert not sheet["B2"].alignment.wrap_text
    assert sheet["F3"].value == "=1+1" and sheet["F3"].data_type == "s"  # what was typed, not a formula


async def test_sheet_names_are_cut_cleaned_and_unique(tmp_path: Path) -> None:
    header = ("Đơn vị",)
    sheets = [
        Sheet("Tiêu chí: đơn vị điển hình, kiểu mẫu [2023]", header, (("Công an phường Nghi Hải",),)),
        Sheet("Tiêu chí: đơn vị điển hình, kiểu mẫu [2024]", header, ()),
        Sheet("cap-22", header, ()),
        Sheet("CAP-22", header, ()),
        Sheet("a/b?", header, ()),
    ]
    book = await written_workbook(tmp_path, *sheets)
    assert book.sheetnames == [
        "Tiêu chí- đơn vị điển hình, kiể", "Tiêu chí- đơn vị điển hình (2)", "cap-22", "CAP-22 (2)", "a-b-",
    ]  # fmt: skip
    assert all(len(name) <= 31 for name in book.sheetnames)
    empty = book["cap-22"]
    assert empty.freeze_panes == "A2" and empty.auto_filter.ref == "A1:A1"
    assert empty.column_dimensions["A"].width == 9  # "Đơn vị" and the filter's arrow, never narrower than 8


def chart(count: int) -> ProgressChart:
    bars = tuple(
        ChartBar(f"{NAMES[i % len(NAMES)]} {i + 1}", (i % 5) * 25, min(100, (i * 7 % 13) * 9)) for i in range(count)
    )
    return ProgressChart(
        "Tiến độ báo cáo — Công an thị xã Cửa Lò",
        "Sơ kết công tác xây dựng đơn vị điển hình, kiểu mẫu năm 2023 · Hạn nộp: thứ Bảy, 25/11/2023 (còn 5 ngày)",
        bars,
        legend=("Báo cáo đã nộp", "Câu hỏi đã trả lời"),
        axis="%",
    )


async def test_the_chart_is_a_png_a_phone_wide_and_taller_with_every_unit(tmp_path: Path) -> None:
    documents = FileDocuments(tmp_path)
    attachment = await documents.chart(chart(12), "Tiến độ - Cửa Lò.png")
    assert attachment.name == "Tiến độ - Cửa Lò.png" and attachment.media_type == "image/png"
    with Image.open(attachment.path) as image:
        assert image.format == "PNG" and image.width == 1080
        image.verify()
    sizes = {}
    for count in (5, 30):
        with Image.open((await documents.chart(chart(count), "x.png")).path) as image:
            sizes[count] = image.size
    assert sizes[5][0] == sizes[30][0] == 1080
    assert sizes[30][1] > sizes[5][1] + 25 * 60  # at least 60 pixels more for every further unit


def test_a_row_is_as_tall_as_textwrap_wraps_its_text_counted_without_it() -> None:
    """The count a row's height comes from, taken on words and runs of spaces, agrees with
    textwrap on texts of every shape: hyphens, tabs, no-break spaces, words wider than the
    column, spaces at either end or alone, line breaks."""
    pieces = ["Đơn", "vị", "triển khai", "kết-quả", "x" * 30, "", " ", "tab\tx", "—", "--", "\u00a0", "x" * 8, "\u3000", "y" * 13]
    gaps = [" ", "  ", "", "\n", " " * 7, " " * 14, "\r\n", "\x0b"]
    chooser = random.Random(26)
    for _ in range(20_000):
        text = " " * chooser.choice([0, 0, 0, 1, 9]) + "".join(chooser.choice(pieces) + chooser.choice(gaps) for _ in range(chooser.randint(0, 30)))
        width = chooser.choice([6, 7, 8, 13, 20, 34, 52])
        assert wrapped_count(text, width) == len(wrapped_lines(text, width)), (text, width)
